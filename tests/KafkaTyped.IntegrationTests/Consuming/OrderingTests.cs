using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Consuming;

/// <summary>
/// Ordering modes on the embedded cluster (docs/ordering.md): key order runs different keys of one partition in
/// parallel and keeps each key in order; a partition mixing modes follows the documented rule; the status API shows
/// what a blocked partition holds.
/// </summary>
public sealed class OrderingTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Key_order_keeps_every_key_in_publish_order_and_is_much_faster_than_partition_order_with_a_slow_handler()
    {
        const int count = 1200;
        const int keys = 64;
        var keyed = await RunSlowHandlerAsync(OrderingMode.Key, count, keys);
        var partitioned = await RunSlowHandlerAsync(OrderingMode.Partition, count, keys);

        foreach (var run in new[] { keyed, partitioned })
        {
            Assert.Equal(count, run.Handled.Count);
            foreach (var key in run.Handled.GroupBy(h => h.Sequence % keys))
            {
                // Each key's records were published in sequence order; the handler saw them in that order.
                Assert.Equal(Enumerable.Range(0, count).Where(i => i % keys == key.Key).Select(i => (long)i), key.Select(h => h.Sequence));
            }
        }

        Assert.True(keyed.MaxConcurrent > 1, "key order handled different keys at once");
        Assert.Equal(1, partitioned.MaxConcurrent);
        var ratio = partitioned.Elapsed / keyed.Elapsed;
        TestContext.Current.SendDiagnosticMessage(
            $"{count} records, 1 partition, {keys} keys, 0-3 ms handler, MaxConcurrency 32: key order {keyed.Elapsed.TotalSeconds:0.00} s (up to {keyed.MaxConcurrent} at once), partition order {partitioned.Elapsed.TotalSeconds:0.00} s; ratio {ratio:0.0}");
        Assert.True(ratio > 4, $"key order was only {ratio:0.0}x faster than partition order");
    }

    [Fact]
    public async Task A_partition_mixing_modes_never_starts_a_record_before_one_its_mode_orders_it_after()
    {
        const int count = 600;
        var topic = ClusterFixture.NewTopicName("mixed-modes");
        var group = ClusterFixture.NewGroupId("mixed-modes");
        await cluster.CreateTopicAsync(topic, 1, Ct);

        var clock = 0L;
        var spans = new ConcurrentDictionary<long, (long Start, long End)>();
        var recorder = new HandlingRecorder
        {
            OnHandling = async (_, context, ct) =>
            {
                var start = Interlocked.Increment(ref clock);
                await Task.Delay(Random.Shared.Next(0, 3), ct);
                spans[context.Offset] = (start, Interlocked.Increment(ref clock));
            },
        };
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.MaxConcurrency = 16;
            o.Consumers.Add(consumer);
        });

        // Seeded: mostly key-ordered records over 6 keys, unordered ones between them, and now and then a partition-ordered one.
        var random = new Random(20261203);
        var published = new List<(string Mode, string Key)>(count);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        for (var i = 0; i < count; i++)
        {
            var key = "order-" + random.Next(6);
            var roll = random.Next(100);
            var mode = roll < 8 ? "partition" : roll < 70 ? "key" : "none";
            published.Add((mode, key));
            await (mode switch
            {
                "partition" => publisher.PublishAsync(new PartitionStep(key, i), topic, cancellationToken: Ct),
                "key" => publisher.PublishAsync(new KeyStep(key, i), topic, cancellationToken: Ct),
                _ => publisher.PublishAsync(new UnorderedStep(key, i), topic, cancellationToken: Ct),
            });
        }

        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= count, Deadline, $"{count} records to be handled", Ct);
        await host.StopAsync(Ct);

        var handled = recorder.Snapshot();
        Assert.Equal(count, handled.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), handled.Select(h => h.Offset).Order());
        var violations = new List<string>();
        for (var later = 0; later < count; later++)
        {
            for (var earlier = 0; earlier < later; earlier++)
            {
                var (laterMode, laterKey) = published[later];
                var (earlierMode, earlierKey) = published[earlier];
                var ordered = laterMode == "partition" || earlierMode == "partition" || (laterMode == "key" && earlierMode == "key" && laterKey == earlierKey);
                if (ordered && spans[later].Start < spans[earlier].End)
                {
                    violations.Add($"{laterMode} record {later} ({laterKey}) started before {earlierMode} record {earlier} ({earlierKey}) ended");
                }
            }
        }

        Assert.Empty(violations.Take(10));
        var overlapping = Enumerable.Range(1, count - 1).Count(i => spans[i].Start < spans[i - 1].End);
        TestContext.Current.SendDiagnosticMessage($"mixed modes: {overlapping} of {count - 1} records started before the record before them ended");
        Assert.True(overlapping > 0, "key-ordered and unordered records ran in parallel");
    }

    [Fact]
    public async Task The_status_shows_a_blocked_partition_and_then_its_committed_offset_and_lag_after_release()
    {
        const int count = 50;
        const int laneCapacity = 10;
        var topic = ClusterFixture.NewTopicName("status");
        var group = ClusterFixture.NewGroupId("status");
        await cluster.CreateTopicAsync(topic, 1, Ct);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new HandlingRecorder { OnHandling = (_, _, ct) => new ValueTask(gate.Task.WaitAsync(ct)) };
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.LaneCapacity = laneCapacity;
            consumer.Properties["max.poll.interval.ms"] = "120000";
            o.Consumers.Add(consumer);
        });
        var status = host.Services.GetRequiredService<IConsumerStatus>();
        Assert.Equal(ConsumerMemberState.Starting, Assert.Single(status.Groups).State);

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
        await host.StartAsync(Ct);

        PartitionStatus? Partition() => status.Groups[0].Partitions is [var only] ? only : null;
        await Wait.UntilAsync(() => Partition() is { Paused: true, InFlight: 1, HighWatermark: count } p && p.OldestInFlightAge > TimeSpan.Zero, Deadline, "the blocked partition to show paused with one record in flight", Ct);
        var blocked = status.Groups[0];
        Assert.Equal(group, blocked.GroupId);
        Assert.Equal(ConsumerMemberState.Assigned, blocked.State);
        Assert.Equal(1, blocked.InFlight);
        Assert.Equal(TimeSpan.FromMinutes(2), blocked.MaxPollInterval);
        Assert.NotNull(blocked.LastPoll);
        var partition = Partition()!;
        Assert.Equal(topic, partition.Topic);
        Assert.Equal(0, partition.Partition);
        Assert.InRange(partition.Buffered, laneCapacity - 1, count - 1);
        Assert.Null(partition.Committed); // nothing handled, nothing committed by this member
        Assert.Null(partition.Lag);

        gate.SetResult();
        await Wait.UntilAsync(() => Partition() is { Committed: count, Lag: 0, Paused: false, InFlight: 0, Buffered: 0 }, Deadline, "the partition to show everything committed", Ct);
        Assert.Equal(TimeSpan.Zero, Partition()!.OldestInFlightAge);

        await host.StopAsync(Ct);
        var stopped = Assert.Single(status.Groups);
        Assert.Equal(ConsumerMemberState.Stopped, stopped.State);
        Assert.Empty(stopped.Partitions);
    }

    private async Task<SlowRun> RunSlowHandlerAsync(OrderingMode mode, int count, int keys)
    {
        var topic = ClusterFixture.NewTopicName("key-order-" + mode);
        var group = ClusterFixture.NewGroupId("key-order-" + mode);
        await cluster.CreateTopicAsync(topic, 1, Ct);

        long first = 0, last = 0;
        int running = 0, maxRunning = 0;
        var recorder = new HandlingRecorder
        {
            OnHandling = async (_, _, ct) =>
            {
                Interlocked.CompareExchange(ref first, Stopwatch.GetTimestamp(), 0);
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxRunning, now);
                try
                {
                    await Task.Delay(Random.Shared.Next(0, 4), ct);
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }

                Volatile.Write(ref last, Stopwatch.GetTimestamp());
            },
        };
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.Ordering = mode;
            consumer.MaxConcurrency = 32;
            consumer.LaneCapacity = 2 * count; // the comparison is of the orderings, not of pausing (backpressure has its own tests)
            o.Consumers.Add(consumer);
        });

        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var publishes = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            publishes.Add(publisher.PublishAsync(new OrderPlaced("order-" + (i % keys), i, "customer"), topic, cancellationToken: Ct));
        }

        await Task.WhenAll(publishes).WaitAsync(Deadline, Ct);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= count, Deadline, $"{count} records to be handled in {mode} order", Ct);
        await host.StopAsync(Ct);
        return new SlowRun(recorder.Snapshot(), Stopwatch.GetElapsedTime(first, Volatile.Read(ref last)), maxRunning);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) != current)
        {
            current = Volatile.Read(ref target);
        }
    }

    private sealed record SlowRun(IReadOnlyList<Handled> Handled, TimeSpan Elapsed, int MaxConcurrent);
}
