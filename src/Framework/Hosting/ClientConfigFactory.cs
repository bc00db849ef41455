using Confluent.Kafka;

namespace KafkaTyped.Hosting;

/// <summary>Builds librdkafka configurations from <see cref="KafkaTypedOptions"/>: defaults first, then the user's properties.</summary>
internal static class ClientConfigFactory
{
    /// <summary>Producer defaults: durable (acks=all + idempotence), compact (lz4), batched (5 ms), Java-compatible partitioning, lean delivery reports.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ProducerDefaults =
    [
        new("acks", "all"),
        new("enable.idempotence", "true"),
        new("compression.type", "lz4"),
        new("linger.ms", "5"),
        new("partitioner", "murmur2_random"),

        // Delivery reports without a copy of the record (key, value, headers marshalled back from librdkafka, about
        // 940 B per record with the CloudEvents headers): the publisher keeps the records it has in flight itself.
        new("dotnet.producer.delivery.report.fields", "status"),
    ];

    /// <summary>Consumer defaults; see docs/consumer.md for why.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ConsumerDefaults =
    [
        new("auto.offset.reset", "earliest"),
        new("partition.assignment.strategy", "cooperative-sticky"),
        new("fetch.queue.backoff.ms", "10"),
        new("enable.partition.eof", "false"),
    ];

    /// <summary>Consumer properties KafkaTyped owns, each with why; configuring another value fails validation.</summary>
    public static readonly IReadOnlyList<ForcedProperty> ConsumerForced =
    [
        new("enable.auto.commit", "true", "librdkafka commits, in the background, the offsets KafkaTyped stores once their records were handled."),
        new("enable.auto.offset.store", "false", "KafkaTyped stores an offset only once its record was handled; librdkafka would store it when the record is read."),
        new("dotnet.consumer.consume.result.fields", "all", "records are routed by their ce_type header and dispatched by topic and partition; without them every record would be skipped or dropped."),
    ];

    /// <summary>The interval of librdkafka's background commits, set from <see cref="ConsumerOptions.CommitInterval"/>.</summary>
    public const string CommitIntervalProperty = "auto.commit.interval.ms";

    /// <summary>
    /// Properties librdkafka refuses under <c>group.protocol=consumer</c> (KIP-848): the broker assigns partitions and
    /// sets the session and heartbeat intervals, so no default of these is applied and configuring them fails validation.
    /// </summary>
    public static readonly IReadOnlyList<string> ConsumerProtocolForbidden =
    [
        "partition.assignment.strategy",
        "session.timeout.ms",
        "heartbeat.interval.ms",
    ];

    public static ProducerConfig CreateProducerConfig(KafkaTypedOptions options, string serviceName)
    {
        var config = new ProducerConfig();
        Apply(config, ProducerDefaults);
        config.Set("client.id", serviceName);
        ApplyCommon(config, options);
        Apply(config, options.Publisher.Properties);
        return config;
    }

    /// <summary>
    /// The configuration of a transactional producer: the publisher's (<see cref="CreateProducerConfig"/>) with
    /// <c>transactional.id</c> and <c>transaction.timeout.ms</c> from <see cref="PublisherOptions.TransactionTimeout"/>.
    /// </summary>
    public static ProducerConfig CreateTransactionalProducerConfig(KafkaTypedOptions options, string serviceName, string transactionalId)
    {
        var config = CreateProducerConfig(options, serviceName);
        config.Set("transactional.id", transactionalId);
        config.Set("transaction.timeout.ms", ((long)options.Publisher.TransactionTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return config;
    }

    public static ConsumerConfig CreateConsumerConfig(KafkaTypedOptions options, ConsumerOptions consumer, string serviceName)
    {
        var config = new ConsumerConfig();
        var consumerProtocol = UsesConsumerProtocol(options, consumer);
        Apply(config, ConsumerDefaults.Where(d => !consumerProtocol || !ConsumerProtocolForbidden.Contains(d.Key)));
        config.Set("client.id", serviceName);
        ApplyCommon(config, options);
        Apply(config, consumer.Properties);
        config.Set("group.id", consumer.GroupId ?? string.Empty);
        foreach (var forced in ConsumerForced)
        {
            config.Set(forced.Key, forced.Value);
        }

        config.Set(CommitIntervalProperty, ((long)consumer.CommitInterval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (consumer.ExactlyOnce)
        {
            // Offsets are committed by the member's producer transactions only, and aborted output is never read.
            config.Set("enable.auto.commit", "false");
            config.Set("isolation.level", "read_committed");
        }

        return config;
    }

    /// <summary>
    /// The value a consumer's librdkafka property gets from the user (its own properties win over the common ones), with
    /// the configuration key it came from; <see langword="null"/> when neither sets it.
    /// </summary>
    public static (string Value, string Key)? UserProperty(KafkaTypedOptions options, ConsumerOptions consumer, string consumerPath, string key)
    {
        if (consumer.Properties.TryGetValue(key, out var own))
        {
            return (own, $"{consumerPath}:Properties:{key}");
        }

        return options.Properties.TryGetValue(key, out var common) ? (common, $"{KafkaTypedOptions.SectionName}:Properties:{key}") : null;
    }

    /// <summary>librdkafka's default <c>max.poll.interval.ms</c>.</summary>
    public const int DefaultMaxPollIntervalMs = 300_000;

    /// <summary>
    /// The consumer's <c>max.poll.interval.ms</c> as the user set it, else librdkafka's default; <see langword="null"/>
    /// when the value set is not a number (librdkafka refuses it at start-up, naming it).
    /// </summary>
    public static TimeSpan? MaxPollInterval(KafkaTypedOptions options, ConsumerOptions consumer)
    {
        if (UserProperty(options, consumer, string.Empty, "max.poll.interval.ms") is not { } configured)
        {
            return TimeSpan.FromMilliseconds(DefaultMaxPollIntervalMs);
        }

        return int.TryParse(configured.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : null;
    }

    /// <summary>Whether the consumer joins its group with the KIP-848 protocol (<c>group.protocol=consumer</c>).</summary>
    public static bool UsesConsumerProtocol(KafkaTypedOptions options, ConsumerOptions consumer)
        => UserProperty(options, consumer, string.Empty, "group.protocol") is { } protocol
            && string.Equals(protocol.Value.Trim(), "consumer", StringComparison.OrdinalIgnoreCase);

    /// <summary>A librdkafka property KafkaTyped sets to <paramref name="Value"/> whatever is configured, and why.</summary>
    internal readonly record struct ForcedProperty(string Key, string Value, string Reason);

    private static void ApplyCommon(ClientConfig config, KafkaTypedOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            config.Set("bootstrap.servers", options.BootstrapServers);
        }

        Apply(config, options.Properties);
    }

    private static void Apply(ClientConfig config, IEnumerable<KeyValuePair<string, string>> properties)
    {
        foreach (var (key, value) in properties)
        {
            config.Set(key, value);
        }
    }
}
