using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// A member that loses its session (the coordinator no longer knows it) while it holds a partition, and gets the same
/// partition back, as it always does in a one-member group: the partition is read again, and its handler never runs
/// twice at once. Each test runs on an embedded cluster of its own, because request errors hit every group of a cluster.
/// </summary>
public sealed class LostSessionTests
{
    private const int PartitionsAssigned = 202;
    private const int PartitionsLost = 204;
    private const int PartitionPaused = 214;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_partition_paused_when_its_session_is_lost_is_read_again_once_it_is_assigned_back()
    {
        const int count = 60;
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var topic = ClusterFixture.NewTopicName("lost-paused");
        var group = ClusterFixture.NewGroupId("lost-paused");
        cluster.CreateTopic(topic, 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new HandlingRecorder { OnHandling = async (_, _, ct) => await gate.Task.WaitAsync(ct) };
        var logs = new LogCapture();
        using var host = Build(cluster, recorder, group, topic, laneCapacity: 4, logs);

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => logs.WithEventId(PartitionPaused).Count >= 1, Deadline, "the partition to be paused behind the blocked handler", Ct);

        cluster.PushRequestErrors(KafkaApiKey.Heartbeat, ErrorCode.UnknownMemberId);
        await WaitLostAndAssignedBackAsync(logs);
        gate.SetResult();

        await Wait.UntilAsync(() => recorder.Snapshot().Select(h => h.Sequence).Distinct().Count() == count, Deadline, $"all {count} messages to be handled after the partition came back", Ct);
        using var offsets = new GroupOffsets(cluster.CreateConsumerConfig(group));
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == count, Deadline, $"the committed offset to reach {count}", Ct);
        await host.StopAsync(Ct);
        HandlingHistory.AssertAtLeastOnceInPartitionOrder(recorder.Snapshot(), count);
    }

    [Fact]
    public async Task A_handler_that_ignores_cancellation_never_runs_twice_at_once_when_its_partition_comes_back()
    {
        // Before the loss the lane holds all that was published (no pause: the partition is fetched again at once when it
        // comes back); after it, more arrives than the new lane holds, so the new lane fills up and pauses the partition.
        const int before = 3, count = 10;
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var topic = ClusterFixture.NewTopicName("lost-stuck");
        var group = ClusterFixture.NewGroupId("lost-stuck");
        cluster.CreateTopic(topic, 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int inFlight = 0, maxInFlight = 0, entered = 0;
        var recorder = new HandlingRecorder
        {
            OnHandling = async (sequence, _, _) =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, now);
                Interlocked.Increment(ref entered);
                try
                {
                    if (sequence == 0)
                    {
                        await gate.Task; // deliberately ignores the cancellation token
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            },
        };
        var logs = new LogCapture();
        using var host = Build(cluster, recorder, group, topic, laneCapacity: 4, logs);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();

        await ConsumerHostTests.PublishAsync(publisher, topic, 0, before);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => Volatile.Read(ref entered) == 1, Deadline, "the first message to block", Ct);

        cluster.PushRequestErrors(KafkaApiKey.Heartbeat, ErrorCode.UnknownMemberId);
        var assignedBack = await WaitLostAndAssignedBackAsync(logs);
        await ConsumerHostTests.PublishAsync(publisher, topic, before, count - before);

        // The partition came back from its committed offset, the record still stuck in the old handler. The new lane
        // fills up (and pauses the partition) while the old handler blocks: had it started, it would have handed that
        // same record to a second handler call by now.
        await Wait.UntilAsync(
            () => Volatile.Read(ref entered) >= 2 || logs.WithEventId(PartitionPaused).Any(e => e.At >= assignedBack),
            Deadline,
            "the partition's new lane to fill up",
            Ct);
        Assert.Equal(1, Volatile.Read(ref maxInFlight));

        gate.SetResult();
        await Wait.UntilAsync(() => recorder.Snapshot().Select(h => h.Sequence).Distinct().Count() == count, Deadline, $"all {count} messages to be handled", Ct);
        await host.StopAsync(Ct);
        Assert.Equal(1, Volatile.Read(ref maxInFlight));
        HandlingHistory.AssertAtLeastOnceInPartitionOrder(recorder.Snapshot(), count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Waits for the loss and the assignment after it; returns when the partition was assigned back.</summary>
    private static async Task<DateTime> WaitLostAndAssignedBackAsync(LogCapture logs)
    {
        await Wait.UntilAsync(() => logs.WithEventId(PartitionsLost).Count >= 1, Deadline, "the partition to be lost", Ct);
        var lostAt = logs.WithEventId(PartitionsLost)[0].At;
        await Wait.UntilAsync(() => logs.WithEventId(PartitionsAssigned).Any(e => e.At >= lostAt), Deadline, "the partition to be assigned back", Ct);
        return logs.WithEventId(PartitionsAssigned).First(e => e.At >= lostAt).At;
    }

    private static IHost Build(EmbeddedKafkaCluster cluster, HandlingRecorder recorder, string group, string topic, int laneCapacity, LogCapture logs)
        => KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            recorder,
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(ClusterKind.Embedded, group, topic);
                consumer.LaneCapacity = laneCapacity;
                consumer.RevokeDrainTimeout = TimeSpan.FromMilliseconds(100);
                o.Consumers.Add(consumer);
            },
            s => logs.AddTo(s, LogLevel.Debug));
}
