using System.Diagnostics;
using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Consuming;

/// <summary>
/// Static membership (a member restarted with its <c>group.instance.id</c> gets its partitions back without a
/// rebalance of the others), a stop while handlers are busy (nothing committed before it was handled; a second signal
/// aborts the drain), and a partition leader's broker going down and back during consumption (nothing lost).
/// </summary>
public sealed class MembershipAndShutdownTests(ClusterFixture cluster)
{
    private const int PartitionsAssigned = 202;
    private const int PartitionsRevoked = 203;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_static_member_restarted_within_its_session_gets_its_partitions_back_without_a_rebalance_of_the_others()
    {
        // The embedded cluster (librdkafka's mock) does not keep a static member's place: a member restarted with the same
        // group.instance.id is treated as a new one, and the group rebalances once the old session expired (measured: the
        // partitions came back after 60 s with a 30 s session). So this runs against a real broker only.
        if (cluster.Kind == ClusterKind.Embedded)
        {
            Assert.Skip("Static membership needs a real broker: the embedded cluster rebalances a restarted static member as a new one.");
        }

        const int partitions = 4;
        var topic = ClusterFixture.NewTopicName("static-members");
        var group = ClusterFixture.NewGroupId("static-members");
        await cluster.CreateTopicAsync(topic, partitions, Ct);
        var recorder = new HandlingRecorder();
        LogCapture logsOfA = new(), logsOfB = new(), logsOfA2 = new();
        IHost Member(HandlingRecorder r, string instance, LogCapture logs) => KafkaTypedTestHost.Build(cluster.BootstrapServers, r, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.Properties["group.instance.id"] = instance;
            consumer.Properties["partition.assignment.strategy"] = "range"; // eager: any rebalance would revoke B's partitions
            consumer.Properties["session.timeout.ms"] = "30000"; // longer than the restart: the coordinator keeps the member's place
            consumer.Properties["heartbeat.interval.ms"] = "500";
            o.Consumers.Add(consumer);
        }, s => logs.AddTo(s, LogLevel.Debug));

        using var b = Member(recorder.ForHost(2), "member-b", logsOfB);
        var publisher = b.Services.GetRequiredService<IMessagePublisher>();
        using (var a = Member(recorder.ForHost(1), "member-a", logsOfA))
        {
            await Task.WhenAll(a.StartAsync(Ct), b.StartAsync(Ct));
            await Wait.UntilAsync(() => Assigned(a).Count + Assigned(b).Count == partitions, Deadline, "both members to share the partitions", Ct);
            await ConsumerHostTests.PublishAsync(publisher, topic, 0, 200);
            await Wait.UntilAsync(() => recorder.Count >= 200, Deadline, "the first records to be handled", Ct);
            var ofA = Assigned(a);
            Assert.NotEmpty(ofA);
            var assignmentsOfB = logsOfB.WithEventId(PartitionsAssigned).Count;
            await a.StopAsync(Ct); // a static member leaves without leaving the group: no rebalance until its session ends

            using var a2 = Member(recorder.ForHost(3), "member-a", logsOfA2);
            await a2.StartAsync(Ct);
            await Wait.UntilAsync(() => Assigned(a2).Count == ofA.Count, Deadline, "the restarted member to get its partitions back", Ct);
            Assert.Equal(ofA, Assigned(a2));
            await ConsumerHostTests.PublishAsync(publisher, topic, 200, 200);
            await Wait.UntilAsync(() => recorder.Snapshot().Select(h => h.Sequence).Distinct().Count() == 400, Deadline, "every record to be handled", Ct);

            // B kept its partitions throughout: neither revoked nor assigned again.
            Assert.Empty(logsOfB.WithEventId(PartitionsRevoked));
            Assert.Equal(assignmentsOfB, logsOfB.WithEventId(PartitionsAssigned).Count);
            await a2.StopAsync(Ct);
        }

        await b.StopAsync(Ct);
        HandlingHistory.AssertAtLeastOnceInPartitionOrder(recorder.Snapshot(), 400);
    }

    [Fact]
    public async Task A_stop_while_handlers_are_busy_commits_only_what_was_handled_and_a_second_signal_aborts_the_drain()
    {
        const int count = 20;
        const int blockedAt = 5;
        var topic = ClusterFixture.NewTopicName("busy-stop");
        var group = ClusterFixture.NewGroupId("busy-stop");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new HandlingRecorder { OnHandling = (sequence, _, ct) => sequence >= blockedAt ? new ValueTask(gate.Task.WaitAsync(ct)) : default };
        void Configure(KafkaTypedOptions o)
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.ShutdownDrainTimeout = TimeSpan.FromSeconds(50); // longer than the test waits: only the second signal ends the drain
            o.Consumers.Add(consumer);
        }

        using (var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, Configure))
        {
            await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
            await host.StartAsync(Ct);
            var status = host.Services.GetRequiredService<IConsumerStatus>();
            await Wait.UntilAsync(() => recorder.Count == blockedAt && status.Groups[0].InFlight == 1, Deadline, "the first records handled and the next one blocked", Ct);

            using var secondSignal = new CancellationTokenSource();
            var stopping = host.StopAsync(secondSignal.Token);
            await Wait.UntilAsync(() => status.Groups[0].State == ConsumerMemberState.Stopping, Deadline, "the group to be draining", Ct);
            Assert.False(stopping.IsCompleted, "the drain waits for the blocked handler");

            var aborted = Stopwatch.StartNew();
            secondSignal.Cancel();
            await stopping.WaitAsync(Deadline, Ct);
            TestContext.Current.SendDiagnosticMessage($"busy stop: the second signal ended the stop in {aborted.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(aborted.Elapsed < TimeSpan.FromSeconds(20), $"the second signal took {aborted.Elapsed.TotalSeconds:0.0} s to end the stop");
        }

        using (var offsets = new GroupOffsets(cluster, group))
        {
            // Never past what was handled; nothing committed at all reads as Offset.Unset (-1001).
            var committed = offsets.Committed(topic, 0);
            Assert.True(committed == Confluent.Kafka.Offset.Unset.Value || committed is >= 0 && committed <= blockedAt, $"committed {committed}, handled up to {blockedAt}");
        }

        // A new member resumes from what was committed and handles the rest.
        gate.SetResult();
        var next = new HandlingRecorder();
        using var successor = KafkaTypedTestHost.Build(cluster.BootstrapServers, next, Configure);
        await successor.StartAsync(Ct);
        await Wait.UntilAsync(() => next.Snapshot().Any(h => h.Sequence == count - 1), Deadline, "the successor to handle the rest", Ct);
        await successor.StopAsync(Ct);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), recorder.Snapshot().Concat(next.Snapshot()).Select(h => h.Sequence).Distinct().Order());
    }

    [Fact]
    public async Task A_leaders_broker_down_and_back_during_consumption_loses_nothing()
    {
        const int partitions = 3;
        const int phase = 150;
        using var embedded = ClusterFixture.StartEmbeddedCluster(3);
        var topic = ClusterFixture.NewTopicName("leader-down");
        var group = ClusterFixture.NewGroupId("leader-down");
        embedded.CreateTopic(topic, partitions);
        for (var p = 0; p < partitions; p++)
        {
            embedded.SetPartitionLeader(topic, p, p + 1);
        }

        embedded.SetCoordinator(CoordinatorType.Group, group, 1);
        var recorder = new HandlingRecorder { WorkPerMessage = TimeSpan.FromMilliseconds(1) };
        using var host = KafkaTypedTestHost.Build(embedded.BootstrapServers, recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(ClusterKind.Embedded, group, topic)));
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await host.StartAsync(Ct);
        await ConsumerHostTests.PublishAsync(publisher, topic, 0, phase);
        await Wait.UntilAsync(() => recorder.Count > phase / 3, Deadline, "records to be handled", Ct);

        // The leader of partition 2 goes down while records are handled and more are published; the others go on.
        embedded.SetBrokerDown(3);
        var whileDown = ConsumerHostTests.PublishAsync(publisher, topic, phase, phase);
        try
        {
            await Wait.UntilAsync(
                () => recorder.Snapshot().Count(h => h.Sequence >= phase && h.Partition != 2) > 0, Deadline, "the other partitions to go on while the broker is down", Ct);
        }
        finally
        {
            embedded.SetBrokerUp(3);
        }

        await whileDown;
        await ConsumerHostTests.PublishAsync(publisher, topic, 2 * phase, phase);
        await Wait.UntilAsync(() => recorder.Snapshot().Select(h => h.Sequence).Distinct().Count() == 3 * phase, Deadline, "every record to be handled", Ct);
        await host.StopAsync(Ct);
        HandlingHistory.AssertAtLeastOnceInPartitionOrder(recorder.Snapshot(), 3 * phase);
    }

    private static IReadOnlyList<int> Assigned(IHost member)
        => [.. member.Services.GetRequiredService<IConsumerStatus>().Groups[0].Partitions.Select(p => p.Partition)];
}
