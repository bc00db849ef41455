namespace KafkaTyped;

/// <summary>A record held in the outbox: what the relay publishes, as bytes built at write time.</summary>
public sealed class OutboxMessage
{
    /// <summary>
    /// The store's position of the message, increasing in write order; the relay publishes in this order. 0 until the
    /// store wrote it.
    /// </summary>
    public long Sequence { get; init; }

    /// <summary>The topic the message is published to.</summary>
    public required string Topic { get; init; }

    /// <summary>The record key; <see langword="null"/> for a message without a key.</summary>
    public byte[]? Key { get; init; }

    /// <summary>The record value (the payload).</summary>
    public required byte[] Value { get; init; }

    /// <summary>The record headers (CloudEvents and extra ones), encoded by KafkaTyped; stores keep the bytes as they are.</summary>
    public required byte[] Headers { get; init; }

    /// <summary>The message's <c>ce_id</c>, also inside <see cref="Headers"/>; stores keep it for inspection.</summary>
    public required string MessageId { get; init; }
}
