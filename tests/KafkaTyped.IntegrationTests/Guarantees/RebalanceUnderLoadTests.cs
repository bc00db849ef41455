using System.Collections.Concurrent;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// Members joining and leaving one group while records flow, for each way a group rebalances (cooperative-sticky,
/// an eager assignor, the KIP-848 consumer protocol), with a partition-ordered topic and a key-ordered one: every record
/// is handled at least once, no partition (partition order) and no key (key order) is ever handled by two lanes at
/// once, and each partition's and each key's records are handled in publish order (a re-delivery replays a suffix).
/// </summary>
public sealed class RebalanceUnderLoadTests(ClusterFixture cluster)
{
    private const int Partitions = 6;
    private const int Keys = 24;
    private const int Phase = 150;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("cooperative-sticky")]
    [InlineData("roundrobin")]
    [InlineData("consumer")]
    public async Task Members_joining_and_leaving_under_load_lose_nothing_and_never_handle_a_partition_or_key_twice_at_once(string rebalance)
    {
        var partitioned = ClusterFixture.NewTopicName("rebalance-p-" + rebalance);
        var keyed = ClusterFixture.NewTopicName("rebalance-k-" + rebalance);
        var group = ClusterFixture.NewGroupId("rebalance-" + rebalance);
        await cluster.CreateTopicAsync(partitioned, Partitions, Ct);
        await cluster.CreateTopicAsync(keyed, Partitions, Ct);

        var busy = new ConcurrentDictionary<string, int>();
        var overlaps = new ConcurrentQueue<string>();
        var recorder = new HandlingRecorder
        {
            OnHandling = async (sequence, context, ct) =>
            {
                // The unit that must never be handled twice at once: the partition of a partition-ordered record, the key of a key-ordered one.
                var unit = context.TypeId == MessageContract.TypeIdOf<KeyStep>()
                    ? "key " + System.Text.Encoding.UTF8.GetString(context.Key.Span)
                    : "partition " + context.Partition;
                if (busy.AddOrUpdate(unit, 1, (_, n) => n + 1) > 1)
                {
                    overlaps.Enqueue($"{unit} handled by two lanes at once (sequence {sequence})");
                }

                try
                {
                    await Task.Delay(1, ct);
                }
                finally
                {
                    busy.AddOrUpdate(unit, 0, (_, n) => n - 1);
                }
            },
        };

        var logs = new Dictionary<int, LogCapture>();
        IHost Member(int generation)
        {
            var capture = logs[generation] = new LogCapture();
            return KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder.ForHost(generation), o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, partitioned);
                consumer.Topics.Add(keyed);
                consumer.LaneCapacity = 64;
                consumer.MaxConcurrency = 16;
                if (rebalance == "consumer")
                {
                    consumer.Properties.Remove("session.timeout.ms");
                    consumer.Properties.Remove("heartbeat.interval.ms");
                    consumer.Properties["group.protocol"] = "consumer";
                }
                else
                {
                    consumer.Properties["partition.assignment.strategy"] = rebalance;
                }

                o.Consumers.Add(consumer);
            }, s => capture.AddTo(s, LogLevel.Debug));
        }

        using var first = Member(1);
        using var second = Member(2);
        using var third = Member(3);
        var publisher = first.Services.GetRequiredService<IMessagePublisher>();
        var published = 0;
        async Task PublishPhaseAsync()
        {
            var from = published;
            published += Phase;
            var sends = new List<Task>(2 * Phase);
            for (var i = from; i < from + Phase; i++)
            {
                sends.Add(publisher.PublishAsync(new OrderPlaced("order-" + i, i, "customer"), partitioned, cancellationToken: Ct));
                sends.Add(publisher.PublishAsync(new KeyStep("key-" + (i % Keys), i), keyed, cancellationToken: Ct));
            }

            await Task.WhenAll(sends).WaitAsync(Deadline, Ct);
        }

        await first.StartAsync(Ct);
        await PublishPhaseAsync();
        await Wait.UntilAsync(() => recorder.Count > 0, Deadline, "the first member to handle records", Ct);

        // A second and a third member join while records flow, then the first leaves.
        var joining = second.StartAsync(Ct);
        await PublishPhaseAsync();
        await joining;
        await WaitAssignedAsync(second, 2);
        joining = third.StartAsync(Ct);
        await PublishPhaseAsync();
        await joining;
        await WaitAssignedAsync(third, 3);
        var leaving = first.StopAsync(Ct);
        await PublishPhaseAsync();
        await leaving;
        await PublishPhaseAsync();

        var total = published;
        await Wait.UntilAsync(
            () => recorder.Snapshot().Select(h => (h.TypeId, h.Sequence)).Distinct().Count() == 2 * total, Deadline, $"every one of {2 * total} records to be handled", Ct);
        await Task.WhenAll(second.StopAsync(Ct), third.StopAsync(Ct));

        Assert.Empty(overlaps);
        var handled = recorder.Snapshot();
        var duplicates = HandlingHistory.AssertAtLeastOnceInPartitionOrder([.. handled.Where(h => h.TypeId == MessageContract.TypeIdOf<OrderPlaced>())], total, sameHostReplays: rebalance == "roundrobin");
        var keyDuplicates = AssertEachKeyInPublishOrder([.. handled.Where(h => h.TypeId == MessageContract.TypeIdOf<KeyStep>())], total);
        var assignments = logs.Values.Sum(l => l.WithEventId(202).Count);
        TestContext.Current.SendDiagnosticMessage(
            $"rebalance under load ({rebalance}): {2 * total} records, {assignments} assignments, {duplicates} + {keyDuplicates} re-deliveries (partition / key order)");
    }

    /// <summary>
    /// For each key: every record was handled, and no record was handled before the key's previous record had been
    /// handled once (a re-delivery after a move replays records already handled, never runs ahead).
    /// </summary>
    /// <returns>How many handler calls were re-deliveries.</returns>
    private static int AssertEachKeyInPublishOrder(IReadOnlyList<Handled> handled, int total)
    {
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), handled.Select(h => h.Sequence).Distinct().Order());
        var handledOnce = new HashSet<long>();
        var duplicates = 0;
        foreach (var h in handled)
        {
            var previous = h.Sequence - Keys; // the key's record published before this one
            Assert.True(previous < 0 || handledOnce.Contains(previous), $"sequence {h.Sequence} (key-{h.Sequence % Keys}) handled before {previous} of its key");
            if (!handledOnce.Add(h.Sequence))
            {
                duplicates++;
            }
        }

        return duplicates;
    }

    private static Task WaitAssignedAsync(IHost member, int generation)
    {
        var status = member.Services.GetRequiredService<IConsumerStatus>();
        return Wait.UntilAsync(() => status.Groups[0].Partitions.Count > 0, Deadline, $"member {generation} to be assigned partitions", Ct);
    }
}
