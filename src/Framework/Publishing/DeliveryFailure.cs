using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>A fire-and-forget publish Kafka did not acknowledge: the whole record, so it can be published again.</summary>
public sealed class DeliveryFailure
{
    /// <summary>Creates a failure report.</summary>
    public DeliveryFailure(string topic, string typeId, string messageId, byte[]? key, byte[] value, Headers headers, Error error)
    {
        Topic = topic;
        TypeId = typeId;
        MessageId = messageId;
        Key = key;
        Value = value;
        Headers = headers;
        Error = error;
    }

    /// <summary>The topic the record was published to.</summary>
    public string Topic { get; }

    /// <summary>The message's type id (<c>ce_type</c>).</summary>
    public string TypeId { get; }

    /// <summary>The record's <c>ce_id</c>.</summary>
    public string MessageId { get; }

    /// <summary>The record key, or <see langword="null"/>.</summary>
    public byte[]? Key { get; }

    /// <summary>The serialized value.</summary>
    public byte[] Value { get; }

    /// <summary>The record headers.</summary>
    public Headers Headers { get; }

    /// <summary>Why the delivery failed.</summary>
    public Error Error { get; }
}
