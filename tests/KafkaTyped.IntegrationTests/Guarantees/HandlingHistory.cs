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
    /// <returns>How many handler calls were re-deliveries.</returns>
    public static int AssertAtLeastOnceInPartitionOrder(IReadOnlyList<Handled> handled, int count)
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
                    Assert.True(h.Offset == previous.Offset + 1, $"partition {partition.Key}: host {h.Generation} handled offset {h.Offset} right after {previous.Offset}");
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
}
