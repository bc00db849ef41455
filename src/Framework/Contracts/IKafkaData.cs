using MessagePack;

namespace KafkaTyped;

/// <summary>
/// A type with a MessagePack encoding written at compile time. Implemented by the source generator on
/// every <see cref="KafkaMessageAttribute"/> and <see cref="KafkaDataAttribute"/> type; do not implement it by hand.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
/// <remarks>
/// The encoding is a MessagePack array of the members in declaration order. A reader skips extra trailing
/// elements and leaves missing trailing members at their defaults, so adding members at the end is
/// compatible in both directions.
/// </remarks>
public interface IKafkaData<TSelf> where TSelf : IKafkaData<TSelf>
{
    /// <summary>Writes <paramref name="value"/> (never <see langword="null"/>) as a MessagePack array.</summary>
    static abstract void Serialize(ref MessagePackWriter writer, TSelf value);

    /// <summary>Reads a value written by <see cref="Serialize"/>; the reader is not positioned on nil.</summary>
    /// <exception cref="MessagePackSerializationException">The bytes are not a valid encoding of <typeparamref name="TSelf"/>.</exception>
    static abstract TSelf Deserialize(ref MessagePackReader reader);
}
