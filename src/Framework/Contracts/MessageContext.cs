using System.Text;
using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// Where a consumed message came from and how often it was tried. One instance is created per delivery attempt
/// and handed to every handler of the message; it is safe to keep after the handler returns.
/// </summary>
public sealed class MessageContext
{
    // Allocated or decoded on first read only, so that dispatching to a handler that never reads them costs nothing.
    private Headers? _headers;
    private string? _messageId;
    private byte[]? _messageIdUtf8;

    /// <summary>The topic the record was read from.</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>The partition the record was read from.</summary>
    public int Partition { get; init; }

    /// <summary>The record's offset within its partition.</summary>
    public long Offset { get; init; }

    /// <summary>The raw record key, empty for a null key.</summary>
    public ReadOnlyMemory<byte> Key { get; init; }

    /// <summary>The message id (the CloudEvents <c>ce_id</c> header), the identity used for deduplication; empty when the record has none.</summary>
    public string MessageId
    {
        get => _messageId ??= _messageIdUtf8 is { } utf8 ? Encoding.UTF8.GetString(utf8) : string.Empty;
        init => _messageId = value;
    }

    /// <summary>The raw <c>ce_id</c> header value, decoded into <see cref="MessageId"/> when that is first read.</summary>
    internal byte[]? MessageIdUtf8
    {
        init => _messageIdUtf8 = value;
    }

    /// <summary>The type id the record was routed by (the <c>ce_type</c> header or the envelope's <c>type</c>).</summary>
    public string TypeId { get; init; } = string.Empty;

    /// <summary>The record's timestamp as set by the producer or the broker.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The record's headers; never <see langword="null"/>.</summary>
    public Headers Headers
    {
        get => _headers ??= [];
        init => _headers = value;
    }

    /// <summary>The consumer group that received the record.</summary>
    public string ConsumerGroup { get; init; } = string.Empty;

    /// <summary>The delivery attempt, starting at 1.</summary>
    public int Attempt { get; init; } = 1;

    /// <inheritdoc/>
    public override string ToString() => $"{TypeId} {Topic}[{Partition}]@{Offset} attempt {Attempt}";
}
