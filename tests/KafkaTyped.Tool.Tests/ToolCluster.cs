using KafkaTyped.Testing;
using KafkaTyped.Tool.Tests;

[assembly: AssemblyFixture(typeof(ToolCluster))]

namespace KafkaTyped.Tool.Tests;

/// <summary>The embedded Kafka cluster of this test run (one broker, real TCP); tests isolate themselves by unique names.</summary>
public sealed class ToolCluster : IAsyncLifetime
{
    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public string BootstrapServers => Cluster.BootstrapServers;

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public ValueTask InitializeAsync()
    {
        Cluster = new EmbeddedKafkaCluster();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
