using KafkaTyped;
using KafkaTyped.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace OrderService;

/// <summary>Starts the embedded Kafka cluster when the configuration names no Kafka to connect to.</summary>
internal static partial class EmbeddedOrders
{
    /// <summary>Partitions of the "orders" topic on the embedded cluster: enough for partitions to be handled in parallel.</summary>
    public const int Partitions = 6;

    private const string BootstrapServersKey = KafkaTypedOptions.SectionName + ":" + nameof(KafkaTypedOptions.BootstrapServers);

    /// <summary>
    /// Returns <see langword="null"/> when <c>KafkaTyped:BootstrapServers</c> is set; otherwise starts a cluster and
    /// creates the topic (the service then runs on it with <c>UseEmbeddedCluster</c>).
    /// </summary>
    public static EmbeddedKafkaCluster? StartIfNotConfigured(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[BootstrapServersKey]))
        {
            return null;
        }

        var cluster = new EmbeddedKafkaCluster();
        try
        {
            cluster.CreateTopic(Topics.Orders, Partitions);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }

        return cluster;
    }

    public static void LogStarted(ILogger logger, EmbeddedKafkaCluster cluster)
        => LogEmbeddedClusterStarted(logger, BootstrapServersKey, cluster.BootstrapServers, cluster.BrokerCount, Topics.Orders, Partitions, EmbeddedKafkaCluster.NativeLibraryPath);

    [LoggerMessage(1, LogLevel.Information,
        "No {Setting} configured: started an embedded Kafka cluster at {BootstrapServers} ({BrokerCount} broker, librdkafka mock cluster in this process, {NativeLibrary}) with topic '{Topic}' ({Partitions} partitions). It lives as long as this process; set the setting to use a real cluster.")]
    private static partial void LogEmbeddedClusterStarted(ILogger logger, string setting, string bootstrapServers, int brokerCount, string topic, int partitions, string? nativeLibrary);
}
