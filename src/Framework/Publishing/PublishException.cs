using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>Thrown when a published record was not delivered to Kafka.</summary>
public sealed class PublishException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PublishException(string topic, string typeId, string messageId, Error error, Exception? innerException)
        : base($"Publishing '{typeId}' (ce_id {messageId}) to topic '{topic}' failed: {error.Reason} ({error.Code}).", innerException)
    {
        Topic = topic;
        TypeId = typeId;
        MessageId = messageId;
        Error = error;
    }

    /// <summary>The topic the record was published to.</summary>
    public string Topic { get; }

    /// <summary>The message's type id.</summary>
    public string TypeId { get; }

    /// <summary>The record's <c>ce_id</c>.</summary>
    public string MessageId { get; }

    /// <summary>The Kafka error.</summary>
    public Error Error { get; }
}
