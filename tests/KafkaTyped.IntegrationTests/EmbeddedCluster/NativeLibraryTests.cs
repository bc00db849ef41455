using KafkaTyped.Testing;

namespace KafkaTyped.IntegrationTests.EmbeddedCluster;

/// <summary>The embedded cluster runs on the same librdkafka file as Confluent.Kafka.</summary>
public sealed class NativeLibraryTests
{
    [Fact]
    public void The_cluster_and_Confluent_Kafka_share_one_librdkafka_file()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Reads /proc/self/maps, which only Linux has.");
        }

        using var cluster = new EmbeddedKafkaCluster();
        _ = Confluent.Kafka.Library.Version; // Confluent.Kafka has loaded its library

        var mapped = File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..].Trim() : null)
            .Where(path => path is not null && Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
            .Distinct()
            .ToList();

        var path = Assert.Single(mapped);
        Assert.Equal(path, EmbeddedKafkaCluster.NativeLibraryPath);
    }
}
