using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using KafkaTyped.Testing;

namespace KafkaTyped.FaultRunner;

/// <summary>What a scenario injects, counted as it goes.</summary>
public sealed class FaultCounts
{
    public int Kills;
    public int KillsDuringRebalance;
    public int Restarts;
    public int BrokerOutages;
    public int RequestErrorBursts;
    public int RequestErrors;
    public int LeaderMoves;
    public int RoundTripSpikes;
    public int Joins;
    public int Leaves;
    public int PoisonSent;

    public override string ToString()
    {
        var parts = new List<string>();
        Add(Kills, "kills" + (KillsDuringRebalance > 0 ? $" ({KillsDuringRebalance} in a rebalance)" : ""));
        Add(BrokerOutages, "broker outages");
        Add(RequestErrorBursts, $"request-error bursts ({RequestErrors} errors)");
        Add(LeaderMoves, "leader moves");
        Add(RoundTripSpikes, "RTT spikes");
        Add(Joins, "joins");
        Add(Leaves, "leaves");
        Add(PoisonSent, "poison records");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);

        void Add(int count, string what)
        {
            if (count > 0)
            {
                parts.Add($"{count} {what}");
            }
        }
    }
}

/// <summary>
/// One scenario in progress: its own embedded cluster (in this process), its ledger file, its member processes by slot
/// (a slot is restarted as a new run, "m2.3" being the third run of slot m2) and its seeded random schedule.
/// </summary>
public sealed class ScenarioRun : IAsyncDisposable
{
    public const string Topic = "faults";
    public const string DeadLetterTopic = Topic + ".dlq";

    private readonly Dictionary<string, Child> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _incarnations = new(StringComparer.Ordinal);
    private readonly List<Child> _everyChild = [];
    private readonly List<Task> _background = [];
    private readonly string _directory;
    private int _nextSlot;

    public ScenarioRun(ScenarioDefinition definition, int seed, RunnerOptions options)
    {
        Definition = definition;
        Seed = seed;
        Options = options;
        Random = new Random(seed);
        _directory = Directory.CreateTempSubdirectory("kafkatyped-faults-").FullName;
        LedgerPath = Path.Combine(_directory, "ledger.db");
        Ledger = Ledger.Open(LedgerPath, create: true);
        Cluster = new EmbeddedKafkaCluster(definition.Brokers);
        Cluster.CreateTopic(Topic, definition.Partitions);
        Cluster.CreateTopic(DeadLetterTopic, 2);
        Group = "faults-" + definition.Name;
        if (definition.Deduplicate)
        {
            InboxPath = Path.Combine(_directory, "inbox.db");
            foreach (var path in new[] { InboxPath, OutsidePath(InboxPath) })
            {
                using var inbox = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
                inbox.Open();
                using var command = inbox.CreateCommand();
                command.CommandText = """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE effects (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, run TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL);
                    """;
                command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>Where the planted bug "effect-outside-inbox" writes effects: a file beside the inbox.</summary>
    public static string OutsidePath(string inboxPath) => Path.Combine(Path.GetDirectoryName(inboxPath)!, "outside.db");

    /// <summary>The SQLite file of the deduplication marks and the handler's effects (scenarios with <see cref="ScenarioDefinition.Deduplicate"/>).</summary>
    public string? InboxPath { get; }

    /// <summary>The effects the deduplicating handler committed: message id and how many times.</summary>
    public Dictionary<string, int> Effects()
    {
        var effects = new Dictionary<string, int>(StringComparer.Ordinal);
        if (InboxPath is null)
        {
            return effects;
        }

        foreach (var path in new[] { InboxPath, OutsidePath(InboxPath) })
        {
            using var inbox = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly");
            inbox.Open();
            using var command = inbox.CreateCommand();
            command.CommandText = "SELECT id, COUNT(*) FROM effects GROUP BY id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                effects[reader.GetString(0)] = effects.GetValueOrDefault(reader.GetString(0)) + reader.GetInt32(1);
            }
        }

        return effects;
    }

    public ScenarioDefinition Definition { get; }

    public int Seed { get; }

    public RunnerOptions Options { get; }

    public Random Random { get; }

    public EmbeddedKafkaCluster Cluster { get; }

    public Ledger Ledger { get; }

    public string LedgerPath { get; }

    public string Group { get; }

    public FaultCounts Faults { get; } = new();

    /// <summary>The kills: the run that was killed and when (ticks).</summary>
    public List<(string Run, long Time)> KillLog { get; } = [];

    /// <summary>Hostile records sent: their key, the dead-letter reason they must arrive with, and their partition.</summary>
    public List<(string Key, string Reason, int Partition)> PoisonLog { get; } = [];

    public Child? Producer { get; private set; }

    public IReadOnlyCollection<string> LiveSlots => _members.Where(m => !m.Value.HasExited && !m.Value.Stopping).Select(m => m.Key).ToList();

    public IReadOnlyList<Child> EveryChild => _everyChild;

    public Child? MemberIn(string slot) => _members.GetValueOrDefault(slot);

    /// <summary>Starts a member in <paramref name="slot"/> (a new slot when null); returns it without waiting for it to run.</summary>
    public Child StartMember(string? slot = null)
    {
        slot ??= "m" + (++_nextSlot).ToString(CultureInfo.InvariantCulture);
        var incarnation = _incarnations[slot] = _incarnations.GetValueOrDefault(slot) + 1;
        var run = $"{slot}.{incarnation}";
        string[] arguments =
        [
            "--bootstrap", Cluster.BootstrapServers, "--ledger", LedgerPath, "--run", run, "--group", Group, "--topic", Topic,
            "--assignor", Definition.Assignor, "--work-ms", Definition.WorkMilliseconds.ToString(CultureInfo.InvariantCulture),
            "--max-payload", Definition.MaxPayloadBytes.ToString(CultureInfo.InvariantCulture),
            "--session-ms", Definition.SessionTimeoutMs.ToString(CultureInfo.InvariantCulture),
            .. InboxPath is null ? (string[])[] : ["--inbox", InboxPath],
        ];
        // A member that crashes (a signal the runner did not send) leaves the runtime's crash report: the stacks of every
        // thread, native and managed. A SIGKILL leaves none.
        Directory.CreateDirectory(CrashDirectory);
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_DbgEnableMiniDump"] = "1",
            ["DOTNET_DbgMiniDumpType"] = "1",
            ["DOTNET_DbgMiniDumpName"] = Path.Combine(CrashDirectory, $"{Definition.Name}-{run}-%p.dmp"),
            ["DOTNET_EnableCrashReport"] = "1",
        };
        if (Options.PlantedBug is { } bug)
        {
            environment[Member.PlantedBugVariable] = bug;
        }

        var child = Child.Start(run, "member", arguments, environment);
        _members[slot] = child;
        _everyChild.Add(child);
        return child;
    }

    public Child StartProducer(long count, long rate)
    {
        Producer = Child.Start("producer", "produce",
        [
            "--bootstrap", Cluster.BootstrapServers, "--ledger", LedgerPath, "--name", "p1", "--topic", Topic,
            "--count", count.ToString(CultureInfo.InvariantCulture), "--rate", rate.ToString(CultureInfo.InvariantCulture),
            "--keys", "48",
            .. Definition.Deduplicate ? (string[])["--deduplicated"] : [],
        ]);
        _everyChild.Add(Producer);
        return Producer;
    }

    /// <summary>Where crashed members leave their dumps and crash reports (kept after the run, unlike the ledger).</summary>
    public static string CrashDirectory { get; } = Path.Combine(Path.GetTempPath(), "kafkatyped-fault-crashes");

    /// <summary>The crash report of the member run <paramref name="run"/>, if it left one.</summary>
    public string? CrashReportOf(string run)
        => Directory.Exists(CrashDirectory)
            ? Directory.GetFiles(CrashDirectory, $"{Definition.Name}-{run}-*.crashreport.json").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;

    /// <summary>SIGKILL the member in <paramref name="slot"/>.</summary>
    public void Kill(string slot, bool duringRebalance = false)
    {
        var child = _members[slot];
        child.Kill();
        KillLog.Add((child.Name, DateTime.UtcNow.Ticks));
        Faults.Kills++;
        if (duringRebalance)
        {
            Faults.KillsDuringRebalance++;
        }
    }

    /// <summary>A graceful stop in the background; the slot is free at once.</summary>
    public void Leave(string slot)
    {
        var child = _members[slot];
        _members.Remove(slot);
        Faults.Leaves++;
        _background.Add(child.StopAsync(TimeSpan.FromSeconds(45)));
    }

    public static async Task WaitReadyAsync(Child child, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var exited = child.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(child.Ready, exited, Task.Delay(deadline, cancellationToken));
        if (first != child.Ready)
        {
            throw new ScenarioException($"{child.Name} did not start within {deadline.TotalSeconds:0} s{(child.HasExited ? $" (exited {child.ExitCode})" : "")}:{Environment.NewLine}{child.Tail}");
        }
    }

    /// <summary>Takes every fault back: brokers up, no added latency, no queued request errors.</summary>
    public void Heal()
    {
        Cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        Cluster.SetBrokerRoundTripTime(EmbeddedKafkaCluster.AllBrokers, TimeSpan.Zero);
        foreach (var api in Enum.GetValues<KafkaApiKey>())
        {
            if (api is KafkaApiKey.Produce or KafkaApiKey.Fetch or KafkaApiKey.OffsetCommit or KafkaApiKey.JoinGroup or KafkaApiKey.SyncGroup or KafkaApiKey.Heartbeat or KafkaApiKey.ConsumerGroupHeartbeat)
            {
                Cluster.ClearRequestErrors(api);
            }
        }
    }

    /// <summary>Stops every member gracefully (in parallel) and waits for background stops.</summary>
    public async Task StopAllAsync()
    {
        foreach (var slot in _members.Keys.ToList())
        {
            if (!_members[slot].HasExited)
            {
                _background.Add(_members[slot].StopAsync(TimeSpan.FromSeconds(45)));
            }
        }

        _members.Clear();
        await Task.WhenAll(_background);
    }

    /// <summary>Reads the dead-letter topic from the beginning to its end: (key, reason) per record.</summary>
    /// <summary>The first and the next offset of each partition of <see cref="Topic"/>'s log.</summary>
    public Dictionary<int, (long Low, long High)> LogRanges()
    {
        var config = Cluster.CreateConsumerConfig("faults-log-reader-" + Guid.NewGuid().ToString("N"));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var ranges = Enumerable.Range(0, Definition.Partitions).ToDictionary(
            p => p,
            p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10)) is var w ? (w.Low.Value, w.High.Value) : default);
        consumer.Close();
        return ranges;
    }

    public List<(string? Key, string? Reason)> ReadDeadLetters()
    {
        var config = Cluster.CreateConsumerConfig("faults-dlq-reader-" + Guid.NewGuid().ToString("N"));
        config.EnableAutoCommit = false;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var result = new List<(string?, string?)>();
        var partitions = Enumerable.Range(0, 2).Select(p => new TopicPartition(DeadLetterTopic, p)).ToList();
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var positions = ends.ToDictionary(e => e.Key, _ => 0L);
        var deadline = Stopwatch.StartNew();
        while (positions.Any(p => p.Value < ends[p.Key]) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var consumed = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (consumed?.Message is null)
            {
                continue;
            }

            positions[consumed.Partition.Value] = consumed.Offset.Value + 1;
            var reason = consumed.Message.Headers?.TryGetLastBytes(DeadLetterHeaders.Reason, out var r) == true ? System.Text.Encoding.UTF8.GetString(r) : null;
            result.Add((consumed.Message.Key is { } k ? System.Text.Encoding.UTF8.GetString(k) : null, reason));
        }

        consumer.Close();
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var child in _everyChild)
        {
            child.Dispose();
        }

        Ledger.Dispose();
        await Cluster.DisposeAsync();
        if (!Options.KeepLedgers)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        else
        {
            Console.WriteLine($"  ledger kept: {LedgerPath}");
        }
    }
}

/// <summary>A scenario that could not run at all (a member that never started): reported as a failure.</summary>
public sealed class ScenarioException(string message) : Exception(message);
