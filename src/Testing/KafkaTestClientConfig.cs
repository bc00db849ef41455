using Confluent.Kafka;

namespace KafkaTyped.Testing;

/// <summary>
/// Client configurations recommended for tests, on the embedded cluster or a real one: they fail
/// fast, recover quickly after a broker comes back and do not throttle consumers.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Setting</term><description>Why</description></listheader>
/// <item><term><c>fetch.queue.backoff.ms=10</c> (consumer)</term><description>librdkafka's default of 1000 ms
/// throttles a consumer that keeps up with its prefetch queue (measured about 2.6x slower on the
/// embedded cluster).</description></item>
/// <item><term><c>fetch.wait.max.ms=100</c> (consumer)</term><description>An idle fetch returns sooner, so new
/// records are seen within about 100 ms.</description></item>
/// <item><term><c>session.timeout.ms=6000</c>, <c>heartbeat.interval.ms=500</c> (consumer)</term><description>6 s is
/// the smallest session timeout a real broker accepts by default
/// (<c>group.min.session.timeout.ms</c>); a 500 ms heartbeat makes members notice a rebalance quickly.</description></item>
/// <item><term><c>auto.offset.reset=earliest</c> (consumer)</term><description>A new group reads what the test
/// produced before it subscribed.</description></item>
/// <item><term><c>reconnect.backoff.ms=10</c>, <c>reconnect.backoff.max.ms=500</c></term><description>The client
/// reconnects within half a second after a broker comes back up.</description></item>
/// <item><term><c>retry.backoff.ms=10</c>, <c>retry.backoff.max.ms=200</c></term><description>Retriable errors
/// are retried quickly.</description></item>
/// <item><term><c>message.timeout.ms=30000</c> (producer)</term><description>A message that cannot be delivered
/// fails the test within 30 s instead of librdkafka's 300 s.</description></item>
/// <item><term><c>linger.ms=5</c> (producer)</term><description>Small batches, low latency.</description></item>
/// </list>
/// </remarks>
public static class KafkaTestClientConfig
{
    /// <summary>A producer configuration with the test settings.</summary>
    /// <param name="bootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
    /// <returns>A new configuration; change it freely.</returns>
    public static ProducerConfig ForProducer(string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrEmpty(bootstrapServers);
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            LingerMs = 5,
            MessageTimeoutMs = 30_000,
            RetryBackoffMs = 10,
            RetryBackoffMaxMs = 200,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 500,
        };
        return config;
    }

    /// <summary>A consumer configuration with the test settings.</summary>
    /// <param name="bootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
    /// <param name="groupId">The consumer group.</param>
    /// <returns>A new configuration; change it freely.</returns>
    public static ConsumerConfig ForConsumer(string bootstrapServers, string groupId)
    {
        ArgumentException.ThrowIfNullOrEmpty(bootstrapServers);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6_000,
            HeartbeatIntervalMs = 500,
            FetchWaitMaxMs = 100,
            RetryBackoffMs = 10,
            RetryBackoffMaxMs = 200,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 500,
        };
        config.Set("fetch.queue.backoff.ms", "10");
        return config;
    }

    /// <summary>
    /// Fills in the test settings on KafkaTyped's options wherever the options leave them unset: the reconnect and retry
    /// backoffs for every client, <c>message.timeout.ms</c> for the publisher, and for every consumer group
    /// <c>fetch.wait.max.ms</c>, <c>session.timeout.ms</c> and <c>heartbeat.interval.ms</c> (the last two not for a group on
    /// <c>group.protocol=consumer</c>, which refuses them). A setting the options
    /// already have (in <see cref="KafkaTypedOptions.Properties"/> or the client's own properties) is kept.
    /// </summary>
    /// <param name="options">The options to complete.</param>
    /// <param name="embedded">
    /// Whether the cluster is an <see cref="EmbeddedKafkaCluster"/>: its group coordinator keeps a member that closed
    /// until the member's session expires, so the session is 2 s (heartbeat 200 ms) there, and 6 s (heartbeat 500 ms),
    /// the smallest a real broker accepts by default, elsewhere.
    /// </param>
    internal static void ApplyDefaults(KafkaTypedOptions options, bool embedded)
    {
        ArgumentNullException.ThrowIfNull(options);
        var common = options.Properties;
        SetDefault(common, common, "reconnect.backoff.ms", "10");
        SetDefault(common, common, "reconnect.backoff.max.ms", "500");
        SetDefault(common, common, "retry.backoff.ms", "10");
        SetDefault(common, common, "retry.backoff.max.ms", "200");
        SetDefault(options.Publisher.Properties, common, "message.timeout.ms", "30000");
        foreach (var consumer in options.Consumers)
        {
            SetDefault(consumer.Properties, common, "fetch.wait.max.ms", "100");
            if (UsesConsumerProtocol(consumer.Properties, common))
            {
                continue; // KIP-848: the broker owns session and heartbeat timing, and librdkafka refuses both keys
            }

            SetDefault(consumer.Properties, common, "session.timeout.ms", embedded ? "2000" : "6000");
            SetDefault(consumer.Properties, common, "heartbeat.interval.ms", embedded ? "200" : "500");
        }
    }

    private static bool UsesConsumerProtocol(Dictionary<string, string> properties, Dictionary<string, string> common)
        => (properties.TryGetValue("group.protocol", out var protocol) || common.TryGetValue("group.protocol", out protocol))
            && string.Equals(protocol.Trim(), "consumer", StringComparison.OrdinalIgnoreCase);

    private static void SetDefault(Dictionary<string, string> properties, Dictionary<string, string> common, string key, string value)
    {
        if (!properties.ContainsKey(key) && !common.ContainsKey(key))
        {
            properties[key] = value;
        }
    }

    /// <summary>An admin client configuration.</summary>
    /// <param name="bootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
    /// <returns>A new configuration; change it freely.</returns>
    public static AdminClientConfig ForAdmin(string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrEmpty(bootstrapServers);
        return new AdminClientConfig
        {
            BootstrapServers = bootstrapServers,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 500,
        };
    }
}
