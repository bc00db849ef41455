namespace KafkaTyped;

/// <summary>
/// The compile-time contract of a Kafka message: its type id, default topic, key, wire format and serializers.
/// Implemented by the source generator on every <see cref="KafkaMessageAttribute"/> type, so that publishing
/// and routing are generic without reflection. Do not implement it by hand.
/// </summary>
/// <typeparam name="TSelf">The implementing message type.</typeparam>
public interface IKafkaMessage<TSelf> : IKafkaData<TSelf> where TSelf : IKafkaMessage<TSelf>
{
    /// <summary>The type id written to the <c>ce_type</c> header.</summary>
    static abstract string TypeId { get; }

    /// <summary>The type id as UTF-8 bytes, as it is compared when routing.</summary>
    static abstract ReadOnlySpan<byte> TypeIdUtf8 { get; }

    /// <summary>The topic from <see cref="KafkaMessageAttribute.Topic"/>, or <see langword="null"/> when none was declared.</summary>
    static abstract string? DefaultTopic { get; }

    /// <summary>The format the publisher writes (<see cref="KafkaMessageAttribute.Format"/>); readers accept every format.</summary>
    static abstract MessageFormat Format { get; }

    /// <summary>Whether the message declares a <see cref="MessageKeyAttribute"/> member.</summary>
    static abstract bool HasKey { get; }

    /// <summary>
    /// The record key of <paramref name="message"/> encoded as the wire contract says
    /// (UTF-8 text for strings and Guids, big-endian for integers, bytes as is), or <see langword="null"/>
    /// when the message has no key member or the key value is <see langword="null"/>.
    /// </summary>
    static abstract byte[]? SerializeKey(TSelf message);

    /// <summary>
    /// The business key of <paramref name="message"/> for deduplication, from its <see cref="DeduplicationKeyAttribute"/>
    /// members, or <see langword="null"/> when it declares none or the value is <see langword="null"/> (then its
    /// <c>ce_id</c> is the key). Generated only for messages that declare one.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    static virtual string? DeduplicationKeyOf(TSelf message) => null;
}
