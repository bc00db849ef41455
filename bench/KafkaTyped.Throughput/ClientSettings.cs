namespace KafkaTyped.Throughput;

/// <summary>
/// The librdkafka settings both modes use, applied to the hand-written clients and passed to KafkaTyped through
/// <see cref="PublisherOptions.Properties"/> / <see cref="ConsumerOptions.Properties"/>, so the clients are configured
/// identically. They are KafkaTyped's own defaults, written out.
/// </summary>
internal static class ClientSettings
{
    public static readonly IReadOnlyDictionary<string, string> Producer = new Dictionary<string, string>
    {
        ["acks"] = "all",
        ["enable.idempotence"] = "true",
        ["compression.type"] = "lz4",
        ["linger.ms"] = "5",
        ["partitioner"] = "murmur2_random",
        ["dotnet.producer.delivery.report.fields"] = "status",
    };

    /// <summary>No overrides.</summary>
    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public static readonly IReadOnlyDictionary<string, string> Consumer = new Dictionary<string, string>
    {
        ["auto.offset.reset"] = "earliest",
        ["partition.assignment.strategy"] = "cooperative-sticky",
        ["fetch.queue.backoff.ms"] = "10",
        ["enable.partition.eof"] = "false",
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "500",
    };
}
