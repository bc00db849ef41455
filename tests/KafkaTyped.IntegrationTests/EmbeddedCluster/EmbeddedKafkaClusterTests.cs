using System.Diagnostics;
using System.Net.Sockets;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.Testing;

namespace KafkaTyped.IntegrationTests.EmbeddedCluster;

/// <summary>
/// The embedded cluster through the real Confluent.Kafka client over TCP. Each test starts a cluster
/// of its own (they start in milliseconds), so faults never reach other tests.
/// </summary>
public sealed class EmbeddedKafkaClusterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Produced_messages_are_consumed_in_order_with_key_value_and_headers()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("roundtrip");
        cluster.CreateTopic(topic, partitions: 1);

        using (var producer = new ProducerBuilder<string, string>(cluster.CreateProducerConfig()).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                var result = await producer.ProduceAsync(
                    topic,
                    new Message<string, string> { Key = $"k{i}", Value = $"v{i}", Headers = [new Header("h", [(byte)i])] },
                    Ct);
                Assert.Equal(PersistenceStatus.Persisted, result.Status);
                Assert.Equal(i, result.Offset.Value);
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(cluster.CreateConsumerConfig(ClusterFixture.NewGroupId("roundtrip"))).Build();
        consumer.Subscribe(topic);
        var received = ConsumeExactly(consumer, 10);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"k{i}"), received.Select(r => r.Message.Key));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i}"), received.Select(r => r.Message.Value));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), received.Select(r => r.Message.Headers.GetLastBytes("h")[0]));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(6, 1)]
    [InlineData(6, 3)]
    public void Created_topic_has_the_requested_partitions(int partitions, int brokers)
    {
        using var cluster = new EmbeddedKafkaCluster(brokers);
        var topic = ClusterFixture.NewTopicName("partitions");
        cluster.CreateTopic(topic, partitions);

        using var admin = new AdminClientBuilder(KafkaTestClientConfig.ForAdmin(cluster.BootstrapServers)).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));

        Assert.Equal(brokers, metadata.Brokers.Count);
        var described = Assert.Single(metadata.Topics);
        Assert.False(described.Error.IsError, described.Error.Reason);
        Assert.Equal(Enumerable.Range(0, partitions), described.Partitions.Select(p => p.PartitionId).Order());
        Assert.All(described.Partitions, p => Assert.InRange(p.Leader, 1, brokers));
    }

    [Fact]
    public void Creating_an_existing_topic_throws_TopicAlreadyExists()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("twice");
        cluster.CreateTopic(topic, 2);

        var ex = Assert.Throws<KafkaException>(() => cluster.CreateTopic(topic, 2));

        Assert.Equal(ErrorCode.TopicAlreadyExists, ex.Error.Code);
        Assert.Contains(topic, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topics_are_auto_created_with_four_partitions()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("auto");

        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig()).Build();
        producer.Produce(topic, new Message<Null, string> { Value = "x" });
        Assert.Equal(0, producer.Flush(Deadline));

        using var admin = new AdminClientBuilder(KafkaTestClientConfig.ForAdmin(cluster.BootstrapServers)).Build();
        var described = Assert.Single(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics);
        Assert.Equal(EmbeddedKafkaCluster.AutoCreatedTopicPartitions, described.Partitions.Count);
    }

    [Fact]
    public void After_dispose_the_bootstrap_port_refuses_connections()
    {
        var cluster = new EmbeddedKafkaCluster(2);
        var endpoints = cluster.BootstrapServers.Split(',');
        Assert.Equal(2, endpoints.Length);
        Assert.All(endpoints, endpoint => Assert.True(CanConnect(endpoint), $"{endpoint} should accept connections while running"));

        cluster.Dispose();
        cluster.Dispose(); // idempotent

        Assert.True(cluster.IsDisposed);
        Assert.All(endpoints, endpoint => Assert.False(CanConnect(endpoint), $"{endpoint} should refuse connections after dispose"));
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("after-dispose", 1));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("orders/eu")]
    public void A_topic_name_Kafka_rejects_is_refused_before_the_cluster_sees_it(string name)
    {
        // The rule itself is tested once (KafkaNamesTests); this checks the cluster applies it, "." and ".." included.
        using var cluster = new EmbeddedKafkaCluster();
        var ex = Assert.Throws<ArgumentException>(() => cluster.CreateTopic(name, 1));
        Assert.Equal("name", ex.ParamName);
    }

    [Fact]
    public async Task Two_clusters_in_one_process_are_independent()
    {
        using var first = new EmbeddedKafkaCluster();
        using var second = new EmbeddedKafkaCluster();
        Assert.NotEqual(first.BootstrapServers, second.BootstrapServers);

        var topic = ClusterFixture.NewTopicName("independent");
        first.CreateTopic(topic, 1);
        second.CreateTopic(topic, 3); // same name, other cluster: no conflict

        using (var producer = new ProducerBuilder<Null, string>(first.CreateProducerConfig()).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "only-in-first" }, Ct);
        }

        using var admin = new AdminClientBuilder(KafkaTestClientConfig.ForAdmin(second.BootstrapServers)).Build();
        Assert.Equal(3, Assert.Single(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics).Partitions.Count);
        using var secondConsumer = new ConsumerBuilder<Null, string>(second.CreateConsumerConfig(ClusterFixture.NewGroupId("independent"))).Build();
        var watermarks = Enumerable.Range(0, 3).Select(p => secondConsumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)));
        Assert.All(watermarks, w => Assert.Equal(0, w.High.Value));

        // Disposing one leaves the other serving.
        first.Dispose();
        using var producer2 = new ProducerBuilder<Null, string>(second.CreateProducerConfig()).Build();
        var result = await producer2.ProduceAsync(new TopicPartition(topic, 2), new Message<Null, string> { Value = "second" }, Ct);
        Assert.Equal(0, result.Offset.Value);
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_setting()
    {
        var brokers = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 0 }));
        Assert.Contains("EmbeddedKafkaClusterOptions.BrokerCount", brokers.Message, StringComparison.Ordinal);

        var delay = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { GroupInitialRebalanceDelay = TimeSpan.FromMilliseconds(-1) }));
        Assert.Contains("EmbeddedKafkaClusterOptions.GroupInitialRebalanceDelay", delay.Message, StringComparison.Ordinal);

        var logLevel = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { LogLevel = 8 }));
        Assert.Contains("EmbeddedKafkaClusterOptions.LogLevel", logLevel.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_group_initial_rebalance_delay_option_reaches_the_coordinator()
    {
        // Longer than the mock's own default (3 s), so the test fails if the option is not applied.
        var delay = TimeSpan.FromMilliseconds(3500);
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { GroupInitialRebalanceDelay = delay });
        var topic = ClusterFixture.NewTopicName("rebalance-delay");
        cluster.CreateTopic(topic, 1);
        using var assigned = new ManualResetEventSlim();
        using var consumer = new ConsumerBuilder<Null, string>(cluster.CreateConsumerConfig(ClusterFixture.NewGroupId("rebalance-delay")))
            .SetPartitionsAssignedHandler((_, _) => assigned.Set())
            .Build();

        var stopwatch = Stopwatch.StartNew();
        consumer.Subscribe(topic);
        while (!assigned.IsSet)
        {
            Assert.True(stopwatch.Elapsed < Deadline, "the consumer was never assigned its partition");
            consumer.Consume(TimeSpan.FromMilliseconds(50));
        }

        // A lower bound only: the coordinator held the first rebalance for the configured delay.
        Assert.True(stopwatch.Elapsed >= delay, $"assigned after {stopwatch.ElapsedMilliseconds} ms, before the {delay.TotalMilliseconds:0} ms delay");
    }

    [Fact]
    public async Task Dispose_racing_with_operations_lets_each_finish_or_throw_ObjectDisposedException()
    {
        for (var round = 0; round < 5; round++)
        {
            var cluster = new EmbeddedKafkaCluster(2);
            using var start = new ManualResetEventSlim();
            var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
            {
                start.Wait(Ct);
                var completed = 0;
                for (var i = 0; i < 200; i++)
                {
                    try
                    {
                        cluster.CreateTopic($"race-{worker}-{i}", 1);
                        cluster.SetBrokerRoundTripTime(EmbeddedKafkaCluster.AllBrokers, TimeSpan.Zero);
                        completed++;
                    }
                    catch (ObjectDisposedException)
                    {
                        return (completed, disposedSeen: true);
                    }
                }

                return (completed, disposedSeen: false);
            }, Ct)).ToArray();
            var disposers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.Wait(Ct);
                cluster.Dispose();
            }, Ct)).ToArray();

            start.Set();
            var outcomes = await Task.WhenAll(workers);
            await Task.WhenAll(disposers);

            Assert.True(cluster.IsDisposed);
            Assert.All(outcomes, o => Assert.True(o.disposedSeen || o.completed == 200, "a worker stopped early without seeing ObjectDisposedException"));
            Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerUp(1));
        }
    }

    internal static List<ConsumeResult<TKey, TValue>> ConsumeExactly<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count)
    {
        var received = new List<ConsumeResult<TKey, TValue>>();
        var stopwatch = Stopwatch.StartNew();
        while (received.Count < count)
        {
            Assert.True(stopwatch.Elapsed < Deadline, $"Timed out after {Deadline.TotalSeconds} s with {received.Count} of {count} messages.");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is not null)
            {
                received.Add(result);
            }
        }

        return received;
    }

    private static bool CanConnect(string endpoint)
    {
        var separator = endpoint.LastIndexOf(':');
        using var client = new TcpClient();
        try
        {
            client.Connect(endpoint[..separator], int.Parse(endpoint[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
