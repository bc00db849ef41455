using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.PostgreSql;
using KafkaTyped.Sqlite;
using KafkaTyped.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KafkaTyped.Throughput;

/// <summary>
/// The effectively-once building blocks on the embedded cluster (docs/benchmarks.md#outbox-relay-and-deduplication-stores):
/// <list type="bullet">
/// <item>Outbox relay: <see cref="OrderPlaced"/> messages written and committed into the outbox, then the relay started;
/// the figure is the time from its start until the last batch was acknowledged by the broker and marked sent, against
/// a hand-written Confluent.Kafka producer loop (<see cref="RawMode.Produce"/>, the same records) in the same round.</item>
/// <item>Deduplication: the same scoped handler with and without <see cref="DeduplicateAttribute"/> (two message types
/// of one shape, since the attribute is on the handler), for each store, alternated round by round.</item>
/// </list>
/// PostgreSQL is measured when <c>KAFKATYPED_POSTGRES</c> holds a connection string (<c>eval "$(.ci/postgres start)"</c>);
/// its tables have names of their own and are dropped after each round.
/// </summary>
internal static class StoreScenarios
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var rounds = IntArg(args, "--rounds", quick ? 3 : 5);
        var postgres = Environment.GetEnvironmentVariable("KAFKATYPED_POSTGRES") is { Length: > 0 } cs ? cs : null;
        var folder = Directory.CreateTempSubdirectory("kafkatyped-bench-");
        await using var cluster = new EmbeddedKafkaCluster();
        Console.WriteLine($"Stores: {rounds} rounds, {Environment.ProcessorCount} cores, embedded cluster at {cluster.BootstrapServers}, SQLite files in {folder.FullName}, PostgreSQL {(postgres is null ? "not set (KAFKATYPED_POSTGRES): skipped" : "from KAFKATYPED_POSTGRES")}");
        try
        {
            if (!args.Contains("--dedup"))
            {
                await RunOutboxAsync(cluster, folder.FullName, postgres, IntArg(args, "--messages", quick ? 20_000 : 50_000), rounds);
            }

            if (!args.Contains("--outbox"))
            {
                await RunDeduplicationAsync(cluster, folder.FullName, postgres, IntArg(args, "--dedup-messages", quick ? 5_000 : 20_000), rounds, IntArg(args, "--dedup-partitions", 8));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }

        return 0;
    }

    // ---- Outbox relay -------------------------------------------------------------------------------------------

    private static async Task RunOutboxAsync(EmbeddedKafkaCluster cluster, string folder, string? postgres, int count, int rounds)
    {
        const int partitions = 12;
        var messages = new OrderPlaced[count];
        for (var i = 0; i < count; i++)
        {
            messages[i] = SampleOrders.Create(i);
        }

        string[] modes = postgres is null ? ["raw", "sqlite"] : ["raw", "sqlite", "postgresql"];
        Console.WriteLine($"Outbox relay: {count:N0} OrderPlaced per round, written in transactions of 500 and committed before the relay starts; relay BatchSize 500 (default); {partitions} partitions");
        foreach (var mode in modes)
        {
            await RunOutboxRoundAsync(cluster, mode, folder, postgres, messages.AsSpan(0, Math.Min(count, 5_000)).ToArray(), partitions, "warmup");
        }

        var results = new Dictionary<string, List<(Measurement Publish, Measurement? Write)>>();
        for (var round = 1; round <= rounds; round++)
        {
            var order = round % 2 == 1 ? modes : modes.Reverse().ToArray();
            foreach (var mode in order)
            {
                var result = await RunOutboxRoundAsync(cluster, mode, folder, postgres, messages, partitions, round.ToString(CultureInfo.InvariantCulture));
                (results.TryGetValue(mode, out var list) ? list : results[mode] = []).Add(result);
                Console.WriteLine(
                    $"round {round} {mode,-10} relay {result.Publish.MessagesPerSecond,10:N0} msg/s {result.Publish.CpuMicrosecondsPerMessage,6:N1} us CPU/msg {result.Publish.BytesPerMessage,7:N0} B/msg"
                    + (result.Write is { } w ? $" | write {w.MessagesPerSecond,10:N0} msg/s {w.CpuMicrosecondsPerMessage,6:N1} us CPU/msg {w.BytesPerMessage,7:N0} B/msg" : ""));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Medians over {rounds} rounds ({count:N0} messages each); ratio = median over rounds of relay/raw in the same round:");
        Console.WriteLine("| Publisher | msg/s | ratio to raw | CPU us/msg | B/msg | outbox write msg/s | write CPU us/msg |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var raw = results["raw"].Select(r => r.Publish).ToList();
        foreach (var mode in modes)
        {
            var measured = results[mode];
            var publish = measured.Select(r => r.Publish).ToList();
            var ratios = publish.Zip(raw, (m, r) => m.MessagesPerSecond / r.MessagesPerSecond).ToList();
            var writes = measured.Where(r => r.Write is not null).Select(r => r.Write!.Value).ToList();
            Console.WriteLine(
                $"| {(mode == "raw" ? "raw producer loop" : "outbox relay, " + mode)} | {Median(publish.Select(m => m.MessagesPerSecond)):N0} | {Median(ratios):N2} ({ratios.Min():N2}-{ratios.Max():N2}) | "
                + $"{Median(publish.Select(m => m.CpuMicrosecondsPerMessage)):N1} | {Median(publish.Select(m => m.BytesPerMessage)):N0} | "
                + (writes.Count == 0 ? "- | - |" : $"{Median(writes.Select(m => m.MessagesPerSecond)):N0} | {Median(writes.Select(m => m.CpuMicrosecondsPerMessage)):N1} |"));
        }

        Console.WriteLine();
    }

    private static async Task<(Measurement Publish, Measurement? Write)> RunOutboxRoundAsync(
        EmbeddedKafkaCluster cluster, string mode, string folder, string? postgres, OrderPlaced[] messages, int partitions, string round)
    {
        var topic = $"outbox-{mode}-{round}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, partitions);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (mode == "raw")
        {
            return (RawMode.Produce(cluster.BootstrapServers, topic, messages, RawShape.SameFormat), null);
        }

        var table = "bench_outbox_" + Guid.NewGuid().ToString("N")[..12];
        var sqlite = $"Data Source={Path.Combine(folder, table + ".db")}";
        IOutboxStore inner = mode == "sqlite" ? new SqliteOutboxStore(sqlite) : new PostgreSqlOutboxStore(postgres!, table);
        var store = new CountingOutboxStore(inner, messages.Length);
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = cluster.BootstrapServers;
            o.ServiceName = "throughput";
            foreach (var (key, value) in ClientSettings.Producer)
            {
                o.Publisher.Properties[key] = value;
            }
        }).AddOutbox(_ => store);
        await using var provider = services.BuildServiceProvider();
        try
        {
            await inner.InitializeAsync(CancellationToken.None);
            var outbox = provider.GetRequiredService<IOutbox>();

            // Writing is measured too (what the application's transactions pay), but it is not the relay's figure.
            var writeMeter = new PhaseMeter();
            writeMeter.Start();
            await using (var connection = mode == "sqlite" ? (DbConnection)new SqliteConnection(sqlite) : new NpgsqlConnection(postgres))
            {
                await connection.OpenAsync();
                for (var start = 0; start < messages.Length; start += 500)
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    for (var i = start; i < Math.Min(messages.Length, start + 500); i++)
                    {
                        await outbox.WriteAsync(messages[i], transaction, topic);
                    }

                    await transaction.CommitAsync();
                }
            }

            var write = writeMeter.Stop(messages.Length);

            // The producer's connections, producer id and the topic's metadata are set up before timing, as for the raw
            // producer (RawMode.Prime): the relay publishes through the service's one producer, the publisher's.
            var publisher = provider.GetRequiredService<IMessagePublisher>();
            publisher.Publish(messages[0], topic);
            if (publisher.Flush(TimeSpan.FromSeconds(30)) != 0)
            {
                throw new InvalidOperationException("outbox: the priming record was not acknowledged in 30 s.");
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var hosted = provider.GetServices<IHostedService>().ToArray();
            var meter = new PhaseMeter();
            meter.Start();
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }

            try
            {
                if (await Task.WhenAny(store.AllSent, Task.Delay(s_timeout)) != store.AllSent)
                {
                    throw new TimeoutException($"outbox relay ({mode}): {store.Sent} of {messages.Length} marked sent after {s_timeout.TotalMinutes} minutes.");
                }

                var measured = meter.Stop(messages.Length);
                var (batches, claim, publish, complete) = store.Phases;
                Console.WriteLine(
                    $"  {mode} relay phases: {batches} batches in {measured.Elapsed.TotalMilliseconds:N0} ms; per batch: claim {claim.TotalMilliseconds / batches:N1} ms, "
                    + $"produce until all acknowledged {publish.TotalMilliseconds / batches:N1} ms, mark sent {complete.TotalMilliseconds / batches:N1} ms; "
                    + $"outside batches (start-up, backlog count, loop) {(measured.Elapsed - claim - publish - complete).TotalMilliseconds:N0} ms");
                return (measured, write);
            }
            finally
            {
                foreach (var service in hosted.Reverse())
                {
                    await service.StopAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            if (mode == "postgresql")
            {
                await DropAsync(postgres!, table);
            }
        }
    }

    /// <summary>The store of the relay, counting the messages it marked sent.</summary>
    private sealed class CountingOutboxStore(IOutboxStore inner, int expected) : IOutboxStore, IAsyncDisposable
    {
        private readonly TaskCompletionSource _allSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _expected = expected;
        private int _sent;

        public Task AllSent => _allSent.Task;

        public int Sent => Volatile.Read(ref _sent);

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public Task AddAsync(DbTransaction transaction, OutboxMessage message, CancellationToken cancellationToken) => inner.AddAsync(transaction, message, cancellationToken);

        /// <summary>Where the relay's time went, summed over the batches: claiming (read), producing until every acknowledgement, marking sent (write + commit).</summary>
        public (int Batches, TimeSpan Claim, TimeSpan Publish, TimeSpan Complete) Phases { get; private set; }

        public async Task<IOutboxBatch?> ClaimBatchAsync(int maxMessages, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var batch = await inner.ClaimBatchAsync(maxMessages, cancellationToken).ConfigureAwait(false);
            if (batch is null || batch.Messages.Count == 0)
            {
                return batch;
            }

            var phases = Phases;
            Phases = phases with { Claim = phases.Claim + Stopwatch.GetElapsedTime(started) };
            return new Batch(this, batch, Stopwatch.GetTimestamp());
        }

        public Task<int> DeleteSentAsync(DateTimeOffset sentBefore, CancellationToken cancellationToken) => inner.DeleteSentAsync(sentBefore, cancellationToken);

        public Task<long?> CountUnsentAsync(CancellationToken cancellationToken) => inner.CountUnsentAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : default;

        private sealed class Batch(CountingOutboxStore owner, IOutboxBatch inner, long claimed) : IOutboxBatch
        {
            public IReadOnlyList<OutboxMessage> Messages => inner.Messages;

            public async Task CompleteAsync(DateTimeOffset sentAt, CancellationToken cancellationToken)
            {
                var acknowledged = Stopwatch.GetTimestamp();
                await inner.CompleteAsync(sentAt, cancellationToken).ConfigureAwait(false);
                var phases = owner.Phases;
                owner.Phases = (phases.Batches + 1, phases.Claim, phases.Publish + Stopwatch.GetElapsedTime(claimed, acknowledged), phases.Complete + Stopwatch.GetElapsedTime(acknowledged));
                if (Interlocked.Add(ref owner._sent, inner.Messages.Count) >= owner._expected)
                {
                    owner._allSent.TrySetResult();
                }
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    // ---- Deduplication ------------------------------------------------------------------------------------------

    private static async Task RunDeduplicationAsync(EmbeddedKafkaCluster cluster, string folder, string? postgres, int count, int rounds, int partitions)
    {
        string[] modes = postgres is null ? ["none", "in-memory", "sqlite"] : ["none", "in-memory", "sqlite", "postgresql"];
        Console.WriteLine($"Deduplication: {count:N0} records per round ({partitions} partitions, every ce_id new), one scoped handler, without [Deduplicate] and with it on each store");
        foreach (var mode in modes)
        {
            await RunDeduplicationRoundAsync(cluster, mode, folder, postgres, Math.Min(count, 2_000), partitions);
        }

        var results = modes.ToDictionary(m => m, _ => new List<Measurement>());
        for (var round = 1; round <= rounds; round++)
        {
            var order = round % 2 == 1 ? modes : modes.Reverse().ToArray();
            foreach (var mode in order)
            {
                var result = await RunDeduplicationRoundAsync(cluster, mode, folder, postgres, count, partitions);
                results[mode].Add(result);
                Console.WriteLine($"round {round} {mode,-10} consume {result.MessagesPerSecond,10:N0} msg/s {result.CpuMicrosecondsPerMessage,7:N1} us CPU/msg {result.BytesPerMessage,7:N0} B/msg");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Medians over {rounds} rounds ({count:N0} records each); ratios and differences are medians of the per-round ones against 'none' in the same round:");
        Console.WriteLine("| Store | msg/s | ratio to none | wall us/msg | + wall us/msg | CPU us/msg | + CPU us/msg | B/msg | + B/msg |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var none = results["none"];
        foreach (var mode in modes)
        {
            var measured = results[mode];
            var ratios = measured.Zip(none, (m, n) => m.MessagesPerSecond / n.MessagesPerSecond).ToList();
            var wall = measured.Zip(none, (m, n) => (1e6 / m.MessagesPerSecond) - (1e6 / n.MessagesPerSecond)).ToList();
            var cpu = measured.Zip(none, (m, n) => m.CpuMicrosecondsPerMessage - n.CpuMicrosecondsPerMessage).ToList();
            var bytes = measured.Zip(none, (m, n) => m.BytesPerMessage - n.BytesPerMessage).ToList();
            Console.WriteLine(
                $"| {(mode == "none" ? "none (no [Deduplicate])" : mode)} | {Median(measured.Select(m => m.MessagesPerSecond)):N0} | {Median(ratios):N2} ({ratios.Min():N2}-{ratios.Max():N2}) | "
                + $"{Median(measured.Select(m => 1e6 / m.MessagesPerSecond)):N1} | {Median(wall):N1} | {Median(measured.Select(m => m.CpuMicrosecondsPerMessage)):N1} | {Median(cpu):N1} | "
                + $"{Median(measured.Select(m => m.BytesPerMessage)):N0} | {Median(bytes):N0} |");
        }
    }

    private static async Task<Measurement> RunDeduplicationRoundAsync(EmbeddedKafkaCluster cluster, string mode, string folder, string? postgres, int count, int partitions)
    {
        var topic = $"dedup-{mode}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, partitions);
        var table = "bench_dedup_" + Guid.NewGuid().ToString("N")[..12];
        var probes = new ProbeCounter(count);
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        RegisterIdleHandlers(services);
        services.AddSingleton(probes);
        var builder = services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = cluster.BootstrapServers;
            o.ServiceName = "throughput";
            foreach (var (key, value) in ClientSettings.Producer)
            {
                o.Publisher.Properties[key] = value;
            }

            var consumer = new ConsumerOptions { GroupId = topic, Topics = { topic } };
            foreach (var (key, value) in ClientSettings.Consumer)
            {
                consumer.Properties[key] = value;
            }

            o.Consumers.Add(consumer);
        });
        TimedInboxStore? timed = null;
        if (mode == "sqlite")
        {
            timed = new TimedInboxStore(new SqliteDeduplicationStore($"Data Source={Path.Combine(folder, table + ".db")}"));
        }
        else if (mode == "postgresql")
        {
            timed = new TimedInboxStore(new PostgreSqlDeduplicationStore(postgres!, tableName: table));
        }

        if (timed is not null)
        {
            builder.AddDeduplication(_ => timed, static (store, ct) => store.InitializeAsync(ct));
        }

        builder.AddGeneratedHandlers();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        try
        {
            var publisher = provider.GetRequiredService<IMessagePublisher>();
            for (var i = 0; i < count; i++)
            {
                var account = new Guid(i, 0, 0, new byte[8]);
                if (mode == "none")
                {
                    publisher.Publish(new PlainProbe(account, i, "probe"), topic);
                }
                else
                {
                    publisher.Publish(new DeduplicatedProbe(account, i, "probe"), topic);
                }
            }

            if (publisher.Flush(TimeSpan.FromSeconds(60)) != 0)
            {
                throw new InvalidOperationException("deduplication: input records still outstanding after 60 s.");
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            // As the generic host does: every StartingAsync (the store's schema) before any StartAsync.
            var hosted = provider.GetServices<IHostedService>().ToArray();
            foreach (var lifecycle in hosted.OfType<IHostedLifecycleService>())
            {
                await lifecycle.StartingAsync(CancellationToken.None);
            }

            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }

            try
            {
                if (await Task.WhenAny(probes.Done, Task.Delay(s_timeout)) != probes.Done)
                {
                    throw new TimeoutException($"deduplication ({mode}): {probes.Count} of {count} handled after {s_timeout.TotalMinutes} minutes.");
                }

                var measured = await probes.Done;
                if (timed is not null)
                {
                    Console.WriteLine(
                        $"  {mode} inbox per record: begin (open + BEGIN) {timed.Begin.TotalMicroseconds / timed.Count:N0} us, claim (INSERT ... ON CONFLICT) {timed.Claim.TotalMicroseconds / timed.Count:N0} us, "
                        + $"summed over {partitions} lanes; wall per record {measured.Elapsed.TotalMicroseconds / count:N0} us");
                }

                return measured;
            }
            finally
            {
                foreach (var service in hosted.Reverse())
                {
                    await service.StopAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            if (mode == "postgresql")
            {
                await DropAsync(postgres!, table);
            }
        }
    }

    /// <summary>An inbox store that sums the time of its begin and claim calls (the handler and the commit follow them).</summary>
    private sealed class TimedInboxStore(IInboxStore inner) : IInboxStore, IAsyncDisposable
    {
        private long _beginTicks;
        private long _claimTicks;
        private int _count;

        public TimeSpan Begin => TimeSpan.FromSeconds((double)Interlocked.Read(ref _beginTicks) / Stopwatch.Frequency);

        public TimeSpan Claim => TimeSpan.FromSeconds((double)Interlocked.Read(ref _claimTicks) / Stopwatch.Frequency);

        public int Count => Math.Max(1, Volatile.Read(ref _count));

        public TimeSpan DefaultWindow => inner.DefaultWindow;

        public Task InitializeAsync(CancellationToken cancellationToken)
            => inner is SqliteDeduplicationStore sqlite ? sqlite.InitializeAsync(cancellationToken) : ((PostgreSqlDeduplicationStore)inner).InitializeAsync(cancellationToken);

        public async ValueTask<InboxTransaction> BeginAsync(CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var transaction = await inner.BeginAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _beginTicks, Stopwatch.GetTimestamp() - started);
            return transaction;
        }

        public async ValueTask<bool> TryClaimAsync(InboxTransaction transaction, DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var claimed = await inner.TryClaimAsync(transaction, key, window, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _claimTicks, Stopwatch.GetTimestamp() - started);
            Interlocked.Increment(ref _count);
            return claimed;
        }

        public ValueTask<bool> ContainsAsync(DeduplicationKey key, CancellationToken cancellationToken) => inner.ContainsAsync(key, cancellationToken);

        public ValueTask MarkAsync(DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken) => inner.MarkAsync(key, window, cancellationToken);

        public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : default;
    }

    /// <summary>What the other scenarios' handlers need, idle here (<c>AddGeneratedHandlers</c> registers every handler of the program).</summary>
    internal static void RegisterIdleHandlers(IServiceCollection services)
    {
        services.AddSingleton(new NoOpOrderHandler(int.MaxValue));
        services.AddSingleton(new DelayedCancellationHandler());
        services.AddSingleton(new TransformCounter(output: "unused"));
    }

    private static async Task DropAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP TABLE IF EXISTS {table}", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

[KafkaMessage("bench.plain-probe")]
public sealed partial record PlainProbe([property: MessageKey] Guid Account, long Sequence, string Note);

[KafkaMessage("bench.deduplicated-probe")]
public sealed partial record DeduplicatedProbe([property: MessageKey] Guid Account, long Sequence, string Note);

/// <summary>Counts the probes handled; the consume meter runs from the first to the last.</summary>
public sealed class ProbeCounter(int expected)
{
    private readonly TaskCompletionSource<Measurement> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PhaseMeter _meter = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    internal Task<Measurement> Done => _done.Task;

    public void Handled()
    {
        _meter.Start();
        if (Interlocked.Increment(ref _count) == expected)
        {
            _done.TrySetResult(_meter.Stop(expected));
        }
    }
}

/// <summary>The handler without deduplication (scoped, as <c>AddGeneratedHandlers</c> registers it).</summary>
public sealed class PlainProbeHandler(ProbeCounter counter) : IHandle<PlainProbe>
{
    public ValueTask HandleAsync(PlainProbe message, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Handled();
        return default;
    }
}

/// <summary>The same handler with <see cref="DeduplicateAttribute"/>: checked and marked by the registered store (with a SQL store, the inbox transaction).</summary>
[Deduplicate]
public sealed class DeduplicatedProbeHandler(ProbeCounter counter) : IHandle<DeduplicatedProbe>
{
    public ValueTask HandleAsync(DeduplicatedProbe message, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Handled();
        return default;
    }
}
