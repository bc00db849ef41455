using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;

namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>The cluster picked for this run, and the ways of picking it.</summary>
public sealed class ClusterSelectionTests(ClusterFixture cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_selected_cluster_creates_topics_and_round_trips_messages()
    {
        TestContext.Current.SendDiagnosticMessage($"Cluster of this run: {cluster}");
        var topic = ClusterFixture.NewTopicName("fixture");
        await cluster.CreateTopicAsync(topic, 3, Ct);

        using (var admin = new AdminClientBuilder(cluster.AdminConfig()).Build())
        {
            var described = Assert.Single(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics);
            Assert.Equal(3, described.Partitions.Count);
        }

        using (var producer = new ProducerBuilder<string, string>(cluster.ProducerConfig()).Build())
        {
            var result = await producer.ProduceAsync(new TopicPartition(topic, 2), new Message<string, string> { Key = "k", Value = "v" }, Ct);
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
        }

        using var consumer = new ConsumerBuilder<string, string>(cluster.ConsumerConfig(ClusterFixture.NewGroupId("fixture"))).Build();
        consumer.Subscribe(topic);
        var received = EmbeddedCluster.EmbeddedKafkaClusterTests.ConsumeExactly(consumer, 1);
        Assert.Equal(("k", "v", 2), (received[0].Message.Key, received[0].Message.Value, received[0].Partition.Value));
    }

    [Fact]
    public void Names_are_unique_and_valid_topic_names()
    {
        var names = Enumerable.Range(0, 100).Select(_ => ClusterFixture.NewTopicName("orders/placed v2")).ToList();

        Assert.Equal(100, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^orders_placed_v2-[0-9a-f]{32}$", n));
        Assert.NotEqual(ClusterFixture.NewGroupId("g"), ClusterFixture.NewGroupId("g"));
    }

    [Fact]
    public void Faults_are_those_of_the_shared_embedded_cluster()
    {
        // On an external or Testcontainers cluster this skips with the reason.
        var faults = cluster.Faults;

        Assert.Equal(ClusterKind.Embedded, cluster.Kind);
        Assert.Equal(cluster.BootstrapServers, faults.BootstrapServers);
    }

    [Fact]
    public async Task Docker_probe_reports_a_missing_socket_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock");

        var result = await DockerProbe.ProbeAsync($"unix://{path}");

        Assert.False(result.IsAvailable);
        Assert.Contains(path, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_probe_reports_a_refused_tcp_endpoint()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await DockerProbe.ProbeAsync($"tcp://127.0.0.1:{port}");

        Assert.False(result.IsAvailable);
        Assert.StartsWith($"no Docker daemon answered at tcp://127.0.0.1:{port}", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_probe_gives_up_on_an_endpoint_that_never_answers()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // accepts the connection (backlog) but never answers the ping
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var result = await DockerProbe.ProbeAsync($"tcp://127.0.0.1:{port}", TimeSpan.FromMilliseconds(300));

        Assert.False(result.IsAvailable);
        Assert.Contains("within", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Testcontainers_path_runs_a_real_broker_when_Docker_answers()
    {
        var probe = await DockerProbe.ProbeAsync();
        if (!probe.IsAvailable)
        {
            var reason = $"Testcontainers path not exercised: {probe.Reason}.";
            TestContext.Current.SendDiagnosticMessage(reason);
            Assert.Skip(reason);
        }

        await using var container = cluster.Kind == ClusterKind.Testcontainers ? null : await ClusterFixture.StartKafkaContainerAsync(Ct);
        var bootstrap = container is null ? cluster.BootstrapServers : ClusterFixture.ToBootstrapServers(container.GetBootstrapAddress());
        var topic = ClusterFixture.NewTopicName("testcontainers");

        using (var producer = new ProducerBuilder<Null, string>(Testing.KafkaTestClientConfig.ForProducer(bootstrap)).Build())
        {
            var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "from-docker" }, Ct);
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
        }

        using var consumer = new ConsumerBuilder<Null, string>(Testing.KafkaTestClientConfig.ForConsumer(bootstrap, ClusterFixture.NewGroupId("testcontainers"))).Build();
        consumer.Subscribe(topic);
        Assert.Equal("from-docker", EmbeddedCluster.EmbeddedKafkaClusterTests.ConsumeExactly(consumer, 1)[0].Message.Value);
    }
}
