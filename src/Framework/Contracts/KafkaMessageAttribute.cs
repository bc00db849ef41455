namespace KafkaTyped;

/// <summary>
/// Declares a Kafka message. The type must be <see langword="partial"/>: the KafkaTyped source generator
/// implements <see cref="IKafkaMessage{TSelf}"/> on it, with its serializers (MessagePack and JSON) written at compile time.
/// </summary>
/// <remarks>
/// The type id travels in the <c>ce_type</c> header of every record and routes the record to its handlers.
/// It is part of the wire contract: renaming the C# type is safe, changing the type id is not.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class KafkaMessageAttribute : Attribute
{
    /// <summary>Declares a Kafka message with the given type id.</summary>
    /// <param name="typeId">The stable, unique type id written to the <c>ce_type</c> header.</param>
    public KafkaMessageAttribute(string typeId) => Id = typeId;

    /// <summary>The stable, unique type id written to the <c>ce_type</c> header.</summary>
    public string Id { get; }

    /// <summary>The topic the message is published to when a publish call names none.</summary>
    public string? Topic { get; set; }

    /// <summary>
    /// The format the publisher writes and announces in the <c>content-type</c> header; <see cref="MessageFormat.MessagePack"/>
    /// by default. Readers accept every format, so changing it is a compatible rolling change once every reader runs a
    /// version that knows the new format.
    /// </summary>
    public MessageFormat Format { get; set; }
}
