using System.Globalization;

namespace KafkaTyped.FaultRunner;

/// <summary>The judgement of one scenario, from its ledger, its dead-letter topic and its processes.</summary>
public sealed record Verdict
{
    public required string Scenario { get; init; }
    public required int Seed { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required string Faults { get; init; }
    public int Kills { get; init; }
    public int BrokerOutages { get; init; }
    public long Published { get; init; }
    public long Handled { get; init; }
    public long Lost { get; init; }

    /// <summary>Acknowledged records in no log: confirmed implicitly by the client and absent from a fully handled partition (see <see cref="Unwritten"/>).</summary>
    public long UnwrittenRecords { get; init; }
    public long PartitionOrderViolations { get; init; }
    public long KeyOrderViolations { get; init; }
    public long Duplicates { get; init; }
    public long ConcurrentHandlings { get; init; }
    public long PoisonSent { get; init; }
    public long PoisonDeadLettered { get; init; }
    public long ValidDeadLettered { get; init; }
    public long Crashes { get; init; }
    public long Assignments { get; init; }
    public long PublishFailures { get; init; }
    public TimeSpan? MaxRecoveryAfterKill { get; init; }

    /// <summary>Deduplication scenarios: messages whose effect was committed more than once (must be 0), and the extra effects.</summary>
    public long? DuplicateEffects { get; init; }

    /// <summary>Deduplication scenarios: published messages without a committed effect (must be 0).</summary>
    public long MissingEffects { get; init; }
    public List<string> Notes { get; init; } = [];

    public bool Failed => Lost > 0 || DuplicateEffects > 0 || MissingEffects > 0 || PartitionOrderViolations > 0 || KeyOrderViolations > 0 || ConcurrentHandlings > 0
        || PoisonDeadLettered < PoisonSent || ValidDeadLettered > 0 || Crashes > 0 || Notes.Any(n => n.StartsWith("FAIL", StringComparison.Ordinal));

    /// <summary>Judges the ledger of <paramref name="run"/> once every process stopped.</summary>
    public static Verdict Judge(ScenarioRun run, TimeSpan elapsed, List<(string? Key, string? Reason)> deadLetters, List<string> notes)
    {
        var published = run.Ledger.Published();
        var handled = run.Ledger.Handled();
        var events = run.Ledger.Events();
        var handledIds = handled.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        var unhandled = published.Where(p => !handledIds.Contains(p.Id)).ToList();
        var unwritten = Unwritten(run, unhandled);
        var lost = unhandled.Except(unwritten).ToList();
        if (unwritten.Count > 0)
        {
            notes.Add($"note {unwritten.Count} acknowledged record(s) are in no log, e.g. {string.Join(", ", unwritten.Take(5).Select(u => $"{u.Id} ([{u.Partition}])"))}: "
                + "the client confirmed them without an offset, after a request whose outcome it did not learn, because a later request of their partition succeeded; "
                + "a broker accepts that only after the earlier one, but the embedded cluster does not check a non-transactional producer's sequence numbers, and every offset of their partitions was handled");
        }

        if (lost.Count > 0)
        {
            notes.Add($"FAIL lost, e.g. {string.Join(", ", lost.Take(5).Select(l => $"{l.Id} ({l.Key}#{l.Sequence})"))}");

            // Still lost, but say why when the log no longer holds them: the embedded cluster keeps about 5 MiB per
            // partition and drops the oldest batches beyond it, so a group that falls that far behind is reset to the
            // log's start (auto.offset.reset=earliest) past records it never read.
            var ranges = run.LogRanges();
            var deleted = lost.Where(l => l.Offset >= 0 && ranges.TryGetValue(l.Partition, out var range) && l.Offset < range.Low).ToList();
            if (deleted.Count > 0)
            {
                notes.Add($"note {deleted.Count} of the lost records lie below their partition's log start "
                    + $"({string.Join(", ", deleted.GroupBy(d => d.Partition).Select(g => $"[{g.Key}] offsets {g.Min(d => d.Offset)}-{g.Max(d => d.Offset)}, log from {ranges[g.Key].Low}"))}): "
                    + "the embedded cluster deleted them (about 5 MiB per partition) while the group was that far behind");
            }
        }

        // Order, within one uninterrupted run: one member process between two changes of its assignment.
        long partitionOrder = 0, keyOrder = 0;
        foreach (var segment in handled.GroupBy(h => (h.Run, h.Generation, h.Partition)))
        {
            var last = -1L;
            foreach (var h in segment)
            {
                if (h.Offset <= last)
                {
                    if (partitionOrder++ < 5)
                    {
                        notes.Add($"FAIL partition order: run {h.Run} generation {h.Generation} handled [{h.Partition}]@{h.Offset} after @{last}");
                    }
                }

                last = h.Offset;
            }
        }

        foreach (var segment in handled.GroupBy(h => (h.Run, h.Generation, h.Key)))
        {
            var seen = new HashSet<long>();
            var max = -1L;
            foreach (var h in segment)
            {
                // A record seen again is a duplicate (the embedded cluster does not remove an idempotent producer's
                // retried batches); a record seen for the first time after a later one of its key is a reordering.
                if (h.Sequence < max && !seen.Contains(h.Sequence) && keyOrder++ < 5)
                {
                    notes.Add($"FAIL key order: run {h.Run} handled {h.Key}#{h.Sequence} after #{max}");
                }

                seen.Add(h.Sequence);
                max = Math.Max(max, h.Sequence);
            }
        }

        // Concurrent handling: two runs handling one partition at overlapping times.
        long concurrent = 0;
        foreach (var partition in handled.GroupBy(h => h.Partition))
        {
            var endByRun = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var h in partition.OrderBy(h => h.Start))
            {
                foreach (var (other, end) in endByRun)
                {
                    if (other != h.Run && end > h.Start)
                    {
                        if (concurrent++ < 5)
                        {
                            notes.Add($"FAIL concurrent: [{h.Partition}]@{h.Offset} by {h.Run} started {TimeSpan.FromTicks(end - h.Start).TotalMilliseconds:0.0} ms before {other} finished a handling{GroupEventsNear(events, other, h.Start)}");
                        }

                        break;
                    }
                }

                endByRun[h.Run] = Math.Max(endByRun.GetValueOrDefault(h.Run), h.End);
            }
        }

        // Poison: every hostile record on the dead-letter topic with its reason; no valid record there.
        var dead = deadLetters.Where(d => d.Key is not null).GroupBy(d => d.Key!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Reason).ToList(), StringComparer.Ordinal);
        var poisonKeys = run.PoisonLog.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var poisonOk = run.PoisonLog.Count(p => dead.TryGetValue(p.Key, out var reasons) && reasons.Contains(p.Reason));
        foreach (var p in run.PoisonLog.Where(p => !(dead.TryGetValue(p.Key, out var reasons) && reasons.Contains(p.Reason))).Take(5))
        {
            notes.Add($"FAIL poison {p.Key} not dead-lettered as {p.Reason}{(dead.TryGetValue(p.Key, out var r) ? $" (found: {string.Join(",", r)})" : "")}");
        }

        var validDead = deadLetters.Count(d => d.Key is null || !poisonKeys.Contains(d.Key));
        if (validDead > 0)
        {
            notes.Add($"FAIL {validDead} valid record(s) on the dead-letter topic");
        }

        // Crashes: exits the runner did not cause, graceful stops that failed or hung, fatal group events.
        var crashes = 0L;
        foreach (var child in run.EveryChild.Where(c => c != run.Producer && (c.Crashed || c.StopTimedOut)))
        {
            crashes++;
            notes.Add($"FAIL {child.Name} {(child.StopTimedOut ? "did not stop in time" : $"exited {child.ExitCode}")}:{Environment.NewLine}{child.Tail}{CrashStack(run.CrashReportOf(child.Name))}");
        }

        var fatal = events.Where(e => e.Event is RunnerEvents.ConsumerFatal or RunnerEvents.LaneFailed).ToList();
        crashes += fatal.Count;
        notes.AddRange(fatal.Take(5).Select(e => $"FAIL {e.Run}: event {e.Event} {e.Text}"));
        foreach (var e in events.Where(e => e.Event == RunnerEvents.OffsetWentBack).Take(5))
        {
            notes.Add($"note {e.Run}: event 223 {e.Text}");
        }

        // Deduplication: every published message's effect committed exactly once, however often it was delivered.
        long? duplicateEffects = null;
        long missingEffects = 0;
        if (run.InboxPath is not null)
        {
            var effects = run.Effects();
            duplicateEffects = effects.Values.Sum(n => n - 1L);
            foreach (var (id, n) in effects.Where(e => e.Value > 1).Take(5))
            {
                notes.Add($"FAIL effect of {id} committed {n} times");
            }

            var missing = published.Where(p => !effects.ContainsKey(p.Id)).ToList();
            missingEffects = missing.Count;
            if (missing.Count > 0)
            {
                notes.Add($"FAIL no effect committed for {missing.Count} published, e.g. {string.Join(", ", missing.Take(5).Select(m => m.Id))}");
            }
        }

        var publishFailures = 0L;
        if (run.Producer is { HasExited: true, ExitCode: not 0 } producer)
        {
            publishFailures = producer.ExitCode == 4 ? CountFailures(producer.Tail) : 1;
            notes.Add($"note the producer exited {producer.ExitCode}: publishes the broker did not acknowledge are not expected (last output: {producer.Tail.Split(Environment.NewLine).LastOrDefault()})");
        }

        return new Verdict
        {
            Scenario = run.Definition.Name,
            Seed = run.Seed,
            Elapsed = elapsed,
            Faults = run.Faults.ToString(),
            Kills = run.Faults.Kills,
            BrokerOutages = run.Faults.BrokerOutages,
            Published = published.Count,
            Handled = handledIds.Count,
            Lost = lost.Count,
            UnwrittenRecords = unwritten.Count,
            PartitionOrderViolations = partitionOrder,
            KeyOrderViolations = keyOrder,
            Duplicates = handled.Count - handledIds.Count,
            ConcurrentHandlings = concurrent,
            PoisonSent = run.PoisonLog.Count,
            PoisonDeadLettered = poisonOk,
            ValidDeadLettered = validDead,
            Crashes = crashes,
            Assignments = events.Count(e => e.Event == RunnerEvents.PartitionsAssigned),
            PublishFailures = publishFailures,
            MaxRecoveryAfterKill = MaxRecovery(run, handled),
            DuplicateEffects = duplicateEffects,
            MissingEffects = missingEffects,
            Notes = notes,
        };
    }

    /// <summary>
    /// The records of <paramref name="unhandled"/> that are in no log of the topic, so no consumer could handle them: the
    /// client confirmed them implicitly (without an offset) and every offset of their partition was handled or holds a
    /// hostile record. librdkafka's idempotent producer confirms a request whose outcome it did not learn (a timeout, a
    /// dropped connection) when a later request of the same partition succeeds, because a broker refuses a gap in a
    /// producer's sequence numbers; the embedded cluster checks them only for transactional producers, so it may append the
    /// later request without the earlier one. A missing record with an offset, or in a partition not fully handled, is lost.
    /// </summary>
    public static List<PublishedRecord> Unwritten(ScenarioRun run, IReadOnlyCollection<PublishedRecord> unhandled)
    {
        var candidates = unhandled.Where(u => u.Implicit).ToList();
        if (candidates.Count == 0)
        {
            return candidates;
        }

        var ranges = run.LogRanges();
        var accounted = new Dictionary<int, bool>();
        return candidates.Where(c => accounted.TryGetValue(c.Partition, out var a) ? a : accounted[c.Partition] = Accounted(c.Partition)).ToList();

        bool Accounted(int partition)
            => ranges.TryGetValue(partition, out var range)
                && run.Ledger.HandledOffsetCount(partition, range.Low) + run.PoisonLog.Count(p => p.Partition == partition) == range.High - range.Low;
    }

    /// <summary>
    /// What the group told <paramref name="run"/> in the 10 s before <paramref name="time"/> (assignments, revocations,
    /// losses, refused commits), to tell a member that kept handling after its session expired from one that did not wait
    /// at a revocation.
    /// </summary>
    private static string GroupEventsNear(List<(string Run, int Event, long Time, string Text)> events, string run, long time)
    {
        var near = events.Where(e => e.Run == run && e.Time <= time && e.Time > time - (10 * TimeSpan.TicksPerSecond)
            && e.Event is RunnerEvents.PartitionsAssigned or RunnerEvents.PartitionsRevoked or RunnerEvents.PartitionsLost
                or RunnerEvents.CommitFailed or RunnerEvents.CommitRetrying
                or RunnerEvents.MembershipUnconfirmed or RunnerEvents.MembershipConfirmed or RunnerEvents.MembershipRejoining).ToList();
        return near.Count == 0
            ? $" ({run}: no assignment change or refused commit in the 10 s before)"
            : $" ({run} before: {string.Join("; ", near.TakeLast(4).Select(e => $"{e.Event} {TimeSpan.FromTicks(time - e.Time).TotalMilliseconds:0} ms earlier"))})";
    }

    /// <summary>
    /// After each kill, the time until every partition the killed run had handled was handled again by some run: the
    /// longest over the kills (kills after which no record of such a partition came are left out).
    /// </summary>
    private static TimeSpan? MaxRecovery(ScenarioRun run, List<Handling> handled)
    {
        TimeSpan? max = null;
        var byPartition = handled.GroupBy(h => h.Partition).ToDictionary(g => g.Key, g => g.Select(h => h.Start).Order().ToArray());
        foreach (var (victim, time) in run.KillLog)
        {
            var partitions = handled.Where(h => h.Run == victim && h.End > time - TimeSpan.TicksPerSecond).Select(h => h.Partition).Distinct();
            foreach (var p in partitions)
            {
                var starts = byPartition[p];
                var i = Array.BinarySearch(starts, time);
                i = i < 0 ? ~i : i;
                if (i < starts.Length)
                {
                    var recovery = TimeSpan.FromTicks(starts[i] - time);
                    max = max is null || recovery > max ? recovery : max;
                }
            }
        }

        return max;
    }

    /// <summary>The crashing thread's frames from the runtime's crash report (<c>DOTNET_EnableCrashReport</c>), if there is one.</summary>
    private static string CrashStack(string? report)
    {
        if (report is null)
        {
            return "";
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
            var text = new System.Text.StringBuilder($"{Environment.NewLine}     crash report {report}");
            foreach (var thread in json.RootElement.GetProperty("payload").GetProperty("threads").EnumerateArray())
            {
                if (thread.TryGetProperty("crashed", out var crashed) && crashed.ToString() == "true")
                {
                    foreach (var frame in thread.GetProperty("stack_frames").EnumerateArray().Take(60))
                    {
                        // Managed frames name their method and assembly; native ones their module, and a symbol or an offset in it.
                        var method = Field(frame, "method_name") ?? Field(frame, "unmanaged_name") ?? "+" + Field(frame, "native_image_offset");
                        var module = Path.GetFileName(Field(frame, "filename") ?? Field(frame, "native_module") ?? "?");
                        text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}       {module}!{method}");
                    }
                }
            }

            return text.ToString();
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"{Environment.NewLine}     crash report {report} (unreadable: {ex.Message})";
        }
    }

    private static string? Field(System.Text.Json.JsonElement element, string name)
        => element.TryGetProperty(name, out var value) ? value.ToString() : null;

    private static long CountFailures(string tail)
    {
        var line = tail.Split(Environment.NewLine).LastOrDefault(l => l.StartsWith("producer done:", StringComparison.Ordinal));
        var parts = line?.Split(' ');
        return parts is { Length: > 4 } && long.TryParse(parts[4], out var failed) ? failed : 1;
    }
}
