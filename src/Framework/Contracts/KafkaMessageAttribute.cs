namespace KafkaTyped;

/// <summary>
/// Declares a Kafka message. The type must be <see langword="partial"/>: the KafkaTyped source generator
/// implements <see cref="IKafkaMessage{TSelf}"/> on it, with a MessagePack serializer written at compile time.
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
}
