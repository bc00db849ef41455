using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.Serialization;
using KafkaTyped.Testing;

namespace KafkaTyped.FaultRunner;

/// <summary>How the runner was asked to run.</summary>
public sealed record RunnerOptions(bool Long, string? PlantedBug, bool KeepLedgers)
{
    /// <summary>The planted bugs (docs/reliability.md): members that commit before handling, a deduplicating handler that writes its effect outside the inbox transaction, and members that crash.</summary>
    public static readonly string[] PlantedBugs = ["commit-before-handling", "effect-outside-inbox", "crash"];

    /// <summary>Quick: a few seconds of faults per scenario (the CI budget); long: the figures of docs/reliability.md.</summary>
    public TimeSpan Scaled(int quickSeconds, int longSeconds) => TimeSpan.FromSeconds(Long ? longSeconds : quickSeconds);
}

/// <summary>A scenario: its cluster and group shape and its schedule of faults.</summary>
public sealed record ScenarioDefinition(
    string Name,
    string Description,
    int Brokers,
    int Partitions,
    int InitialMembers,
    string Assignor,
    int QuickSeconds,
    int LongSeconds,
    Func<ScenarioRun, TimeSpan, CancellationToken, Task> Schedule)
{
    public int WorkMilliseconds { get; init; } = 1;

    public int MaxPayloadBytes { get; init; } = 1024 * 1024;

    /// <summary>Records a second from the producer.</summary>
    public int Rate { get; init; } = 150;

    /// <summary>
    /// The members' <c>session.timeout.ms</c> (heartbeats at a tenth of it). Short, so that a killed member's partitions
    /// move on soon. The embedded coordinator also waits this less one second for members to rejoin a rebalance, and then
    /// completes it without those that did not come back in time, keeping their last reported assignment (a Kafka
    /// broker waits for them up to their <c>max.poll.interval.ms</c> and then removes them): where members join and leave
    /// all the time on a loaded machine, the wait must be long enough for a member to come back, or the coordinator
    /// gives one partition to two members (docs/reliability.md, "The embedded coordinator").
    /// </summary>
    public int SessionTimeoutMs { get; init; } = 2000;

    /// <summary>
    /// The producer publishes <see cref="DeduplicatedRecord"/>, whose handler declares [Deduplicate] and writes an effect
    /// in the inbox transaction of the SQLite store; the verdict counts effects written more than once.
    /// </summary>
    public bool Deduplicate { get; init; }
}

/// <summary>The scenarios and their seeded schedules.</summary>
public static class Scenarios
{
    public static IReadOnlyList<ScenarioDefinition> All { get; } =
    [
        new("kill9", "members killed with SIGKILL at random points and restarted", 1, 6, 3, "cooperative-sticky", 12, 600, KillSchedule) { SessionTimeoutMs = 3000, Rate = 100 },
        new("brokers", "brokers down and up, request errors on Produce/Fetch/OffsetCommit/JoinGroup/SyncGroup/Heartbeat, leader moves, high RTT", 3, 6, 3, "cooperative-sticky", 12, 600, BrokerSchedule),
        new("storm-cooperative", "members joining and leaving continuously (cooperative-sticky)", 1, 8, 2, "cooperative-sticky", 6, 240, StormSchedule) { SessionTimeoutMs = 4000 },
        new("storm-range", "members joining and leaving continuously (range)", 1, 8, 2, "range", 6, 240, StormSchedule) { SessionTimeoutMs = 4000 },
        new("storm-roundrobin", "members joining and leaving continuously (roundrobin)", 1, 8, 2, "roundrobin", 6, 240, StormSchedule) { SessionTimeoutMs = 4000 },
        new("storm-consumer", "members joining and leaving continuously (group.protocol=consumer)", 1, 8, 2, "consumer", 6, 240, StormSchedule),
        new("kill9-dedup", "kill9 with a [Deduplicate] handler on the SQLite inbox: effects written in the transaction of the mark", 1, 6, 3, "cooperative-sticky", 10, 240, KillSchedule) { Deduplicate = true, SessionTimeoutMs = 3000 },
        new("poison", "hostile records of every kind interleaved at a random rate, members killed now and then", 1, 4, 2, "cooperative-sticky", 9, 240, PoisonSchedule) { MaxPayloadBytes = 4096, SessionTimeoutMs = 3000 },
    ];

    private static TimeSpan Between(Random random, int minMs, int maxMs) => TimeSpan.FromMilliseconds(random.Next(minMs, maxMs + 1));

    /// <summary>
    /// Every 0.5 to 3 s a member is killed; seven times in ten at a random point of its work (handling, between handling
    /// and the next commit, 500 ms apart), three in ten right after another member joined, while the group rebalances.
    /// The killed slot is restarted after 0 to 1 s.
    /// </summary>
    private static async Task KillSchedule(ScenarioRun run, TimeSpan duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var restarts = new List<Task>();
        while (clock.Elapsed < duration)
        {
            await Task.Delay(Between(run.Random, 500, 3000), ct);
            var live = run.LiveSlots.Where(s => run.MemberIn(s)!.Ready.IsCompleted).Order(StringComparer.Ordinal).ToList();
            if (live.Count == 0)
            {
                continue;
            }

            var victim = live[run.Random.Next(live.Count)];
            if (run.Random.NextDouble() < 0.3 && live.Count > 1)
            {
                // During a rebalance: restart another member (it leaves and joins), kill the victim just after it joined.
                var other = live.First(s => s != victim);
                run.Kill(other);
                var joining = run.StartMember(other);
                run.Faults.Restarts++;
                await ScenarioRun.WaitReadyAsync(joining, TimeSpan.FromSeconds(60), ct);
                await Task.Delay(Between(run.Random, 0, 400), ct);
                run.Kill(victim, duringRebalance: true);
            }
            else
            {
                run.Kill(victim);
            }

            await Task.Delay(Between(run.Random, 0, 1000), ct);
            run.StartMember(victim);
            run.Faults.Restarts++;
        }

        await Task.WhenAll(restarts);
    }

    private static readonly (KafkaApiKey Api, ErrorCode[] Errors)[] RequestErrors =
    [
        (KafkaApiKey.Produce, [ErrorCode.NotEnoughReplicas, ErrorCode.LeaderNotAvailable, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.Local_Transport]),
        (KafkaApiKey.Fetch, [ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable, ErrorCode.Local_Transport]),
        (KafkaApiKey.OffsetCommit, [ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup, ErrorCode.RequestTimedOut, ErrorCode.RebalanceInProgress, ErrorCode.Local_Transport]),
        (KafkaApiKey.JoinGroup, [ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup, ErrorCode.GroupLoadInProgress, ErrorCode.Local_Transport]),
        (KafkaApiKey.SyncGroup, [ErrorCode.RebalanceInProgress, ErrorCode.NotCoordinatorForGroup, ErrorCode.Local_Transport]),
        (KafkaApiKey.Heartbeat, [ErrorCode.RebalanceInProgress, ErrorCode.NotCoordinatorForGroup, ErrorCode.UnknownMemberId, ErrorCode.Local_Transport]),
    ];

    /// <summary>
    /// Every 0.3 to 2 s one fault, in rounds of five in a seeded order (request errors twice a round): a broker down for 0.5 to 3 s (one in ten: all of them), a
    /// burst of 1 to 5 request errors on one API, a partition leader moved, or one broker's round trip raised to 100 to
    /// 800 ms for 1 to 3 s.
    /// </summary>
    private static async Task BrokerSchedule(ScenarioRun run, TimeSpan duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var cluster = run.Cluster;
        var deck = new Queue<int>();
        while (clock.Elapsed < duration)
        {
            await Task.Delay(Between(run.Random, 300, 2000), ct);
            if (deck.Count == 0)
            {
                // Every kind once per round, in a seeded order: even a short run has each of them.
                int[] kinds = [0, 1, 1, 2, 3];
                run.Random.Shuffle(kinds);
                kinds.ToList().ForEach(deck.Enqueue);
            }

            switch (deck.Dequeue())
            {
                case 0:
                    var broker = run.Random.NextDouble() < 0.1 ? EmbeddedKafkaCluster.AllBrokers : run.Random.Next(1, cluster.BrokerCount + 1);
                    cluster.SetBrokerDown(broker);
                    run.Faults.BrokerOutages++;
                    await Task.Delay(Between(run.Random, 500, 3000), ct);
                    cluster.SetBrokerUp(broker);
                    break;
                case 1:
                    var (api, codes) = RequestErrors[run.Random.Next(RequestErrors.Length)];
                    var burst = Enumerable.Range(0, run.Random.Next(1, 6)).Select(_ => codes[run.Random.Next(codes.Length)]).ToArray();
                    cluster.PushRequestErrors(api, burst);
                    run.Faults.RequestErrorBursts++;
                    run.Faults.RequestErrors += burst.Length;
                    break;
                case 2:
                    cluster.SetPartitionLeader(ScenarioRun.Topic, run.Random.Next(run.Definition.Partitions), run.Random.Next(1, cluster.BrokerCount + 1));
                    run.Faults.LeaderMoves++;
                    break;
                default:
                    var slow = run.Random.Next(1, cluster.BrokerCount + 1);
                    cluster.SetBrokerRoundTripTime(slow, Between(run.Random, 100, 800));
                    run.Faults.RoundTripSpikes++;
                    await Task.Delay(Between(run.Random, 1000, 3000), ct);
                    cluster.SetBrokerRoundTripTime(slow, TimeSpan.Zero);
                    break;
            }
        }
    }

    /// <summary>
    /// Every 0.3 to 1.5 s a member joins or leaves (at least one stays; at most 4 in the quick mode, 20 in the long one).
    /// A leave is a graceful stop, one in ten a SIGKILL (never under group.protocol=consumer, whose embedded
    /// coordinator keeps a killed member for its 30 s session).
    /// </summary>
    private static async Task StormSchedule(ScenarioRun run, TimeSpan duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var max = run.Options.Long ? 20 : 4;
        while (clock.Elapsed < duration)
        {
            await Task.Delay(Between(run.Random, 300, 1500), ct);
            var live = run.LiveSlots.Order(StringComparer.Ordinal).ToList();
            var join = live.Count <= 1 || (live.Count < max && run.Random.NextDouble() < 0.5);
            if (join)
            {
                run.StartMember();
                run.Faults.Joins++;
                continue;
            }

            var slot = live[run.Random.Next(live.Count)];
            if (run.Definition.Assignor != "consumer" && run.Random.NextDouble() < 0.1)
            {
                run.Kill(slot);
            }
            else
            {
                run.Leave(slot);
            }
        }
    }

    /// <summary>
    /// Every 20 to 300 ms one hostile record of a random kind, with a key of its own, written with a raw producer
    /// between the producer's valid records; every 3 to 8 s a member is killed and restarted.
    /// </summary>
    private static async Task PoisonSchedule(ScenarioRun run, TimeSpan duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(run.Cluster.CreateProducerConfig()).Build();
        var typeId = Encoding.UTF8.GetBytes("faults.record");
        var valid = KafkaSerializer.Serialize(new FaultRecord("poison", 1, "poison", new string('x', 64)));
        var nextKill = clock.Elapsed + Between(run.Random, 3000, 8000);
        var n = 0;
        while (clock.Elapsed < duration)
        {
            await Task.Delay(Between(run.Random, 20, 300), ct);
            var (kind, reason, value, type) = run.Random.Next(9) switch
            {
                0 => ("garbage", "invalid-payload", new byte[] { 0xc1, 0x00, 0xff }, typeId),
                1 => ("truncated", "invalid-payload", valid[..(valid.Length / 2)], typeId),
                2 => ("random", "invalid-payload", RandomBytes(run.Random), typeId),
                3 => ("huge-length", "invalid-payload", new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61 }, typeId),
                4 => ("empty", "invalid-payload", [], typeId),
                5 => ("tombstone", "invalid-payload", null, typeId),
                6 => ("no-type", "missing-type", valid, null),
                7 => ("unknown-type", "unknown-type", valid, Encoding.UTF8.GetBytes("faults.no-such-type")),
                _ => ("too-large", "payload-too-large", new byte[run.Definition.MaxPayloadBytes * 2], typeId),
            };
            var key = $"poison-{n++}-{kind}";
            var headers = new Headers();
            if (type is not null)
            {
                headers.Add("ce_type", type);
            }

            var written = await raw.ProduceAsync(ScenarioRun.Topic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(key), Value = value, Headers = headers }, ct);
            run.PoisonLog.Add((key, reason, written.Partition.Value));
            run.Faults.PoisonSent++;

            if (clock.Elapsed >= nextKill)
            {
                var live = run.LiveSlots.Where(s => run.MemberIn(s)!.Ready.IsCompleted).Order(StringComparer.Ordinal).ToList();
                if (live.Count > 0)
                {
                    var victim = live[run.Random.Next(live.Count)];
                    run.Kill(victim);
                    run.StartMember(victim);
                    run.Faults.Restarts++;
                }

                nextKill = clock.Elapsed + Between(run.Random, 3000, 8000);
            }
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 64)];
        random.NextBytes(bytes);
        bytes[0] = 0xc1; // never used by MessagePack: it cannot decode by chance
        return bytes;
    }
}
