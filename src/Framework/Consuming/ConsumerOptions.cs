namespace KafkaTyped;

/// <summary>
/// One consumer group run by this service; an element of the <c>"KafkaTyped:Consumers"</c> configuration list.
/// </summary>
/// <remarks>
/// Consumer defaults (override them in <see cref="Properties"/>): <c>auto.offset.reset=earliest</c>,
/// <c>partition.assignment.strategy=cooperative-sticky</c> (not under <c>group.protocol=consumer</c>),
/// <c>fetch.queue.backoff.ms=10</c>. KafkaTyped stores the offset of a record only once it was handled and librdkafka
/// commits what is stored in the background, so <c>enable.auto.offset.store=false</c>, <c>enable.auto.commit=true</c>
/// and <c>dotnet.consumer.consume.result.fields=all</c> are forced, and <c>auto.commit.interval.ms</c> is
/// <see cref="CommitInterval"/>.
/// </remarks>
public sealed class ConsumerOptions
{
    /// <summary>The consumer group id; required.</summary>
    public string? GroupId { get; set; }

    /// <summary>The topics the group subscribes to; at least one.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>librdkafka consumer properties; they win over KafkaTyped's defaults and over <see cref="KafkaTypedOptions.Properties"/>.</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Records buffered per assigned partition (polled and not completed, waiting or being handled); when a partition
    /// holds this many it is paused, and resumed once it drained to half. Default 1000.
    /// </summary>
    public int LaneCapacity { get; set; } = 1000;

    /// <summary>
    /// Bytes of record keys and values buffered per assigned partition (as <see cref="LaneCapacity"/> counts records):
    /// when a partition holds this many it is paused, and resumed once it drained to half. Bounds the memory of large
    /// records, which the record count alone does not. Default 4 MiB.
    /// </summary>
    public long LaneCapacityBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Handler calls in flight at once in this group, over all its partitions (each record counts once, whatever its
    /// number of handlers). Default 64. See <c>docs/ordering.md</c>.
    /// </summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>
    /// The ordering of every record this group handles, replacing what handlers and messages declare with
    /// <see cref="OrderingAttribute"/> (their declared <see cref="OrderingAttribute.MaxConcurrency"/> still applies);
    /// <see langword="null"/> (the default) keeps the declared orderings. See <c>docs/ordering.md</c>.
    /// </summary>
    public OrderingMode? Ordering { get; set; }

    /// <summary>
    /// How often librdkafka commits, in the background, the offsets stored for completed records
    /// (<c>auto.commit.interval.ms</c>). Default 1 second.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Completed offsets are stored for the next commit at the latest once this many messages completed (and otherwise
    /// within 100 ms, or <see cref="CommitInterval"/> if shorter). Default 1000.
    /// </summary>
    public int CommitBatchSize { get; set; } = 1000;

    /// <summary>
    /// How long the handler calls under way on a revoked partition may take to finish before they are cancelled (its
    /// records not started yet are left to the next owner). Default 10 seconds; must be
    /// shorter than <c>max.poll.interval.ms</c>.
    /// </summary>
    public TimeSpan RevokeDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long stopping the host lets the handler calls under way finish before it cancels them (records not started are
    /// left to the next owner). Default 15 seconds;
    /// must be shorter than <c>max.poll.interval.ms</c>, and should be shorter than the host's <c>ShutdownTimeout</c>
    /// (a warning at start-up says so).
    /// </summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Attempts per handler before the message is dead-lettered for that handler; 0 (the default) retries until the
    /// handler succeeds, the partition is revoked or the consumer stops, so nothing is committed past a failing message.
    /// A handler's entry in <see cref="Handlers"/> wins. See <c>docs/failures.md</c>.
    /// </summary>
    public int MaxHandlerAttempts { get; set; }

    /// <summary>The delay before the second handler attempt; doubled per attempt (with jitter) up to <see cref="RetryMaxDelay"/>. Default 200 ms (<see cref="RetryAttribute.DefaultBaseDelayMilliseconds"/>).</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(RetryAttribute.DefaultBaseDelayMilliseconds);

    /// <summary>The longest delay between handler attempts. Default 30 seconds (<see cref="RetryAttribute.DefaultMaxDelayMilliseconds"/>).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMilliseconds(RetryAttribute.DefaultMaxDelayMilliseconds);

    /// <summary>
    /// Full names of exception types a handler of this group never retries: the record is dead-lettered on the attempt
    /// that threw one (or a type derived from one), as for a <see cref="PermanentFailureException"/>. Added to the types
    /// a <see cref="RetryAttribute.NonRetryable"/> declares and to a handler's own list in <see cref="Handlers"/>.
    /// </summary>
    public List<string> NonRetryableExceptions { get; set; } = [];

    /// <summary>
    /// The dead-letter topic of the group's records; <see langword="null"/> (the default) writes a record consumed from
    /// <c>T</c> to <c>T.dlq</c>. A handler's entry in <see cref="Handlers"/> wins.
    /// </summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>
    /// Whether a record whose type id no handler of this service handles is dead-lettered (<c>unknown-type</c>);
    /// by default it is skipped and counted, as a topic is often shared with types other services handle.
    /// </summary>
    public bool DeadLetterUnknownTypes { get; set; }

    /// <summary>The largest record value handled, in bytes; a larger one is dead-lettered (<c>payload-too-large</c>) before decoding. Default 1 MiB.</summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Exactly-once consume-transform-produce: what handlers of this group publish through <see cref="IMessagePublisher"/>
    /// while they handle a record, and the offsets of the records handled, commit together in one Kafka transaction of a
    /// producer owned by this member; the group reads <c>isolation.level=read_committed</c> and commits no offsets
    /// outside transactions. Default <see langword="false"/>. See <c>docs/exactly-once.md</c>.
    /// </summary>
    public bool ExactlyOnce { get; set; }

    /// <summary>
    /// In an <see cref="ExactlyOnce"/> group, a transaction is committed once this many records completed in it (or
    /// after <see cref="TransactionInterval"/>). Default 500; between 1 and 100000.
    /// </summary>
    public int TransactionBatchSize { get; set; } = 500;

    /// <summary>
    /// In an <see cref="ExactlyOnce"/> group, the longest a transaction with completed records stays open before it is
    /// committed. Default 100 ms; shorter than <see cref="PublisherOptions.TransactionTimeout"/>.
    /// </summary>
    public TimeSpan TransactionInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Failure handling per handler, by the handler's full type name (or its name); what is set wins over the group's settings.</summary>
    public Dictionary<string, HandlerFailureOptions> Handlers { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>How the failures of one handler are handled in one consumer group; unset values come from the group's <see cref="ConsumerOptions"/>.</summary>
public sealed class HandlerFailureOptions
{
    /// <summary>Attempts before the message is dead-lettered for this handler; 0 retries until it succeeds.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The delay before the second attempt, doubled per attempt with jitter.</summary>
    public TimeSpan? RetryInitialDelay { get; set; }

    /// <summary>The longest delay between attempts.</summary>
    public TimeSpan? RetryMaxDelay { get; set; }

    /// <summary>The dead-letter topic of this handler's failures; wins over a <see cref="DeadLetterTopicAttribute"/>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Full names of further exception types this handler never retries (see <see cref="ConsumerOptions.NonRetryableExceptions"/>).</summary>
    public List<string> NonRetryableExceptions { get; set; } = [];
}
