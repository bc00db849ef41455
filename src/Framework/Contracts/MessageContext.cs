using System.Diagnostics.CodeAnalysis;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;

namespace KafkaTyped;

/// <summary>
/// Where a consumed message came from and how often it was tried, handed to every handler of the message.
/// </summary>
/// <remarks>
/// A small immutable value: creating one costs the consumer no allocation, and a handler may copy it, keep it or
/// pass it on after returning. It refers to the record's headers and key as the client received them, without copying.
/// Construct one with an object initializer to unit-test a handler.
/// </remarks>
[SuppressMessage("Performance", "CA1815:Override equals and operator equals on value types", Justification = "A context is a description of a delivery, not a value to compare.")]
public readonly struct MessageContext
{
    private readonly string? _topic;
    private readonly string? _typeId;
    private readonly string? _consumerGroup;
    private readonly Headers? _headers;

    // Set by an initializer only; otherwise read from the ce_id header when asked for, so a dispatch to a handler that
    // never reads it does not look for it.
    private readonly string? _messageId;

    // Stored as attempt - 1 so that default(MessageContext) reads as a first attempt.
    private readonly int _previousAttempts;

    /// <summary>The topic the record was read from.</summary>
    public string Topic
    {
        get => _topic ?? string.Empty;
        init => _topic = value;
    }

    /// <summary>The partition the record was read from.</summary>
    public int Partition { get; init; }

    /// <summary>The record's offset within its partition.</summary>
    public long Offset { get; init; }

    /// <summary>The raw record key, empty for a null key.</summary>
    public ReadOnlyMemory<byte> Key { get; init; }

    /// <summary>
    /// The message id (the CloudEvents <c>ce_id</c> header), the identity used for deduplication; empty when the record
    /// has none. Read from the headers on each access: keep it in a local when it is used more than once.
    /// </summary>
    public string MessageId
    {
        get => _messageId ?? CloudEventHeaders.GetString(_headers, CloudEventHeaders.Id) ?? string.Empty;
        init => _messageId = value;
    }

    /// <summary>The type id the record was routed by (the <c>ce_type</c> header).</summary>
    public string TypeId
    {
        get => _typeId ?? string.Empty;
        init => _typeId = value;
    }

    /// <summary>The record's timestamp as set by the producer or the broker.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The record's headers, as the client received them; never <see langword="null"/>.</summary>
    public Headers Headers
    {
        get => _headers ?? [];
        init => _headers = value;
    }

    /// <summary>The consumer group that received the record.</summary>
    public string ConsumerGroup
    {
        get => _consumerGroup ?? string.Empty;
        init => _consumerGroup = value;
    }

    /// <summary>The delivery attempt, starting at 1.</summary>
    public int Attempt
    {
        get => _previousAttempts + 1;
        init => _previousAttempts = value - 1;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{TypeId} {Topic}[{Partition}]@{Offset} attempt {Attempt}";
}
