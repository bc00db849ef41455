using System.ComponentModel;

namespace KafkaTyped.Serialization;

/// <summary>
/// How many leading members a MessagePack payload carried. Passed by generated deserializers to the private
/// constructor they generate, so that members missing from an older payload keep the value the type's own
/// initializers give them. Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct PresentMembers
{
    /// <summary>Creates the value for a payload that carried <paramref name="count"/> members.</summary>
    /// <param name="count">The element count of the payload's array, never negative.</param>
    public PresentMembers(int count) => Count = count;

    /// <summary>The element count of the payload's array (it may exceed the number of known members).</summary>
    public int Count { get; }

    /// <summary>Whether the payload carried the member at <paramref name="index"/> (zero-based, in encoding order).</summary>
    /// <param name="index">The member's position in the encoding.</param>
    public bool Has(int index) => index < Count;
}
