using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>A record on its way to a dead-letter topic, with why it got there; what an <see cref="IDeadLetterSink"/> writes.</summary>
public sealed class DeadLetter
{
    /// <summary>The dead-letter topic to write to.</summary>
    public required string Topic { get; init; }

    /// <summary>The record as it was consumed: its key, value and headers are written unchanged.</summary>
    public required ConsumeResult<byte[], byte[]> Record { get; init; }

    /// <summary>Why the record is dead-lettered.</summary>
    public required DeadLetterReason Reason { get; init; }

    /// <summary>The consumer group that gave up on the record.</summary>
    public required string ConsumerGroup { get; init; }

    /// <summary>The failure, when there was one (a handler's exception, a decoding error).</summary>
    public Exception? Exception { get; init; }

    /// <summary>The full type name of the handler that failed; <see langword="null"/> for poison input, which reaches no handler.</summary>
    public string? Handler { get; init; }

    /// <summary>How often the handler was called; 0 for poison input.</summary>
    public int Attempts { get; init; }

    /// <summary>When the record was given up.</summary>
    public required DateTimeOffset Time { get; init; }
}
