using System.ComponentModel;

namespace KafkaTyped.Serialization;

/// <summary>
/// Which members a payload carried: the leading <see cref="Count"/> ones of a MessagePack array, or any set of them for
/// a JSON object. Passed by generated deserializers to the private constructor they generate, so that members missing
/// from a payload keep the value the type's own initializers give them. Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct PresentMembers
{
    private readonly ReadOnlySpan<bool> _flags;
    private readonly bool _byFlags;

    /// <summary>Creates the value for a MessagePack payload that carried <paramref name="count"/> members.</summary>
    /// <param name="count">The element count of the payload's array, never negative.</param>
    public PresentMembers(int count) => Count = count;

    /// <summary>Creates the value for a JSON payload: <c>flags[i]</c> says whether it carried the member at index <c>i</c>.</summary>
    /// <param name="flags">One flag per member, in encoding order.</param>
    public PresentMembers(ReadOnlySpan<bool> flags)
    {
        _flags = flags;
        _byFlags = true;
        Count = flags.Length;
    }

    /// <summary>The element count of a MessagePack payload's array (it may exceed the number of known members), or the number of flags.</summary>
    public int Count { get; }

    /// <summary>Whether the payload carried the member at <paramref name="index"/> (zero-based, in encoding order).</summary>
    /// <param name="index">The member's position in the encoding.</param>
    public bool Has(int index) => _byFlags ? (uint)index < (uint)_flags.Length && _flags[index] : index < Count;
}
