using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Testing;

namespace KafkaTyped.Throughput;

/// <summary>
/// What users run (docs/benchmarks.md#what-users-run): consume with a singleton and with a scoped handler at 6, 32 and
/// 128 partitions against the raw loop, and publish against a raw producer of plain records and one of KafkaTyped's
/// exact records; every row with CPU and bytes per message, the consumer's partition pauses per 100,000 records, and
/// ratios taken within each round (median and spread over the rounds).
/// </summary>
/// <remarks>
/// Consume: each round publishes one topic (the raw producer, KafkaTyped's exact records) and every consumer reads it
/// whole with its own group, in an order rotated per round. Publish: a fresh topic per case and round, rotated too.
/// <c>publish-cost</c> splits the publish gap: raw producers that add one part of KafkaTyped's record at a time.
/// </remarks>
internal static class MatrixRunner
{
    private const string PausesInstrument = "kafkatyped.consume.partition_pauses";
    private static long s_pauses;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var rounds = IntArg(args, "--rounds", 5);
        var warmups = IntArg(args, "--warmups", 1);
        var consumeMessages = IntArg(args, "--messages", quick ? 20_000 : 100_000);
        var publishMessages = IntArg(args, "--publish-messages", quick ? 20_000 : 200_000);
        var only = args.Contains("--consume") ? "consume" : args.Contains("--publish") ? "publish" : args.Contains("--cost") ? "cost" : args.Contains("--slow") ? "slow" : null;
        var partitionCounts = args.Contains("--partitions") ? [IntArg(args, "--partitions", 6)] : new[] { 6, 32, 128 };

        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "KafkaTyped" && instrument.Name == PausesInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref s_pauses, value));
        listener.Start();

        var messages = new OrderPlaced[Math.Max(consumeMessages, publishMessages)];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = SampleOrders.Create(i);
        }

        await using var cluster = new EmbeddedKafkaCluster();
        Console.WriteLine($"What users run: {Environment.ProcessorCount} cores, {rounds} rounds, embedded cluster at {cluster.BootstrapServers}, load average {LoadAverage()}");
        var consumeRows = new List<Row>();
        var publishRows = new List<Row>();

        if (only is null or "consume")
        {
            foreach (var partitions in partitionCounts)
            {
                consumeRows.AddRange(await ConsumeAsync(cluster, messages.AsSpan(0, consumeMessages).ToArray(), partitions, rounds, warmups, onlyCase: args.Contains("--kafkatyped-only") ? 1 : IntArg(args, "--only-case", -1)));
            }
        }

        if (only is "slow")
        {
            // A handler slower than the fetcher: the lanes fill and their partitions are paused and resumed as they drain.
            var work = TimeSpan.FromMicroseconds(IntArg(args, "--work-us", 20));
            var cases = new (string Name, ConsumeCase Run)[]
            {
                ($"raw loop, {work.TotalMicroseconds} us handler", (b, t, g, n, timeout) => Task.FromResult(RawMode.Consume(b, t, g, n, timeout, work))),
                ($"KafkaTyped, {work.TotalMicroseconds} us handler, default lanes", (b, t, g, n, timeout) => KafkaTypedMode.ConsumeAsync(b, t, g, n, timeout, handlerWork: work)),
                ($"KafkaTyped, {work.TotalMicroseconds} us handler, lanes that never pause", (b, t, g, n, timeout) => KafkaTypedMode.ConsumeAsync(b, t, g, n, timeout, handlerWork: work, configure: c => (c.LaneCapacity, c.LaneCapacityBytes) = (int.MaxValue, long.MaxValue))),
            };
            consumeRows.AddRange(await ConsumeAsync(cluster, messages.AsSpan(0, consumeMessages).ToArray(), IntArg(args, "--partitions", 6), rounds, warmups, cases: cases));
        }

        if (only is null or "publish")
        {
            var cases = new (string Name, Func<string, OrderPlaced[], Measurement> Run)[]
            {
                ("raw, plain records", (topic, batch) => RawMode.Produce(cluster.BootstrapServers, topic, batch, RawShape.Plain)),
                ("raw, KafkaTyped's records", (topic, batch) => RawMode.Produce(cluster.BootstrapServers, topic, batch, RawShape.SameFormat)),
                ("KafkaTyped, default", (topic, batch) => KafkaTypedMode.Publish(cluster.BootstrapServers, topic, batch)),
                ("KafkaTyped, required attributes only", (topic, batch) => KafkaTypedMode.Publish(cluster.BootstrapServers, topic, batch, o => o.Publisher.CloudEventsAttributes = CloudEventsAttributes.Required)),
                ("raw, the required four headers", (topic, batch) => RawMode.Produce(cluster.BootstrapServers, topic, batch, new RawShape("required", true, RawHeaders.Required))),
            };
            publishRows.AddRange(Publish(cluster, messages.AsSpan(0, publishMessages).ToArray(), rounds, OnlyCase(args, cases)));
        }

        if (only is "cost")
        {
            IReadOnlyDictionary<string, string> noCompression = new Dictionary<string, string> { ["compression.type"] = "none" };
            IReadOnlyDictionary<string, string> recordReports = new Dictionary<string, string> { ["dotnet.producer.delivery.report.fields"] = "all" };
            var shapes = new (string Name, RawShape Shape, IReadOnlyDictionary<string, string>? Overrides)[]
            {
                ("plain (16 B key, no headers)", RawShape.Plain, null),
                ("+ text key (36 B)", new RawShape("text key", TextKey: true, RawHeaders.None), null),
                ("+ ce_type", RawShape.TypeOnly, null),
                ("+ the required four, constant id", new RawShape("required", true, RawHeaders.Required, FreshId: false), null),
                ("+ a fresh UUIDv7 ce_id", new RawShape("required", true, RawHeaders.Required), null),
                ("+ ce_time and content-type, constant time", new RawShape("all", true, RawHeaders.All, FreshTime: false), null),
                ("+ a fresh ce_time = KafkaTyped's records", RawShape.SameFormat, null),
                ("KafkaTyped's records, no compression", RawShape.SameFormat, noCompression),
                ("plain, no compression", RawShape.Plain, noCompression),
                ("KafkaTyped's records, reports with the record (Confluent's default)", RawShape.SameFormat, recordReports),
                ("plain, reports with the record (Confluent's default)", RawShape.Plain, recordReports),
            };
            var cases = shapes.Select(s => (s.Name, (Func<string, OrderPlaced[], Measurement>)((topic, batch) => RawMode.Produce(cluster.BootstrapServers, topic, batch, s.Shape, s.Overrides)))).ToArray();
            publishRows.AddRange(Publish(cluster, messages.AsSpan(0, publishMessages).ToArray(), rounds, OnlyCase(args, cases)));
        }

        Console.WriteLine();
        Console.WriteLine($"Load average at the end: {LoadAverage()}");
        if (consumeRows.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Consume, {consumeMessages:N0} records; ratio = median over {rounds} rounds of case/raw loop in the same round [lowest-highest]:");
            Print(consumeRows, pauses: true);
        }

        if (publishRows.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Publish, {publishMessages:N0} records, 6 partitions; ratio = median over {rounds} rounds of case/first row in the same round [lowest-highest]:");
            Print(publishRows, pauses: false);
        }

        return 0;
    }

    /// <param name="onlyCase">Only this case (for a profiler: 0 the raw loop, 1 KafkaTyped's singleton), no ratios; -1 for all.</param>
    /// <param name="cases">The consumers compared, the first being the baseline; by default the raw loop, singleton and scoped.</param>
    private static async Task<List<Row>> ConsumeAsync(
        EmbeddedKafkaCluster cluster, OrderPlaced[] batch, int partitions, int rounds, int warmups, int onlyCase = -1, (string Name, ConsumeCase Run)[]? cases = null)
    {
        cases ??=
        [
            ("raw loop", (b, t, g, n, timeout) => Task.FromResult(RawMode.Consume(b, t, g, n, timeout))),
            ("KafkaTyped, singleton", (b, t, g, n, timeout) => KafkaTypedMode.ConsumeAsync(b, t, g, n, timeout)),
            ("KafkaTyped, scoped", (b, t, g, n, timeout) => KafkaTypedMode.ConsumeAsync(b, t, g, n, timeout, scoped: true)),
        ];
        var names = cases.Select(c => c.Name).ToArray();
        var results = names.Select(_ => new List<(Measurement M, long Pauses)>()).ToArray();
        var timeout = TimeSpan.FromSeconds(120);
        for (var round = 0; round < warmups + rounds; round++)
        {
            var topic = $"matrix-consume-{partitions}-{round}";
            cluster.CreateTopic(topic, partitions);
            RawMode.Produce(cluster.BootstrapServers, topic, batch, RawShape.SameFormat);
            for (var i = 0; i < names.Length; i++)
            {
                var index = (i + round) % names.Length;
                if (onlyCase >= 0 && index != onlyCase)
                {
                    continue;
                }

                var group = $"{topic}-{index}";
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var pausesBefore = Interlocked.Read(ref s_pauses);
                var measurement = await cases[index].Run(cluster.BootstrapServers, topic, group, batch.Length + 1, timeout);
                if (onlyCase >= 0 && round >= warmups)
                {
                    // CLOCK_MONOTONIC seconds, for `perf record -k CLOCK_MONOTONIC` and `perf report --time start,end`.
                    Console.WriteLine(FormattableString.Invariant($"window {(double)measurement.Window.Start / Stopwatch.Frequency:F6},{(double)measurement.Window.Stop / Stopwatch.Frequency:F6}"));
                }

                var pauses = Interlocked.Read(ref s_pauses) - pausesBefore;
                if (round < warmups)
                {
                    continue; // warm-up: JIT and tiering, connections, thread pool
                }

                results[index].Add((measurement, pauses));
                Console.WriteLine($"consume {partitions,3} partitions round {round} {names[index],-24} {measurement.MessagesPerSecond,10:N0} msg/s {measurement.CpuMicrosecondsPerMessage,6:N1} us CPU/msg {measurement.BytesPerMessage,7:N0} B/msg {pauses,6} pauses");
            }
        }

        return onlyCase >= 0 ? [] : [.. names.Select((name, i) => new Row($"{partitions} partitions, {name}", results[i], results[0]))];
    }

    private static List<Row> Publish(EmbeddedKafkaCluster cluster, OrderPlaced[] batch, int rounds, (string Name, Func<string, OrderPlaced[], Measurement> Run)[] cases)
    {
        var results = cases.Select(_ => new List<(Measurement M, long Pauses)>()).ToArray();
        for (var round = 0; round <= rounds; round++)
        {
            for (var i = 0; i < cases.Length; i++)
            {
                var index = (i + round) % cases.Length;
                var topic = $"matrix-publish-{index}-{round}-{Guid.NewGuid():N}";
                cluster.CreateTopic(topic, 6);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var measurement = cases[index].Run(topic, round == 0 ? batch[..Math.Min(batch.Length, 20_000)] : batch);
                if (round == 0)
                {
                    continue;
                }

                results[index].Add((measurement, 0));
                Console.WriteLine($"publish round {round} {cases[index].Name,-44} {measurement.MessagesPerSecond,10:N0} msg/s {measurement.CpuMicrosecondsPerMessage,6:N1} us CPU/msg {measurement.BytesPerMessage,7:N0} B/msg");
            }
        }

        return [.. cases.Select((c, i) => new Row(c.Name, results[i], results[0]))];
    }

    private static void Print(List<Row> rows, bool pauses)
    {
        Console.WriteLine(pauses
            ? "| case | msg/s | ratio | CPU us/msg | CPU ratio | B/msg | pauses per 100k |"
            : "| case | msg/s | ratio | CPU us/msg | CPU ratio | B/msg |");
        Console.WriteLine(pauses ? "|---|---:|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var ratios = row.Results.Zip(row.Baseline, (r, b) => r.M.MessagesPerSecond / b.M.MessagesPerSecond).ToList();
            var cpuRatios = row.Results.Zip(row.Baseline, (r, b) => r.M.CpuMicrosecondsPerMessage / b.M.CpuMicrosecondsPerMessage).ToList();
            var line = $"| {row.Name} | {Median(row.Results.Select(r => r.M.MessagesPerSecond)):N0} | {Median(ratios):N2} [{ratios.Min():N2}-{ratios.Max():N2}] | " +
                $"{Median(row.Results.Select(r => r.M.CpuMicrosecondsPerMessage)):N1} | {Median(cpuRatios):N2} [{cpuRatios.Min():N2}-{cpuRatios.Max():N2}] | " +
                $"{Median(row.Results.Select(r => r.M.BytesPerMessage)):N0} |";
            if (pauses)
            {
                line += $" {Median(row.Results.Select(r => r.Pauses * 100_000.0 / r.M.Messages)):N0} |";
            }

            Console.WriteLine(line);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>With <c>--case N</c>, only the publish case at that index (for a profiler); its ratio is then 1.</summary>
    private static T[] OnlyCase<T>(string[] args, T[] cases)
        => args.Contains("--case") ? [cases[IntArg(args, "--case", 0)]] : cases;

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private delegate Task<Measurement> ConsumeCase(string bootstrapServers, string topic, string groupId, int expected, TimeSpan timeout);

    private sealed record Row(string Name, List<(Measurement M, long Pauses)> Results, List<(Measurement M, long Pauses)> Baseline);
}
