using Confluent.Kafka;

namespace KafkaTyped.Tool.Kafka;

/// <summary>
/// How the tool reaches Kafka: <c>--bootstrap-servers</c>, else the <c>KafkaTyped__BootstrapServers</c> environment
/// variable (the same key a KafkaTyped service reads), plus librdkafka properties given with <c>-X key=value</c>.
/// </summary>
internal sealed class KafkaSettings
{
    public const string EnvironmentVariable = "KafkaTyped__BootstrapServers";

    /// <summary>The consumer group the reading commands name; it never joins and never commits.</summary>
    public const string ReaderGroup = "kafkatyped-cli";

    public KafkaSettings(string bootstrapServers, IReadOnlyDictionary<string, string> properties, TimeSpan timeout)
    {
        BootstrapServers = bootstrapServers;
        Properties = properties;
        Timeout = timeout;
    }

    public string BootstrapServers { get; }

    /// <summary>librdkafka properties applied to every client, after the tool's defaults.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>How long one metadata, watermark or offset request may take.</summary>
    public TimeSpan Timeout { get; }

    public static KafkaSettings Resolve(string? option, IReadOnlyList<string>? properties, TimeSpan timeout, Func<string, string?> environment)
    {
        var servers = string.IsNullOrWhiteSpace(option) ? environment(EnvironmentVariable) : option;
        if (string.IsNullOrWhiteSpace(servers))
        {
            throw new ToolException(ExitCodes.Usage, $"No Kafka to talk to: pass --bootstrap-servers host:port or set {EnvironmentVariable}.");
        }

        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in properties ?? [])
        {
            var equals = property.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ToolException(ExitCodes.Usage, $"-X '{property}' is not a librdkafka property: write key=value.");
            }

            parsed[property[..equals].Trim()] = property[(equals + 1)..];
        }

        return new KafkaSettings(servers.Trim(), parsed, timeout);
    }

    /// <summary>A consumer that reads assigned partitions from given offsets; it never subscribes and never commits.</summary>
    public ConsumerConfig ReaderConfig(string groupId = ReaderGroup)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = groupId,
            ClientId = "kafkatyped",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = false,
        };
        Apply(config);
        return config;
    }

    public AdminClientConfig AdminConfig()
    {
        var config = new AdminClientConfig { BootstrapServers = BootstrapServers, ClientId = "kafkatyped" };
        Apply(config);
        return config;
    }

    /// <summary>The options the replay producer is built from: the framework's own producer (acks=all, idempotent).</summary>
    public KafkaTypedOptions ProducerOptions()
    {
        foreach (var (key, value) in Properties)
        {
            var refused = key switch
            {
                "acks" or "request.required.acks" => value.Trim() is not ("all" or "-1"),
                "enable.idempotence" => !string.Equals(value.Trim(), "true", StringComparison.OrdinalIgnoreCase),
                _ => false,
            };
            if (refused)
            {
                throw new ToolException(ExitCodes.Usage, $"-X {key}={value} is refused: a replay is published with acks=all and idempotence, so that an acknowledged replay is durable and written once.");
            }
        }

        var options = new KafkaTypedOptions { BootstrapServers = BootstrapServers };
        options.Publisher.Properties["message.timeout.ms"] = "30000"; // a replay gives up on a record after 30 s, not librdkafka's 300 s
        foreach (var (key, value) in Properties)
        {
            options.Properties[key] = value;
        }

        return options;
    }

    private void Apply(ClientConfig config)
    {
        foreach (var (key, value) in Properties)
        {
            config.Set(key, value);
        }
    }
}
