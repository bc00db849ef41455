using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace KafkaTyped.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> of KafkaTyped, both named <c>"KafkaTyped"</c>, with the
/// instruments the publisher and the consumer record. Names follow the OpenTelemetry messaging conventions where one
/// exists (<c>messaging.*</c>) and are prefixed <c>kafkatyped.</c> otherwise.
/// </summary>
internal static class KafkaTypedTelemetry
{
    /// <summary>The bucket boundaries the messaging conventions advise for durations, in seconds.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "KafkaTyped";

    public static readonly ActivitySource Source = new(Name, typeof(KafkaTypedTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(Name, typeof(KafkaTypedTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Records acknowledged by the broker (or failed, with <c>error.type</c>).</summary>
    public static readonly Counter<long> SentMessages = Meter.CreateCounter<long>(
        "messaging.client.sent.messages", "{message}", "Messages published, by outcome.");

    /// <summary>Fire-and-forget deliveries that failed; never silent.</summary>
    public static readonly Counter<long> DeliveryFailures = Meter.CreateCounter<long>(
        "kafkatyped.publish.delivery_failures", "{message}", "Fire-and-forget publishes the broker did not acknowledge.");

    /// <summary>Records taken from the consumer and dispatched.</summary>
    public static readonly Counter<long> ConsumedMessages = Meter.CreateCounter<long>(
        "messaging.client.consumed.messages", "{message}", "Records received by the consumer.");

    /// <summary>Records skipped without a handler call: unknown type id, missing ce_type, invalid payload.</summary>
    public static readonly Counter<long> SkippedMessages = Meter.CreateCounter<long>(
        "kafkatyped.consume.skipped", "{message}", "Records skipped without calling a handler, by reason.");

    /// <summary>Handler calls that threw.</summary>
    public static readonly Counter<long> HandlerFailures = Meter.CreateCounter<long>(
        "kafkatyped.consume.handler_failures", "{attempt}", "Handler attempts that threw.");

    /// <summary>Messages given up after the last allowed handler attempt.</summary>
    public static readonly Counter<long> AbandonedMessages = Meter.CreateCounter<long>(
        "kafkatyped.consume.abandoned", "{message}", "Messages a handler gave up on after its last attempt (then dead-lettered).");

    /// <summary>Records stored by the dead-letter sink, by reason.</summary>
    public static readonly Counter<long> DeadLetteredMessages = Meter.CreateCounter<long>(
        "kafkatyped.consume.dead_lettered", "{message}", "Records written to a dead-letter topic, by reason.");

    /// <summary>Records a handler skipped because its deduplication store had seen their message id.</summary>
    public static readonly Counter<long> DeduplicatedMessages = Meter.CreateCounter<long>(
        "kafkatyped.consume.deduplicated", "{message}", "Deliveries a handler skipped as duplicates of a message it handled.");

    /// <summary>Offset commits sent to the group coordinator.</summary>
    public static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "kafkatyped.consume.commits", "{commit}", "Offset commits, by outcome.");

    /// <summary>Partitions paused because their lane was full.</summary>
    public static readonly Counter<long> PartitionPauses = Meter.CreateCounter<long>(
        "kafkatyped.consume.partition_pauses", "{pause}", "Partitions paused for backpressure.");

    /// <summary>Handler attempts that failed and are tried again (after the retry delay).</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "kafkatyped.consume.retried", "{attempt}", "Handler attempts that failed and are tried again, after the retry delay.");

    /// <summary>Offset commits that failed (also counted in <see cref="Commits"/>, with <c>error.type</c>).</summary>
    public static readonly Counter<long> CommitFailures = Meter.CreateCounter<long>(
        "kafkatyped.consume.commit_failures", "{commit}", "Offset commits the group coordinator refused or that failed, by error.type.");

    /// <summary>Sends, from handing a record to the client to its delivery report, and synchronous offset commits.</summary>
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "messaging.client.operation.duration", "s", "Duration of a messaging operation: a send, from the publish call to the broker's acknowledgement; a synchronous offset commit.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>Time spent handling a message (all attempts).</summary>
    public static readonly Histogram<double> ProcessDuration = Meter.CreateHistogram<double>(
        "messaging.process.duration", "s", "Duration of processing a message, including retries.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    public static readonly KeyValuePair<string, object?> SystemTag = new("messaging.system", "kafka");

    /// <summary>
    /// A synchronous offset commit as the conventions' <c>commit</c> operation (of type <c>settle</c>), retries of a
    /// commit refused during a rebalance included.
    /// </summary>
    public static void RecordCommitDuration(TimeSpan elapsed, string groupId, Confluent.Kafka.Error? error)
    {
        if (!OperationDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            SystemTag,
            { "messaging.operation.name", "commit" },
            { "messaging.operation.type", "settle" },
            { "messaging.consumer.group.name", groupId },
        };
        if (error is not null)
        {
            tags.Add("error.type", error.Code.ToString());
        }

        OperationDuration.Record(elapsed.TotalSeconds, in tags);
    }

    /// <summary>Per assigned partition: records not yet committed (high watermark minus committed offset).</summary>
    public static readonly ObservableGauge<long> ConsumerLag = Meter.CreateObservableGauge(
        "kafkatyped.consumer.lag", StatusGauges.Lag, "{message}", "Records of an assigned partition not yet committed by this member: high watermark minus committed offset.");

    /// <summary>Per assigned partition: records being handled now.</summary>
    public static readonly ObservableGauge<int> ConsumerInFlight = Meter.CreateObservableGauge(
        "kafkatyped.consumer.in_flight", StatusGauges.InFlight, "{message}", "Records of an assigned partition being handled now.");

    /// <summary>Per assigned partition: records fetched and waiting for a handler.</summary>
    public static readonly ObservableGauge<int> ConsumerBuffered = Meter.CreateObservableGauge(
        "kafkatyped.consumer.buffered", StatusGauges.Buffered, "{message}", "Records of an assigned partition fetched and waiting for a handler.");

    /// <summary>Per consumer group: partitions paused for backpressure now.</summary>
    public static readonly ObservableGauge<int> PausedPartitions = Meter.CreateObservableGauge(
        "kafkatyped.consumer.paused_partitions", StatusGauges.Paused, "{partition}", "Partitions of a consumer group paused now because their lane is full.");

    /// <summary>Per client and broker, from librdkafka's statistics: the average round-trip time.</summary>
    public static readonly ObservableGauge<double> BrokerRoundTrip = Meter.CreateObservableGauge(
        "kafkatyped.client.broker.rtt", LibrdkafkaStatistics.RoundTrip, "s", "Average round-trip time to a broker over the last statistics interval (statistics.interval.ms).");

    /// <summary>Per client and broker, from librdkafka's statistics: requests waiting to be sent or answered.</summary>
    public static readonly ObservableGauge<long> BrokerRequests = Meter.CreateObservableGauge(
        "kafkatyped.client.broker.requests", LibrdkafkaStatistics.Requests, "{request}", "Requests to a broker waiting to be sent or answered (statistics.interval.ms).");

    /// <summary>Per client, from librdkafka's statistics: records in its queue.</summary>
    public static readonly ObservableGauge<long> ClientQueuedMessages = Meter.CreateObservableGauge(
        "kafkatyped.client.queue.messages", LibrdkafkaStatistics.QueuedMessages, "{message}", "Records in the client's queue not yet sent or delivered (statistics.interval.ms).");

    /// <summary>Per client, from librdkafka's statistics: bytes in its queue.</summary>
    public static readonly ObservableGauge<long> ClientQueuedBytes = Meter.CreateObservableGauge(
        "kafkatyped.client.queue.size", LibrdkafkaStatistics.QueuedBytes, "By", "Bytes of the records in the client's queue (statistics.interval.ms).");

    /// <summary>Per outbox relay: unsent messages at its last count (every 5 s).</summary>
    public static readonly ObservableGauge<long> OutboxBacklog = Meter.CreateObservableGauge(
        "kafkatyped.outbox.backlog", StatusGauges.OutboxBacklog, "{message}", "Messages in the outbox not yet sent, as the relay last counted them (every 5 s).");

    /// <summary>Per outbox relay: how long it has not drained the outbox.</summary>
    public static readonly ObservableGauge<double> OutboxBehind = Meter.CreateObservableGauge(
        "kafkatyped.outbox.behind", StatusGauges.OutboxBehind, "s", "How long the outbox relay has had more to publish than it published; 0 while it keeps up.");
}
