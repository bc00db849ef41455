using Confluent.Kafka;

namespace KafkaTyped.Hosting;

/// <summary>Builds librdkafka configurations from <see cref="KafkaTypedOptions"/>: defaults first, then the user's properties.</summary>
internal static class ClientConfigFactory
{
    /// <summary>Producer defaults: durable (acks=all + idempotence), compact (lz4), batched (5 ms), Java-compatible partitioning.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ProducerDefaults =
    [
        new("acks", "all"),
        new("enable.idempotence", "true"),
        new("compression.type", "lz4"),
        new("linger.ms", "5"),
        new("partitioner", "murmur2_random"),
    ];

    /// <summary>Consumer defaults; see docs/consumer.md for why.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ConsumerDefaults =
    [
        new("auto.offset.reset", "earliest"),
        new("partition.assignment.strategy", "cooperative-sticky"),
        new("fetch.queue.backoff.ms", "10"),
        new("enable.partition.eof", "false"),
    ];

    /// <summary>Consumer properties KafkaTyped owns: offsets are committed only after handling.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ConsumerForced =
    [
        new("enable.auto.commit", "false"),
        new("enable.auto.offset.store", "false"),
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

    public static ConsumerConfig CreateConsumerConfig(KafkaTypedOptions options, ConsumerOptions consumer, string serviceName)
    {
        var config = new ConsumerConfig();
        Apply(config, ConsumerDefaults);
        config.Set("client.id", serviceName);
        ApplyCommon(config, options);
        Apply(config, consumer.Properties);
        config.Set("group.id", consumer.GroupId ?? string.Empty);
        Apply(config, ConsumerForced);
        return config;
    }

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
