namespace KafkaTyped;

/// <summary>Options of the publisher; the <c>"KafkaTyped:Publisher"</c> configuration section.</summary>
/// <remarks>
/// Producer defaults (override any of them in <see cref="Properties"/>): <c>acks=all</c>,
/// <c>enable.idempotence=true</c>, <c>compression.type=lz4</c>, <c>linger.ms=5</c>,
/// <c>partitioner=murmur2_random</c>. Values that weaken the guarantees (<c>acks</c> other than <c>all</c>,
/// <c>enable.idempotence=false</c>, disabled delivery reports) are refused at start-up.
/// </remarks>
public sealed class PublisherOptions
{
    /// <summary>The topic used when neither the publish call nor the message's <see cref="KafkaMessageAttribute.Topic"/> names one.</summary>
    public string? DefaultTopic { get; set; }

    /// <summary>librdkafka producer properties; they win over KafkaTyped's defaults and over <see cref="KafkaTypedOptions.Properties"/>.</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Which CloudEvents attributes every record carries: <see cref="CloudEventsAttributes.All"/> (the default) or only
    /// the <see cref="CloudEventsAttributes.Required"/> ones, for leaner records.
    /// </summary>
    public CloudEventsAttributes CloudEventsAttributes { get; set; } = CloudEventsAttributes.All;

    /// <summary>
    /// How long disposing the publisher waits for outstanding records to be acknowledged; those still outstanding then
    /// fail (<c>Local_MsgTimedOut</c>) and are reported to their callers and delivery failure handlers. Default 10 seconds.
    /// </summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a publish call waits for room when librdkafka's local queue is full
    /// (<c>queue.buffering.max.messages</c>) before it throws. Default 30 seconds.
    /// </summary>
    public TimeSpan QueueFullTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The <c>transactional.id</c> of the producer that <see cref="IMessagePublisher.BeginTransactionAsync"/> uses (a
    /// second producer beside the service's idempotent one, initialised when the host starts); <see langword="null"/>
    /// (the default) offers no transactions. One running instance per id: a second producer with the same id fences the
    /// first. See <c>docs/exactly-once.md</c>.
    /// </summary>
    public string? TransactionalId { get; set; }

    /// <summary>
    /// The broker aborts a transaction left open longer than this (<c>transaction.timeout.ms</c>), and a second
    /// <see cref="IMessagePublisher.BeginTransactionAsync"/> waits at most this long for the open one to end. Applies to
    /// the publisher's transactions and to those of exactly-once consumer groups. Default 60 seconds; between 1 second
    /// and 15 minutes (the broker's default <c>transaction.max.timeout.ms</c>).
    /// </summary>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
