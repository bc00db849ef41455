using KafkaTyped.Consuming;

namespace KafkaTyped.Tests.Consuming;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void Nothing_registered_has_nothing_to_commit()
    {
        var tracker = new OffsetTracker();
        Assert.Equal(-1, tracker.Committable);
    }

    [Fact]
    public void In_order_completion_commits_one_past_the_last_completed()
    {
        var tracker = new OffsetTracker();
        for (long o = 10; o < 15; o++)
        {
            tracker.Register(o);
        }

        Assert.Equal(10, tracker.Committable);
        Assert.True(tracker.Complete(10));
        Assert.True(tracker.Complete(11));
        Assert.Equal(12, tracker.Committable);
        tracker.Complete(12);
        tracker.Complete(13);
        tracker.Complete(14);
        Assert.Equal(15, tracker.Committable);
        Assert.Equal(0, tracker.InFlight);
    }

    [Fact]
    public void Out_of_order_completion_never_commits_past_an_unfinished_offset()
    {
        var tracker = new OffsetTracker();
        for (long o = 0; o < 5; o++)
        {
            tracker.Register(o);
        }

        Assert.False(tracker.Complete(3));
        Assert.False(tracker.Complete(1));
        Assert.False(tracker.Complete(4));
        Assert.Equal(0, tracker.Committable);

        Assert.True(tracker.Complete(0));
        Assert.Equal(2, tracker.Committable);

        Assert.True(tracker.Complete(2));
        Assert.Equal(5, tracker.Committable);
    }

    [Fact]
    public void Gaps_in_offsets_are_skipped()
    {
        // Compaction and transaction markers leave holes: 6 and 8..9 are never delivered.
        var tracker = new OffsetTracker();
        tracker.Register(5);
        tracker.Register(7);
        tracker.Register(10);

        tracker.Complete(5);
        Assert.Equal(7, tracker.Committable);
        tracker.Complete(10);
        Assert.Equal(7, tracker.Committable);
        tracker.Complete(7);
        Assert.Equal(11, tracker.Committable);

        // A new record after everything completed becomes the committable offset while it is in flight.
        tracker.Register(20);
        Assert.Equal(20, tracker.Committable);
    }

    [Fact]
    public void Unknown_and_repeated_completions_are_ignored()
    {
        var tracker = new OffsetTracker();
        tracker.Register(1);
        tracker.Register(2);
        Assert.False(tracker.Complete(99));
        Assert.True(tracker.Complete(1));
        Assert.False(tracker.Complete(1));
        Assert.Equal(2, tracker.Committable);
    }

    [Fact]
    public void A_rewind_keeps_older_offsets_in_flight_and_ignores_late_completions_of_the_offsets_it_replaced()
    {
        var tracker = new OffsetTracker();
        for (long o = 0; o < 10; o++)
        {
            Assert.True(tracker.Register(o, null, out var first));
            Assert.Equal(0, first);
        }

        tracker.Complete(0, 0);
        tracker.Complete(1, 0);
        tracker.Complete(2, 0);
        Assert.Equal(3, tracker.Committable);

        Assert.True(tracker.Register(5, null, out var rewound));
        Assert.NotEqual(0, rewound);
        Assert.Equal(3, tracker.InFlight); // 3 and 4 from before, 5 anew
        Assert.False(tracker.Complete(7, 0)); // replaced by the rewind
        Assert.Equal(3, tracker.Committable);
        tracker.Complete(3, 0);
        tracker.Complete(4, 0);
        Assert.Equal(5, tracker.Committable);
        Assert.False(tracker.Complete(5, 0)); // the old record at 5 finishing late does not complete the new one
        Assert.Equal(5, tracker.Committable);
        Assert.True(tracker.Complete(5, rewound));
        Assert.Equal(6, tracker.Committable);
    }

    [Fact]
    public void A_closed_tracker_refuses_registrations()
    {
        var tracker = new OffsetTracker();
        Assert.True(tracker.Register(5));
        tracker.Close();
        Assert.False(tracker.Register(6));
    }

    [Fact]
    public void Revoke_freezes_the_committable_offset()
    {
        var tracker = new OffsetTracker();
        tracker.Register(0);
        tracker.Register(1);
        tracker.Register(2);
        tracker.Complete(0);

        Assert.Equal(1, tracker.Close());

        // A handler that finishes after the partition was revoked must not move the offset of a partition we no longer own.
        Assert.False(tracker.Complete(1));
        tracker.Register(3);
        Assert.Equal(1, tracker.Committable);
    }

    [Fact]
    public void Many_in_flight_offsets_completed_in_reverse_order()
    {
        var tracker = new OffsetTracker();
        const int count = 1000; // beyond the initial ring size, with the ring wrapped
        tracker.Register(0);
        tracker.Complete(0);
        for (long o = 1; o <= count; o++)
        {
            tracker.Register(o * 2);
        }

        for (long o = count; o >= 2; o--)
        {
            tracker.Complete(o * 2);
            Assert.Equal(2, tracker.Committable);
        }

        tracker.Complete(2);
        Assert.Equal((count * 2) + 1, tracker.Committable);
    }

    [Fact]
    public void Random_completion_order_commits_exactly_the_contiguous_prefix()
    {
        var random = new Random(1234);
        var tracker = new OffsetTracker();
        const int count = 500;
        for (long o = 0; o < count; o++)
        {
            tracker.Register(o);
        }

        var order = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();
        var done = new bool[count];
        foreach (var offset in order)
        {
            tracker.Complete(offset);
            done[offset] = true;
            var expected = Array.IndexOf(done, false) is var firstOpen and >= 0 ? firstOpen : count;
            Assert.Equal(expected, tracker.Committable);
        }
    }

    [Fact]
    public void A_rewind_below_completed_offsets_resets_the_partition_so_the_new_records_are_tracked_and_committed()
    {
        // Log truncation (unclean leader election, KIP-320 epoch truncation, a recreated topic, an offset reset) hands
        // out new records at offsets already seen: they must be handled, and the commit must not pass them.
        var tracker = new OffsetTracker();
        for (long o = 0; o < 10; o++)
        {
            Assert.True(tracker.Register(o));
            tracker.Complete(o);
        }

        Assert.Equal(10, tracker.Committable);
        Assert.True(tracker.Register(5));
        Assert.Equal(5, tracker.Committable);
        Assert.True(tracker.Register(6));
        tracker.Complete(5);
        Assert.Equal(6, tracker.Committable);
        tracker.Complete(6);
        Assert.Equal(7, tracker.Committable);
    }

    [Fact]
    public void The_committable_position_carries_the_leader_epoch_of_the_record_at_or_before_it()
    {
        var tracker = new OffsetTracker();
        Assert.Equal((-1L, (int?)null), tracker.CommittablePosition);
        tracker.Register(0, 3, out var generation);
        tracker.Register(1, 4, out _);
        Assert.Equal((0L, (int?)3), tracker.CommittablePosition); // the record in flight at the committable offset
        tracker.Complete(0, generation);
        Assert.Equal((1L, (int?)4), tracker.CommittablePosition);
        tracker.Complete(1, generation);
        Assert.Equal((2L, (int?)4), tracker.CommittablePosition); // one past the last completed, with its epoch
    }
}
