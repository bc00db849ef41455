using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.Testing;

namespace KafkaTyped.IntegrationTests.EmbeddedCluster;

/// <summary>
/// Fault injection of the embedded cluster, observed through the real Confluent.Kafka client. Each
/// test has a cluster of its own, so its faults never reach other tests.
/// </summary>
public sealed class FaultInjectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Produce_cannot_complete_while_the_broker_is_down_and_completes_once_it_is_up()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("down-up");
        cluster.CreateTopic(topic, 1);
        var errors = new ConcurrentQueue<Error>();
        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig())
            .SetErrorHandler((_, error) => errors.Enqueue(error))
            .Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before" }, Ct);

        cluster.SetBrokerDown(1);
        var whileDown = producer.ProduceAsync(topic, new Message<Null, string> { Value = "while-down" }, Ct);
        await Wait.UntilAsync(
            () => errors.Any(e => e.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown),
            Deadline,
            "the producer to report the lost broker",
            Ct);
        Assert.False(whileDown.IsCompleted, "a message cannot be acknowledged while the only broker is down");

        cluster.SetBrokerUp(1);
        var recovery = Stopwatch.StartNew();
        var result = await whileDown.WaitAsync(Deadline, Ct);
        TestContext.Current.SendDiagnosticMessage($"delivered {recovery.ElapsedMilliseconds} ms after the broker came back up");

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(1, result.Offset.Value);
    }

    [Fact]
    public async Task Produce_to_a_down_broker_fails_with_a_timeout_and_succeeds_after_it_is_up()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("down-timeout");
        cluster.CreateTopic(topic, 1);
        var config = cluster.CreateProducerConfig();
        config.MessageTimeoutMs = 1_000;
        using var producer = new ProducerBuilder<Null, string>(config).SetErrorHandler((_, _) => { }).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before" }, Ct);

        cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "lost" }, Ct));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);

        cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);

        // Reconnecting takes a moment after which a produce (with this short timeout) succeeds.
        DeliveryResult<Null, string>? result = null;
        var stopwatch = Stopwatch.StartNew();
        while (result is null)
        {
            Assert.True(stopwatch.Elapsed < Deadline, "no produce succeeded after the broker came back up");
            try
            {
                result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "after" }, Ct);
            }
            catch (ProduceException<Null, string> ex) when (ex.Error.Code == ErrorCode.Local_MsgTimedOut)
            {
                TestContext.Current.SendDiagnosticMessage($"produce after broker up timed out after {stopwatch.ElapsedMilliseconds} ms; retrying");
            }
        }

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.True(result.Offset.Value >= 1, "the message produced before the outage is still there");
    }

    [Fact]
    public async Task Retriable_produce_errors_are_retried_and_the_message_is_written_once()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("retriable");
        cluster.CreateTopic(topic, 1);
        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig()).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" }, Ct);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.LeaderNotAvailable, ErrorCode.RequestTimedOut);
        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "retried" }, Ct);

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(1, result.Offset.Value);
    }

    [Fact]
    public async Task Retriable_produce_errors_surface_when_retries_are_exhausted()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("exhausted");
        cluster.CreateTopic(topic, 1);
        var config = cluster.CreateProducerConfig();
        config.MessageSendMaxRetries = 1; // two attempts in all
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" }, Ct);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "fails" }, Ct));
        Assert.Equal(ErrorCode.NotEnoughReplicas, failure.Error.Code);

        // The pushed errors are used up: the next request succeeds.
        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "after" }, Ct);
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
    }

    [Fact]
    public async Task A_non_retriable_produce_error_surfaces_to_the_caller()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("fatal");
        cluster.CreateTopic(topic, 1);
        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig()).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" }, Ct);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "refused" }, Ct));

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, failure.Error.Code);
    }

    [Fact]
    public void Cleared_request_errors_are_not_returned()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("cleared");
        cluster.CreateTopic(topic, 1);
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        cluster.ClearRequestErrors(KafkaApiKey.Produce);

        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig()).Build();
        var delivered = new List<DeliveryReport<Null, string>>();
        producer.Produce(topic, new Message<Null, string> { Value = "ok" }, delivered.Add);
        Assert.Equal(0, producer.Flush(Deadline));

        Assert.Equal(ErrorCode.NoError, Assert.Single(delivered).Error.Code);
    }

    [Fact]
    public async Task Producer_and_consumer_follow_a_partition_leader_change()
    {
        using var cluster = new EmbeddedKafkaCluster(3);
        var topic = ClusterFixture.NewTopicName("leader");
        cluster.CreateTopic(topic, 1, replicationFactor: 3);
        cluster.SetPartitionLeader(topic, 0, 1);

        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig()).Build();
        using var consumer = new ConsumerBuilder<Null, string>(cluster.CreateConsumerConfig(ClusterFixture.NewGroupId("leader"))).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "on-1" }, Ct);
        Assert.Equal("on-1", EmbeddedKafkaClusterTests.ConsumeExactly(consumer, 1)[0].Message.Value);

        // Move leadership to broker 2 and take broker 1 away: only following the change works.
        cluster.SetPartitionLeader(topic, 0, 2);
        cluster.SetBrokerDown(1);
        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "on-2" }, Ct);

        Assert.Equal(1, result.Offset.Value);
        Assert.Equal("on-2", EmbeddedKafkaClusterTests.ConsumeExactly(consumer, 1)[0].Message.Value);
        using var admin = new AdminClientBuilder(KafkaTestClientConfig.ForAdmin(cluster.BootstrapServers)).Build();
        Assert.Equal(2, Assert.Single(Assert.Single(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics).Partitions).Leader);
    }

    [Fact]
    public async Task Injected_round_trip_time_delays_requests_by_at_least_that_much()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("rtt");
        cluster.CreateTopic(topic, 1);
        using var producer = new ProducerBuilder<Null, string>(cluster.CreateProducerConfig()).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" }, Ct);
        var roundTrip = TimeSpan.FromMilliseconds(400);

        cluster.SetBrokerRoundTripTime(1, roundTrip);
        var stopwatch = Stopwatch.StartNew();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "slow" }, Ct);
        var slow = stopwatch.Elapsed;

        // A lower bound only: the machine may be slower, never faster than the injected delay.
        Assert.True(slow >= roundTrip, $"the produce took {slow.TotalMilliseconds:0} ms, less than the injected {roundTrip.TotalMilliseconds:0} ms");

        cluster.SetBrokerRoundTripTime(EmbeddedKafkaCluster.AllBrokers, TimeSpan.Zero);
        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "fast-again" }, Ct);
        Assert.Equal(2, result.Offset.Value);
    }

    [Fact]
    public void Broker_ids_outside_the_cluster_are_rejected_with_the_valid_range()
    {
        using var cluster = new EmbeddedKafkaCluster(3);

        var down = Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(4));
        Assert.Contains("brokers 1 to 3", down.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerRoundTripTime(0, TimeSpan.FromMilliseconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerRoundTripTime(1, TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetPartitionLeader("t", -1, 1));
        Assert.Throws<ArgumentException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce));
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic("bad name!", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("zero-partitions", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddedKafkaCluster(0));
    }

    [Fact]
    public void A_leader_change_to_a_missing_partition_of_an_existing_topic_reports_UnknownTopicOrPart()
    {
        using var cluster = new EmbeddedKafkaCluster(2);
        var topic = ClusterFixture.NewTopicName("missing-partition");
        cluster.CreateTopic(topic, 2);

        var ex = Assert.Throws<KafkaException>(() => cluster.SetPartitionLeader(topic, 5, 1));

        Assert.Equal(ErrorCode.UnknownTopicOrPart, ex.Error.Code);
        Assert.Contains($"{topic} [5]", ex.Message, StringComparison.Ordinal);
    }
}
