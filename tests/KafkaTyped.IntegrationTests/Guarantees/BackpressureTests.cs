using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// Backpressure (docs/architecture.md#the-pipeline, #guarantees): a partition whose lane is full is paused and resumed once drained, and nothing is lost,
/// repeated or reordered by pausing.
/// </summary>
/// <remarks>
/// What a lane holds is read from <see cref="IConsumerStatus"/>; the pause itself from the
/// <c>kafkatyped.consume.partition_pauses</c> counter (tagged with the group) and the Debug logs 214/215.
/// </remarks>
public sealed class BackpressureTests(ClusterFixture cluster)
{
    private const int PartitionPaused = 214;
    private const int PartitionResumed = 215;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_slow_handler_pauses_its_partition_and_after_the_gate_opens_everything_is_handled_once_in_order()
    {
        // Few messages: each pause/resume cycle stalls the partition for up to about a second on the embedded cluster
        // (measured: 300 messages with capacity 4 paused about 50 times and took 7-25 s), so more would only be slower.
        const int count = 60;
        const int laneCapacity = 4;
        var topic = ClusterFixture.NewTopicName("backpressure");
        var group = ClusterFixture.NewGroupId("backpressure");
        await cluster.CreateTopicAsync(topic, 1, Ct);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        var recorder = new HandlingRecorder
        {
            OnHandling = async (_, _, ct) =>
            {
                Interlocked.Increment(ref entered);
                await gate.Task.WaitAsync(ct);
            },
        };
        var logs = new LogCapture();
        using var metrics = new MetricCapture();
        using var host = KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            recorder,
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
                consumer.LaneCapacity = laneCapacity;
                o.Consumers.Add(consumer);
            },
            s => logs.AddTo(s, LogLevel.Debug));

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
        await host.StartAsync(Ct);

        long Pauses() => metrics.Sum("kafkatyped.consume.partition_pauses", "messaging.consumer.group.name", group);
        await Wait.UntilAsync(() => Volatile.Read(ref entered) == 1 && Pauses() >= 1, Deadline, "the first message to block and the partition to be paused", Ct);

        // While the handler is blocked the lane fills (capacity + the record in the handler + one in overflow), the
        // partition is paused once and stays paused: no second pause, no resume, nothing handled, one handler call.
        Assert.Equal(1, Pauses());
        var paused = Assert.Single(logs.WithEventId(PartitionPaused));
        Assert.Equal(topic, paused["Topic"]);
        Assert.Empty(logs.WithEventId(PartitionResumed));
        Assert.Equal(0, recorder.Count);
        Assert.Equal(1, Volatile.Read(ref entered));

        // What the member holds is bounded by the lane, whatever was published (15x the lane here): the lane's records
        // plus at most what one fetch delivered before the pause took effect, never the whole backlog.
        var held = Assert.Single(host.Services.GetRequiredService<IConsumerStatus>().Groups[0].Partitions);
        Assert.True(held.Paused);
        Assert.Equal(1, held.InFlight);
        Assert.InRange(held.Buffered + held.InFlight, laneCapacity, count / 2);

        gate.SetResult();
        await Wait.UntilAsync(() => recorder.Count >= count, Deadline, $"{count} messages to be handled", Ct);
        await Wait.UntilAsync(() => logs.WithEventId(PartitionResumed).Count == logs.WithEventId(PartitionPaused).Count, Deadline, "every pause to be followed by a resume", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == count, Deadline, $"the committed offset to reach {count}", Ct);
        await host.StopAsync(Ct);

        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), recorder.Snapshot().Select(h => h.Offset));
        Assert.Equal(count, Volatile.Read(ref entered)); // one handler call per message: pausing neither lost nor repeated one
        Assert.Equal(Pauses(), logs.WithEventId(PartitionPaused).Count);
        TestContext.Current.SendDiagnosticMessage($"backpressure: {Pauses()} pauses for {count} messages with lane capacity {laneCapacity}");
    }

    [Fact]
    public async Task Large_records_pause_their_partition_by_bytes_long_before_the_record_count_and_nothing_is_lost()
    {
        // 40 records of about 20 KB against the default 1,000 records but 100 KB: the partition is paused holding a
        // handful of records (the bytes bound plus what one fetch delivered before the pause took effect).
        const int count = 40;
        var customer = new string('c', 20_000);
        var topic = ClusterFixture.NewTopicName("backpressure-bytes");
        var group = ClusterFixture.NewGroupId("backpressure-bytes");
        await cluster.CreateTopicAsync(topic, 1, Ct);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new HandlingRecorder { OnHandling = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        using var metrics = new MetricCapture();
        using var host = KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            recorder,
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
                consumer.LaneCapacityBytes = 100_000;
                o.Consumers.Add(consumer);
            });

        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => publisher.PublishAsync(new OrderPlaced("order-1", i, customer), topic, cancellationToken: Ct))).WaitAsync(Deadline, Ct);
        await host.StartAsync(Ct);

        long Pauses() => metrics.Sum("kafkatyped.consume.partition_pauses", "messaging.consumer.group.name", group);
        await Wait.UntilAsync(() => Pauses() >= 1, Deadline, "the partition to be paused by its bytes", Ct);
        var held = Assert.Single(host.Services.GetRequiredService<IConsumerStatus>().Groups[0].Partitions);
        Assert.True(held.Paused);
        Assert.InRange(held.Buffered + held.InFlight, 5, count / 2);

        gate.SetResult();
        await Wait.UntilAsync(() => recorder.Count >= count, Deadline, $"{count} records to be handled", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == count, Deadline, $"the committed offset to reach {count}", Ct);
        await host.StopAsync(Ct);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
    }
}
