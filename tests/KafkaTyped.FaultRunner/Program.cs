// The fault runner (docs/reliability.md).
//
//   dotnet tests/KafkaTyped.FaultRunner/bin/Release/net10.0/KafkaTyped.FaultRunner.dll --quick
//   ... --long [--report docs/reliability-last-run.md]
//   ... --seed 1234 --scenario kill9          replays one scenario's schedule
//   KAFKATYPED_FAULTS_PLANTED_BUG=commit-before-handling ... --quick --scenario kill9      must fail (lost records)
//   KAFKATYPED_FAULTS_PLANTED_BUG=effect-outside-inbox ... --quick --scenario kill9-dedup  must fail (duplicate effects)
//   KAFKATYPED_FAULTS_PLANTED_BUG=crash ... --quick --scenario storm-range                 must fail (crashes, with their stacks)
//
// Verbs used by the runner for its child processes: "member ..." and "produce ...".
using System.Diagnostics;
using System.Globalization;
using KafkaTyped.FaultRunner;

try
{
    return args.FirstOrDefault() switch
    {
        "member" => await Member.RunAsync(args[1..]),
        "produce" => await Producer.RunAsync(args[1..]),
        _ => await Runner.RunAsync(args),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine("usage: KafkaTyped.FaultRunner --quick|--long [--seed N] [--scenario name[,name]] [--report file.md] [--keep-ledgers]");
    return 2;
}

/// <summary>Runs the scenarios one after another, prints the table and exits 1 on any violation.</summary>
internal static class Runner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args, "--quick", "--long", "--keep-ledgers");
        var quick = a.Flag("--quick");
        var isLong = a.Flag("--long");
        if (quick == isLong)
        {
            throw new ArgumentException("Give exactly one of --quick and --long.");
        }

        var baseSeed = (int)a.Number("--seed", Random.Shared.Next(1, 1_000_000));
        var names = a.Text("--scenario")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var report = a.Text("--report");
        var planted = Environment.GetEnvironmentVariable(Member.PlantedBugVariable) is { Length: > 0 } bug ? bug : null;
        if (planted is not null && !RunnerOptions.PlantedBugs.Contains(planted))
        {
            throw new ArgumentException($"{Member.PlantedBugVariable}={planted} is not a planted bug; they are {string.Join(", ", RunnerOptions.PlantedBugs)}.");
        }

        var options = new RunnerOptions(isLong, planted, a.Flag("--keep-ledgers"));
        a.RejectUnknown();
        var unknown = names?.Where(n => Scenarios.All.All(s => s.Name != n)).ToList();
        if (unknown is { Count: > 0 })
        {
            throw new ArgumentException($"Unknown scenario(s) {string.Join(", ", unknown)}; the scenarios are {string.Join(", ", Scenarios.All.Select(s => s.Name))}.");
        }

        var selected = Scenarios.All.Where(s => names is null || names.Contains(s.Name)).ToList();
        var mode = isLong ? "long" : "quick";
        Console.WriteLine($"Fault runner, {mode} mode, seed {baseSeed}{(options.PlantedBug is { } b ? $", PLANTED BUG: {b}" : "")}");
        Console.WriteLine($"Replay: --{mode} --seed {baseSeed}{(names is null ? "" : " --scenario " + string.Join(",", names))}");
        var total = Stopwatch.StartNew();
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupted.Cancel();
        };

        var verdicts = new List<Verdict>();
        foreach (var definition in selected)
        {
            var seed = SeedOf(baseSeed, definition.Name);
            Console.WriteLine();
            Console.WriteLine($"== {definition.Name} (seed {seed}): {definition.Description}");
            verdicts.Add(await RunScenarioAsync(definition, seed, options, interrupted.Token));
            var v = verdicts[^1];
            Console.WriteLine($"   {(v.Failed ? "FAILED" : "passed")} in {v.Elapsed.TotalSeconds:0} s: {v.Published} published, {v.Handled} handled, {v.Lost} lost, {v.Duplicates} duplicates{(v.DuplicateEffects is { } d ? $", {d} duplicate effects" : "")}; faults: {v.Faults}");
            foreach (var note in v.Notes)
            {
                Console.WriteLine("   " + note.Replace(Environment.NewLine, Environment.NewLine + "     ", StringComparison.Ordinal));
            }
        }

        var table = Table(verdicts, mode, baseSeed, total.Elapsed, options.PlantedBug);
        Console.WriteLine();
        Console.WriteLine(table);
        if (report is not null)
        {
            await File.WriteAllTextAsync(report, table);
            Console.WriteLine($"Table written to {report}");
        }

        var failed = verdicts.Where(v => v.Failed).Select(v => v.Scenario).ToList();
        Console.WriteLine(failed.Count == 0
            ? $"Fault runner: {verdicts.Count} scenario(s) passed in {total.Elapsed.TotalSeconds:0} s"
            : $"Fault runner: FAILED {string.Join(", ", failed)} (seed {baseSeed})");
        return failed.Count == 0 ? 0 : 1;
    }

    /// <summary>A scenario's seed from the run's: the same base seed replays every scenario's schedule.</summary>
    private static int SeedOf(int baseSeed, string name)
    {
        var hash = (uint)baseSeed;
        foreach (var c in name)
        {
            hash = (hash * 31) + c;
        }

        return (int)(hash % 1_000_000_000);
    }

    private static async Task<Verdict> RunScenarioAsync(ScenarioDefinition definition, int seed, RunnerOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var notes = new List<string>();
        var phases = new Phases(clock);
        await using var run = new ScenarioRun(definition, seed, options);
        var startDeadline = TimeSpan.FromSeconds(90);
        try
        {
            var members = Enumerable.Range(0, definition.InitialMembers).Select(_ => run.StartMember()).ToList();
            foreach (var member in members)
            {
                await ScenarioRun.WaitReadyAsync(member, startDeadline, ct);
            }

            var duration = options.Scaled(definition.QuickSeconds, definition.LongSeconds);
            var producer = run.StartProducer(definition.Rate * (long)duration.TotalSeconds, definition.Rate);
            await ScenarioRun.WaitReadyAsync(producer, startDeadline, ct);
            phases.End("start");

            await definition.Schedule(run, duration, ct);
            phases.End("faults");

            // Heal, make sure the group has members, let the producer finish and the group catch up.
            run.Heal();
            var slots = run.LiveSlots.ToList();
            for (var i = slots.Count; i < Math.Max(1, Math.Min(2, definition.InitialMembers)); i++)
            {
                run.StartMember();
            }

            using (var producing = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                producing.CancelAfter(TimeSpan.FromSeconds(120));
                await producer.WaitForExitAsync(producing.Token);
            }

            phases.End("producer");

            var drained = await WaitDrainedAsync(run, TimeSpan.FromSeconds(options.Long ? 300 : 90), ct);
            if (!drained)
            {
                notes.Add("note the group did not catch up before the deadline; what is unhandled counts as lost");
            }

            phases.End("catch-up");
        }
        catch (ScenarioException ex)
        {
            notes.Add("FAIL " + ex.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            notes.Add("FAIL interrupted");
        }

        run.Heal();
        await run.StopAllAsync();
        phases.End("stop");
        var deadLetters = run.ReadDeadLetters();
        Console.WriteLine($"   time: {phases}");
        return Verdict.Judge(run, clock.Elapsed, deadLetters, notes);
    }

    /// <summary>Where a scenario's time went (members and producer starting, the faults, the producer's last records, the catch-up, stopping), for the budget of the quick mode.</summary>
    private sealed class Phases(Stopwatch clock)
    {
        private readonly List<(string Name, TimeSpan Took)> _phases = [];
        private TimeSpan _last;

        public void End(string name)
        {
            _phases.Add((name, clock.Elapsed - _last));
            _last = clock.Elapsed;
        }

        public override string ToString()
            => string.Join(", ", _phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Took.TotalSeconds:0.0} s")));
    }

    /// <summary>How long the group may handle nothing new, after the faults were healed, before the runner stops waiting.</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(45);

    /// <summary>Waits until every acknowledged record was handled and every hostile record dead-lettered.</summary>
    private static async Task<bool> WaitDrainedAsync(ScenarioRun run, TimeSpan deadline, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var (lastUnhandled, lastProgress) = (long.MaxValue, TimeSpan.Zero);
        while (clock.Elapsed < deadline)
        {
            var (published, unhandled) = run.Ledger.Progress();
            if (unhandled < lastUnhandled)
            {
                (lastUnhandled, lastProgress) = (unhandled, clock.Elapsed);
            }
            else if (clock.Elapsed - lastProgress > StallLimit)
            {
                Console.WriteLine($"   no progress for {StallLimit.TotalSeconds:0} s with {unhandled} of {published} not handled: giving up");
                return false;
            }

            if (unhandled is > 0 and <= 100 && run.Ledger.Unhandled() is var pending && pending.All(p => p.Implicit) && Verdict.Unwritten(run, pending).Count == pending.Count)
            {
                Console.WriteLine($"   {unhandled} acknowledged record(s) are in no log (confirmed implicitly, every offset of their partition handled)");
                unhandled = 0;
            }

            if (unhandled == 0)
            {
                if (run.PoisonLog.Count == 0)
                {
                    return true;
                }

                var dead = run.ReadDeadLetters().Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
                if (run.PoisonLog.All(p => dead.Contains(p.Key)))
                {
                    return true;
                }
            }

            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"   catching up: {unhandled} of {published} not handled yet");
            }

            await Task.Delay(250, ct);
        }

        return false;
    }

    private static string Table(List<Verdict> verdicts, string mode, int seed, TimeSpan elapsed, string? plantedBug)
    {
        var s = new System.Text.StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"Fault runner, {mode} mode, seed {seed}, {elapsed.TotalMinutes:0.0} min, {DateTime.UtcNow:yyyy-MM-dd}{(plantedBug is null ? "" : $", planted bug {plantedBug}")}");
        s.AppendLine();
        s.AppendLine("| scenario | seed | time | faults injected | published | handled | lost | in no log | reordered | concurrent | duplicates | duplicate effects | poison → DLQ | crashes | assignments | max recovery after kill | verdict |");
        s.AppendLine("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var v in verdicts)
        {
            s.AppendLine(CultureInfo.InvariantCulture,
                $"| {v.Scenario} | {v.Seed} | {v.Elapsed.TotalSeconds:0} s | {v.Faults} | {v.Published:N0} | {v.Handled:N0} | {v.Lost} | {v.UnwrittenRecords} | {v.PartitionOrderViolations + v.KeyOrderViolations} | {v.ConcurrentHandlings} | {v.Duplicates:N0} | {(v.DuplicateEffects is { } de ? de.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {(v.PoisonSent == 0 ? "-" : $"{v.PoisonDeadLettered}/{v.PoisonSent}")} | {v.Crashes} | {v.Assignments} | {(v.MaxRecoveryAfterKill is { } r ? $"{r.TotalSeconds:0.0} s" : "-")} | {(v.Failed ? "**FAILED**" : "passed")} |");
        }

        s.AppendLine(CultureInfo.InvariantCulture,
            $"| **total** | | {verdicts.Sum(v => v.Elapsed.TotalSeconds):0} s | {verdicts.Sum(v => v.Kills)} kills, {verdicts.Sum(v => v.BrokerOutages)} broker outages | {verdicts.Sum(v => v.Published):N0} | {verdicts.Sum(v => v.Handled):N0} | {verdicts.Sum(v => v.Lost)} | {verdicts.Sum(v => v.UnwrittenRecords)} | {verdicts.Sum(v => v.PartitionOrderViolations + v.KeyOrderViolations)} | {verdicts.Sum(v => v.ConcurrentHandlings)} | {verdicts.Sum(v => v.Duplicates):N0} | {verdicts.Sum(v => v.DuplicateEffects ?? 0):N0} | {verdicts.Sum(v => v.PoisonDeadLettered)}/{verdicts.Sum(v => v.PoisonSent)} | {verdicts.Sum(v => v.Crashes)} | {verdicts.Sum(v => v.Assignments)} | | |");
        return s.ToString();
    }
}
