using System.Text;
using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// Where the broker wrote a published message, and the message's id: what <see cref="IMessagePublisher.PublishAsync{T}(T, string?, Headers?, CancellationToken)"/>
/// returns once the broker acknowledged the record.
/// </summary>
/// <remarks>
/// <see cref="Offset"/> is <see cref="Offset.Unset"/> when the client confirmed the record without an offset. The
/// idempotent producer does so for a request whose outcome it could not learn (a timeout, a lost connection) once a
/// later request of the same partition succeeded: the broker accepts a later request only after every earlier one of
/// the producer (it refuses a gap in the producer's sequence numbers), so the earlier records are in the log, at
/// offsets the client was not told.
/// </remarks>
public readonly struct PublishResult : IEquatable<PublishResult>
{
    private readonly byte[]? _messageId;

    internal PublishResult(string topic, Partition partition, Offset offset, byte[] messageId)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        _messageId = messageId;
    }

    /// <summary>The topic the message was written to.</summary>
    public string Topic { get; }

    /// <summary>The partition the message was written to.</summary>
    public Partition Partition { get; }

    /// <summary>The message's offset in <see cref="Partition"/>, or <see cref="Offset.Unset"/> when the client confirmed it without one (see the remarks).</summary>
    public Offset Offset { get; }

    /// <summary>The message's <c>ce_id</c> (a UUIDv7 in text form), the id deduplication and the dead-letter topic refer to. Built on each call.</summary>
    public string MessageId => _messageId is null ? string.Empty : Encoding.UTF8.GetString(_messageId);

    /// <inheritdoc />
    public bool Equals(PublishResult other)
        => Topic == other.Topic && Partition == other.Partition && Offset == other.Offset
            && (_messageId ?? []).AsSpan().SequenceEqual(other._messageId ?? []);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PublishResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Topic, Partition, Offset);

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition.Value}] @{Offset} ({MessageId})";

    /// <summary>Whether two results name the same message at the same place.</summary>
    public static bool operator ==(PublishResult left, PublishResult right) => left.Equals(right);

    /// <summary>Whether two results differ.</summary>
    public static bool operator !=(PublishResult left, PublishResult right) => !left.Equals(right);
}
