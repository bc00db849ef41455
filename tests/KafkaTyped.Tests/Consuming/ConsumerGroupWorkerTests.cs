using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KafkaTyped.Tests.Consuming;

/// <summary>
/// The worker driven by a fake consumer (a stand-in for librdkafka that replays a script on the poll thread, raising
/// the rebalance callbacks from inside Consume as the client does), so rebalance sequences are exact and repeatable.
/// The embedded-cluster tests cover the same paths against the real client.
/// </summary>
public sealed class ConsumerGroupWorkerTests
{
    private static readonly TopicPartition s_p0 = new("orders", 0);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_paused_partition_revoked_and_assigned_again_is_resumed_on_release_and_paused_afresh_when_full_again()
    {
        var consumer = new FakeConsumer();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new GatedProcessor(gate);
        var worker = CreateWorker(consumer, processor, laneCapacity: 4);
        worker.Start();

        // Assigned, then filled while the handler is blocked: paused once.
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 6);
        await Records.WaitUntil(() => consumer.PauseCalls == 1 && consumer.IsPaused(s_p0) && consumer.Pending.IsEmpty, "the full partition was paused");

        // Revoked while paused: released resumed (librdkafka keeps the application's pause flag across assignments).
        consumer.Revoke(s_p0);
        await Records.WaitUntil(() => consumer.ResumeCalls == 1 && !consumer.IsPaused(s_p0), "the revoked partition was resumed");
        Assert.Empty(processor.Completed);
        Assert.All(consumer.Commits, commit => Assert.Equal(0, commit.Single().Offset.Value)); // nothing completed: nothing past 0

        // Assigned back: fresh state (not paused, nothing buffered), records from the committed offset, full again: paused again.
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 6);
        await Records.WaitUntil(() => consumer.PauseCalls == 2 && consumer.IsPaused(s_p0), "the partition was paused again once full");
        var status = Assert.Single(worker.Partitions);
        Assert.True(status.Paused);
        Assert.Equal(6, status.Buffered);

        // Drained: resumed once, everything handled in order, committed on the stop.
        gate.SetResult();
        await Records.WaitUntil(() => consumer.ResumeCalls == 2 && !consumer.IsPaused(s_p0) && !consumer.Seeks.IsEmpty, "the drained partition was resumed and sought");

        // Resumed where it stopped dispatching: librdkafka dropped what it had prefetched when it paused, and a seek makes
        // it fetch again at once instead of on its next fetch cycle. The release on revoke is not a resume to read from.
        var seek = Assert.Single(consumer.Seeks);
        Assert.Equal(s_p0, seek.TopicPartition);
        Assert.Equal(6, seek.Offset.Value);
        await Records.WaitUntil(() => processor.Completed.Count == 6, "every record handled");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);

        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], processor.Completed);
        Assert.Equal(6, consumer.Commits.Last().Single(o => o.TopicPartition == s_p0).Offset.Value);
        Assert.Equal(2, consumer.PauseCalls);
        Assert.Equal(2, consumer.ResumeCalls);
    }

    [Fact]
    public async Task A_revoked_partition_commits_what_completed_and_a_lost_one_commits_nothing()
    {
        var consumer = new FakeConsumer();
        var processor = new GatedProcessor(gate: null);
        var worker = CreateWorker(consumer, processor, laneCapacity: 100);
        worker.Start();

        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 3);
        await Records.WaitUntil(() => processor.Completed.Count == 3, "three records handled");
        consumer.Revoke(s_p0);
        await Records.WaitUntil(() => consumer.Commits.Count == 1, "the revoke committed");
        Assert.Equal(3, consumer.Commits[0].Single().Offset.Value);

        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 3, 2);
        await Records.WaitUntil(() => processor.Completed.Count == 5, "two more handled");
        consumer.Lose(s_p0);
        await Records.WaitUntil(() => worker.Partitions.Count == 0, "the lost partition was released");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
        Assert.Single(consumer.Commits);
    }

    [Fact]
    public async Task A_partition_whose_handlers_merely_lag_the_fetcher_is_not_paused_over_and_over()
    {
        // 400 records ready at once against a lane of 4: the lane is full again after every second record. Each pause
        // drops librdkafka's prefetch and costs a fetch on resume, so a lane that drains within the grace is waited
        // for instead; pausing on every fill pauses it 100 times here.
        var consumer = new FakeConsumer { HonoursPause = true };
        var processor = new GatedProcessor(gate: null);
        var worker = CreateWorker(consumer, processor, laneCapacity: 4);
        worker.Start();
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 400);

        await Records.WaitUntil(() => processor.Completed.Count == 400, "every record handled");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), processor.Completed);
        Assert.InRange(consumer.PauseCalls, 0, 10);
    }

    [Fact]
    public async Task A_revoke_raised_inside_a_burst_of_polls_lets_go_of_the_records_dispatched_in_it_unhandled()
    {
        // The worker polls on without waiting while records are ready and hands the admitted ones to its executor at the
        // end of the burst. A revoke the client raises from one of those polls must find them not started: handled
        // after it, they would be handled by a member that gave the partition up, beside its new owner.
        var consumer = new FakeConsumer();
        var processor = new GatedProcessor(gate: null);
        var worker = CreateWorker(consumer, processor, laneCapacity: 100);
        worker.Start();
        consumer.Assign(s_p0);
        await Records.WaitUntil(() => worker.Partitions.Count == 1, "the partition assigned");

        consumer.DeliverThenRevoke(s_p0, 0, 3);
        await Records.WaitUntil(() => worker.Partitions.Count == 0 && consumer.Commits.Count == 1, "the revoke inside the burst");
        Assert.Empty(processor.Completed);
        Assert.All(consumer.Commits[0], commit => Assert.Equal(0, commit.Offset.Value));

        // The next owner (here the same member, assigned back) handles each record once, from the committed offset.
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 3);
        await Records.WaitUntil(() => processor.Completed.Count == 3, "the records handled after the reassignment");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
        Assert.Equal([0L, 1L, 2L], processor.Completed);
    }

    [Fact]
    public async Task A_member_whose_commits_go_unaccepted_past_the_lease_starts_no_handler_call_until_one_is_accepted()
    {
        // The coordinator drops a member it has not heard from for session.timeout.ms and gives its partitions to others;
        // librdkafka notices only in a stable group, not while the member rejoins. Past three quarters of the session
        // without an accepted commit the member must stop starting handler calls, or it handles partitions beside their
        // new owners (the fault runner's broker outages showed two members on one partition for 2.5 s).
        var (worker, consumer, processor, time) = await HeldWorkerAsync(handled: 3);
        consumer.Deliver(s_p0, 3, 3);
        // One record of the partition is admitted at a time (partition order): the first waits at the hold, the others in the lane.
        await Records.WaitUntil(() => worker.WaitingForMembership == 1 && worker.Partitions.Single().Buffered == 3, "the three new records to wait");
        Assert.Equal([0L, 1L, 2L], processor.Completed);

        // An accepted commit confirms the membership: the records start, in order.
        consumer.ReportCommit(s_p0, 3, ErrorCode.NoError);
        await Records.WaitUntil(
            () => processor.Completed.Count == 6 && worker.State == ConsumerMemberState.Assigned && consumer.Stored.Any(o => o.Offset.Value == 6),
            "the held records handled and stored");
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], processor.Completed);

        // Held again; a refused commit is no confirmation, and a revoke lets the held records go unhandled.
        time.Advance(TimeSpan.FromSeconds(7.6));
        await Records.WaitUntil(() => worker.State == ConsumerMemberState.Joining, "the member to hold its handling again");
        consumer.ReportCommit(s_p0, 6, ErrorCode.RebalanceInProgress);
        consumer.Deliver(s_p0, 6, 2);
        await Records.WaitUntil(() => worker.WaitingForMembership == 1 && worker.Partitions.Single().Buffered == 2, "the two new records to wait");
        Assert.Equal(ConsumerMemberState.Joining, worker.State);

        // Still nothing accepted at one and a half sessions: the member leaves the group and joins again, as librdkafka
        // does when a stable member's session runs out; the revoke that follows releases the hold.
        Assert.Equal(0, consumer.Rejoins);
        time.Advance(TimeSpan.FromSeconds(7.5));
        await Records.WaitUntil(() => consumer.Rejoins == 1, "the member to rejoin the group");
        consumer.Revoke(s_p0);
        await Records.WaitUntil(() => worker.Partitions.Count == 0 && worker.WaitingForMembership == 0, "the revoke to release the hold");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], processor.Completed);
        Assert.Equal(6, consumer.Commits.Last().Single().Offset.Value);
    }

    [Fact]
    public async Task A_commit_refused_for_a_partition_of_its_own_confirms_the_membership()
    {
        // The coordinator checked the member and its generation, then refused the offset (the embedded cluster does so
        // for an offset whose leader epoch is older than the partition's, until records of the new epoch complete).
        // Holding the handling on it would never end: no new record completes while held.
        var (worker, consumer, processor, _) = await HeldWorkerAsync(handled: 1);
        consumer.ReportCommit(s_p0, 1, ErrorCode.FencedLeaderEpoch);
        consumer.Deliver(s_p0, 1, 1);
        await Records.WaitUntil(() => processor.Completed.Count == 2 && worker.State == ConsumerMemberState.Assigned, "the handling to go on");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
    }

    /// <summary>
    /// A worker on a 10 s session (a lease of 7.5 s) that handled and stored <paramref name="handled"/> records of p0 and
    /// then went 7.6 s without an accepted commit: it holds its handling.
    /// </summary>
    private static async Task<(ConsumerGroupWorker Worker, FakeConsumer Consumer, GatedProcessor Processor, FakeTimeProvider Time)> HeldWorkerAsync(int handled)
    {
        var time = new FakeTimeProvider();
        var consumer = new FakeConsumer();
        var processor = new GatedProcessor(gate: null);
        var worker = CreateWorker(consumer, processor, laneCapacity: 100, time, sessionTimeout: TimeSpan.FromSeconds(10));
        worker.Start();
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, handled);
        await Records.WaitUntil(() => processor.Completed.Count == handled && consumer.Stored.Any(o => o.Offset.Value == handled), "the records handled and stored");
        time.Advance(TimeSpan.FromSeconds(7.6));
        await Records.WaitUntil(() => worker.State == ConsumerMemberState.Joining, "the member to hold its handling");
        return (worker, consumer, processor, time);
    }

    [Fact]
    public async Task A_revoke_commit_refused_while_the_group_rebalances_is_not_retried_inside_the_rebalance()
    {
        // The member is inside the rebalance callback: the group waits for it to return and rejoin, so retrying there
        // only keeps it out of the rebalance (the embedded coordinator then completes it with the member's last reported
        // assignment and gives its partitions to another member while it still holds them).
        var consumer = new FakeConsumer();
        var processor = new GatedProcessor(gate: null);
        var worker = CreateWorker(consumer, processor, laneCapacity: 100);
        worker.Start();
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 3);
        await Records.WaitUntil(() => processor.Completed.Count == 3, "three records handled");

        consumer.RefuseCommits = ErrorCode.RebalanceInProgress;
        consumer.Revoke(s_p0);
        consumer.Assign(s_p0); // raised once the revoke returned: the poll thread runs one callback after the other
        await Records.WaitUntil(() => consumer.CommitAttempts > 0 && worker.Partitions.Count == 1, "the revoke to return");
        Assert.Equal(1, consumer.CommitAttempts);
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
    }

    [Theory]
    [InlineData(null, null, 1000, false, 33_750)]          // librdkafka's default session (45 s)
    [InlineData(2000, null, 500, false, 1500)]             // the fault runner's members
    [InlineData(10_000, null, 4000, false, 0)]             // two commits do not fit in the lease
    [InlineData(null, "consumer", 1000, false, 0)]         // KIP-848: the broker keeps the session
    [InlineData(null, null, 1000, true, 0)]                // exactly-once: transactions fence a dropped member
    public void The_membership_lease_is_three_quarters_of_the_session_where_commits_can_confirm_it(
        int? sessionTimeoutMs, string? groupProtocol, int commitIntervalMs, bool exactlyOnce, int expectedLeaseMs)
    {
        var config = new ConsumerConfig { GroupId = "g", SessionTimeoutMs = sessionTimeoutMs };
        if (groupProtocol is not null)
        {
            config.Set("group.protocol", groupProtocol);
        }

        var (_, lease) = ConsumerGroupWorker.MembershipLease(config, new ConsumerOptions { CommitInterval = TimeSpan.FromMilliseconds(commitIntervalMs) }, exactlyOnce);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedLeaseMs), lease);
    }

    private static ConsumerGroupWorker CreateWorker(FakeConsumer consumer, IRecordProcessor processor, int laneCapacity, TimeProvider? time = null, TimeSpan? sessionTimeout = null)
        => new(
            new ConsumerOptions { GroupId = "g", Topics = { "orders" }, LaneCapacity = laneCapacity, RevokeDrainTimeout = TimeSpan.FromMilliseconds(200), CommitBatchSize = time is null ? 1000 : 1 },
            new ConsumerConfig { GroupId = "g", SessionTimeoutMs = (int?)sessionTimeout?.TotalMilliseconds },
            processor,
            NullLogger.Instance,
            time ?? TimeProvider.System,
            onFatal: null,
            consumerFactory: new FakeConsumerFactory(consumer));

    private sealed class GatedProcessor(TaskCompletionSource? gate) : IRecordProcessor
    {
        private readonly List<long> _completed = [];

        public List<long> Completed
        {
            get
            {
                lock (_completed)
                {
                    return [.. _completed];
                }
            }
        }

        public async ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            if (gate is not null)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            lock (_completed)
            {
                _completed.Add(record.Offset.Value);
            }

            return MessageOutcome.Handled;
        }
    }

    private sealed class FakeConsumerFactory(FakeConsumer consumer) : IGroupConsumerFactory
    {
        public IGroupConsumer Create(ConsumerConfig config, GroupConsumerCallbacks callbacks, ILogger logger, string clientName)
        {
            consumer.Callbacks = callbacks;
            return consumer;
        }
    }

    /// <summary>
    /// Replays queued steps from Consume on the poll thread. Keeps the application's pause flags as librdkafka does:
    /// across leaving and rejoining the assignment. A paused partition delivers nothing further (what was fetched before
    /// the pause is delivered, as the client may).
    /// </summary>
    private sealed class FakeConsumer : IGroupConsumer
    {
        private readonly BlockingCollection<Action> _steps = [];
        private readonly ConcurrentQueue<Func<ConsumeResult<byte[], byte[]>?>> _burst = new();
        private readonly ConcurrentDictionary<TopicPartition, bool> _paused = new();
        private int _pauseCalls;
        private int _resumeCalls;

        public GroupConsumerCallbacks Callbacks { get; set; } = null!;

        /// <summary>Whether a paused partition's pending records wait for its resume (as a client that had fetched none yet).</summary>
        public bool HonoursPause { get; init; }

        public ConcurrentQueue<ConsumeResult<byte[], byte[]>> Pending { get; } = new();

        public List<List<TopicPartitionOffset>> Commits { get; } = [];

        public int PauseCalls => Volatile.Read(ref _pauseCalls);

        public int ResumeCalls => Volatile.Read(ref _resumeCalls);

        public bool IsPaused(TopicPartition partition) => _paused.TryGetValue(partition, out var paused) && paused;

        public void Assign(TopicPartition partition) => _steps.Add(() => Callbacks.Assigned([partition]));

        public void Revoke(TopicPartition partition) => _steps.Add(() => Callbacks.Revoked([new TopicPartitionOffset(partition, Offset.Unset)]));

        public void Lose(TopicPartition partition) => _steps.Add(() => Callbacks.Lost([new TopicPartitionOffset(partition, Offset.Unset)]));

        public void Deliver(TopicPartition partition, long from, int count)
        {
            for (var o = from; o < from + count; o++)
            {
                Pending.Enqueue(Records.At(partition.Topic, partition.Partition.Value, o));
            }
        }

        private int _rejoins;

        /// <summary>Unsubscribe calls followed by a subscribe: the worker leaving the group to join it again.</summary>
        public int Rejoins => Volatile.Read(ref _rejoins);

        public void Subscribe(IEnumerable<string> topics)
        {
        }

        public void Unsubscribe() => Interlocked.Increment(ref _rejoins);

        /// <summary>
        /// One step that delivers <paramref name="count"/> records from successive polls, the first of them waiting, and
        /// raises the partition's revoke from the poll after the last: all inside one burst of the worker's polls.
        /// </summary>
        public void DeliverThenRevoke(TopicPartition partition, long from, int count)
            => _steps.Add(() =>
            {
                for (var o = from; o < from + count; o++)
                {
                    var record = Records.At(partition.Topic, partition.Partition.Value, o);
                    _burst.Enqueue(() => record);
                }

                _burst.Enqueue(() =>
                {
                    Callbacks.Revoked([new TopicPartitionOffset(partition, Offset.Unset)]);
                    return null;
                });
            });

        public ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout)
        {
            if (_burst.TryDequeue(out var next))
            {
                return next();
            }

            if (_steps.TryTake(out var step))
            {
                step();
                return null;
            }

            if (Pending.TryPeek(out var record) && !(HonoursPause && IsPaused(record.TopicPartition)) && Pending.TryDequeue(out record))
            {
                return record;
            }

            if (_steps.TryTake(out step, timeout))
            {
                step();
            }

            return null;
        }

        public void Pause(IEnumerable<TopicPartition> partitions)
        {
            Interlocked.Increment(ref _pauseCalls);
            foreach (var partition in partitions)
            {
                _paused[partition] = true;
            }
        }

        public void Resume(IEnumerable<TopicPartition> partitions)
        {
            Interlocked.Increment(ref _resumeCalls);
            foreach (var partition in partitions)
            {
                _paused[partition] = false;
            }
        }

        public ConcurrentQueue<TopicPartitionOffset> Stored { get; } = new();

        public void StoreOffset(TopicPartitionOffset offset) => Stored.Enqueue(offset);

        /// <summary>Raises librdkafka's report of a background commit of <paramref name="offset"/> from the next poll.</summary>
        public void ReportCommit(TopicPartition partition, long offset, ErrorCode error)
            => _steps.Add(() => Callbacks.Committed(new CommittedOffsets(
                [new TopicPartitionOffsetError(partition, new Offset(offset), new Error(error))],
                new Error(error))));

        /// <summary>When set, synchronous commits fail with this error (counted in <see cref="CommitAttempts"/>).</summary>
        public ErrorCode? RefuseCommits { get; set; }

        private int _commitAttempts;

        public int CommitAttempts => Volatile.Read(ref _commitAttempts);

        public void Commit(IEnumerable<TopicPartitionOffset> offsets)
        {
            Interlocked.Increment(ref _commitAttempts);
            if (RefuseCommits is { } error)
            {
                throw new KafkaException(error);
            }

            lock (Commits)
            {
                Commits.Add([.. offsets]);
            }
        }

        public WatermarkOffsets GetWatermarkOffsets(TopicPartition partition) => new(Offset.Unset, Offset.Unset);

        public ConcurrentQueue<TopicPartitionOffset> Seeks { get; } = new();

        public void Seek(TopicPartitionOffset offset) => Seeks.Enqueue(offset);

        public void Close() => Callbacks.Revoked([]);

        public void Dispose()
        {
        }
    }
}
