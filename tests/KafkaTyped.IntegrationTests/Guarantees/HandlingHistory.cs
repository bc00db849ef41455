using System.Text.RegularExpressions;
using KafkaTyped.IntegrationTests.Messaging;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>Checks a recorded handling history against the at-least-once and per-partition order guarantees.</summary>
public static class HandlingHistory
{
    /// <summary>
    /// Asserts, for a topic whose partitions were filled from offset 0 by one idempotent producer publishing sequences in
    /// ascending order, over a history recorded in the global order of handler calls (across hosts):
    /// <list type="bullet">
    /// <item>every sequence 0..count-1 was handled at least once;</item>
    /// <item>no gap: a partition's handled offsets never jump past the next offset not handled yet;</item>
    /// <item>within one host's run of a partition, offsets go up one by one (a host never skips or goes back while it owns
    /// the partition), so any re-delivery is the replay of a suffix starting where a new owner resumed;</item>
    /// <item>a re-delivered offset carries the same message as its first delivery;</item>
    /// <item>after removing re-deliveries, each partition's handled sequences are in publish (ascending) order.</item>
    /// </list>
    /// </summary>
    /// <param name="handled">The history.</param>
    /// <param name="count">The sequences published.</param>
    /// <param name="sameHostReplays">
    /// Whether a host may go back within its run of a partition: under an eager assignor a host gives every partition up
    /// on each rebalance and may get one back at once, resuming at its last successful commit (a revoke commit the group
    /// refused while rebalancing leaves it behind what the host handled). It still never skips forward.
    /// </param>
    /// <returns>How many handler calls were re-deliveries.</returns>
    public static int AssertAtLeastOnceInPartitionOrder(IReadOnlyList<Handled> handled, int count, bool sameHostReplays = false)
    {
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), handled.Select(h => h.Sequence).Distinct().Order());

        var duplicates = 0;
        foreach (var partition in handled.GroupBy(h => h.Partition))
        {
            long next = 0;
            var firstDelivery = new Dictionary<long, long>();
            Handled? previous = null;
            foreach (var h in partition)
            {
                Assert.True(h.Offset <= next, $"partition {partition.Key}: offset {h.Offset} handled (host {h.Generation}) while {next} was never handled: a gap");
                if (previous is not null && previous.Generation == h.Generation)
                {
                    Assert.True(
                        h.Offset == previous.Offset + 1 || (sameHostReplays && h.Offset <= previous.Offset),
                        $"partition {partition.Key}: host {h.Generation} handled offset {h.Offset} right after {previous.Offset}");
                }

                if (h.Offset == next)
                {
                    firstDelivery[h.Offset] = h.Sequence;
                    next++;
                }
                else
                {
                    duplicates++;
                    Assert.Equal(firstDelivery[h.Offset], h.Sequence);
                }

                previous = h;
            }

            var sequences = firstDelivery.OrderBy(p => p.Key).Select(p => p.Value).ToList();
            Assert.True(sequences.SequenceEqual(sequences.Order()), $"partition {partition.Key} handled out of publish order: {string.Join(", ", sequences.Take(50))}");
        }

        return duplicates;
    }

    /// <summary>
    /// Asserts the bound on re-deliveries when a partition moves: the new owner resumes exactly at the offset its
    /// predecessor last committed successfully (read from the predecessor's Debug log 218), so what is handled twice is
    /// exactly what the predecessor completed after that commit. A predecessor whose final commit was refused (the group
    /// was rebalancing) causes re-deliveries; one whose final commit went through causes none.
    /// </summary>
    /// <param name="handled">The history, in the global order of handler calls; hosts are told apart by Generation.</param>
    /// <param name="logsByHost">Each host's captured logs (at Debug), by the host's Generation.</param>
    /// <returns>A line per move for the test output.</returns>
    public static IReadOnlyList<string> AssertMovesResumeAtLastCommit(IReadOnlyList<Handled> handled, IReadOnlyDictionary<int, LogCapture> logsByHost)
    {
        var lastCommitted = logsByHost.ToDictionary(h => h.Key, h => LastCommitted(h.Value));
        var moves = new List<string>();
        foreach (var partition in handled.GroupBy(h => h.Partition))
        {
            Handled? previous = null;
            foreach (var h in partition)
            {
                if (previous is not null && previous.Generation != h.Generation)
                {
                    var committed = lastCommitted[previous.Generation].GetValueOrDefault(partition.Key, 0);
                    Assert.True(
                        h.Offset == committed,
                        $"partition {partition.Key} moved from host {previous.Generation} (last handled {previous.Offset}, last committed {committed}) to host {h.Generation}, which resumed at {h.Offset}");
                    moves.Add($"p{partition.Key}: host {previous.Generation} handled to {previous.Offset} and committed {committed}; host {h.Generation} resumed at {h.Offset} ({previous.Offset + 1 - h.Offset} handled again)");
                }

                previous = h;
            }
        }

        return moves;
    }

    private static Dictionary<int, long> LastCommitted(LogCapture logs)
    {
        var committed = new Dictionary<int, long>();
        foreach (var entry in logs.WithEventId(218))
        {
            foreach (Match match in Regex.Matches((string)entry["Offsets"]!, @"\[\[(\d+)\]\] @(\d+)"))
            {
                var partition = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                var offset = long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                committed[partition] = Math.Max(committed.GetValueOrDefault(partition), offset);
            }
        }

        return committed;
    }
}
