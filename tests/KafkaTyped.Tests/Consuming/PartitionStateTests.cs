using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;

namespace KafkaTyped.Tests.Consuming;

public sealed class PartitionStateTests
{
    private static readonly TopicPartition s_partition = new("orders", 3);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (PartitionState Partition, GroupExecutor Executor) Create(IRecordProcessor processor, int capacity = 1000, int concurrency = 8)
    {
        var executor = new GroupExecutor(concurrency, processor, static () => { }, static (_, _) => { });
        executor.Start();
        return (new PartitionState(s_partition, capacity, executor, TimeProvider.System), executor);
    }

    private static ConsumeResult<byte[], byte[]> At(long offset, string? key = null)
        => Records.At("orders", 3, offset, key: key is null ? null : System.Text.Encoding.UTF8.GetBytes(key));

    [Fact]
    public async Task Partition_ordered_records_are_processed_once_each_in_offset_order_one_at_a_time()
    {
        var processor = new RecordingProcessor(yieldEvery: 3);
        var (partition, _) = Create(processor);
        for (long o = 0; o < 500; o++)
        {
            Assert.True(partition.Enqueue(At(o), DispatchStrategy.Partition));
        }

        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), processor.Processed);
        Assert.Equal(1, processor.MaxConcurrent);
        Assert.Equal(500, partition.Tracker.Committable);
    }

    [Fact]
    public async Task Large_records_fill_a_partition_by_their_bytes_before_its_record_count()
    {
        // 10 records of 300 B against 1,000 records or 1,024 B: full at the fourth (1,200 B), resumable at 512 B.
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = new TaskCompletionSource() };
        var executor = new GroupExecutor(1, processor, static () => { }, static (_, _) => { });
        executor.Start();
        var partition = new PartitionState(s_partition, new LaneCapacity(1000, 1024), executor, TimeProvider.System);

        var value = new byte[290];
        Assert.True(partition.Enqueue(Records.At("orders", 3, 0, value: value, key: new byte[10]), DispatchStrategy.Partition));
        Assert.True(partition.Enqueue(Records.At("orders", 3, 1, value: value, key: new byte[10]), DispatchStrategy.Partition));
        Assert.True(partition.Enqueue(Records.At("orders", 3, 2, value: value, key: new byte[10]), DispatchStrategy.Partition));
        Assert.False(partition.Enqueue(Records.At("orders", 3, 3, value: value, key: new byte[10]), DispatchStrategy.Partition));
        Assert.Equal(1200, partition.BufferedBytes);
        Assert.False(partition.CanResume);

        processor.Gate.SetResult();
        await Records.WaitUntil(() => processor.Processed.Count == 4, "the partition drained");
        Assert.Equal(0, partition.BufferedBytes);
        Assert.True(partition.CanResume);
    }

    [Fact]
    public async Task A_batch_holds_back_what_its_thread_admits_until_it_ends_and_then_runs_it_in_order()
    {
        var processor = new RecordingProcessor(yieldEvery: 0);
        var (partition, executor) = Create(processor);

        // The batching thread is a thread of its own, as the poll thread is: a pool thread could run other work meanwhile.
        using var batched = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var batching = new Thread(() =>
        {
            executor.BeginBatch();
            for (long o = 0; o < 5; o++)
            {
                Assert.True(partition.Enqueue(At(o), DispatchStrategy.None));
            }

            batched.Set();
            release.Wait(s_deadline);
            executor.EndBatch();
        });
        batching.Start();
        Assert.True(batched.Wait(s_deadline, Ct));

        // Another thread's records are not held back by that thread's batch.
        var other = new PartitionState(new TopicPartition("orders", 4), 1000, executor, TimeProvider.System);
        other.Enqueue(Records.At("orders", 4, 0), DispatchStrategy.None);
        await Records.WaitUntil(() => processor.Processed.Count == 1, "the other thread's record handled during the batch");
        Assert.Equal(5, partition.Buffered);
        Assert.Equal(0, partition.InFlight);

        release.Set();
        batching.Join();
        await Records.WaitUntil(() => processor.Processed.Count == 6, "the batch's records handled once it ended");
        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);
        Assert.Equal(5, partition.Tracker.Committable);
    }

    [Fact]
    public async Task Completing_the_executor_ends_its_loops_after_the_queued_records_ran()
    {
        var processor = new RecordingProcessor(yieldEvery: 2);
        var (partition, executor) = Create(processor, concurrency: 3);
        for (long o = 0; o < 50; o++)
        {
            partition.Enqueue(At(o), DispatchStrategy.None);
        }

        executor.Complete();
        await executor.Completion.WaitAsync(s_deadline, Ct);
        Assert.Equal(50, processor.Processed.Count);
    }

    [Fact]
    public async Task A_full_partition_asks_for_a_pause_and_can_resume_once_drained_to_half()
    {
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = new TaskCompletionSource() };
        var (partition, _) = Create(processor, capacity: 4);

        Assert.True(partition.Enqueue(At(0), DispatchStrategy.Partition));
        Assert.True(partition.Enqueue(At(1), DispatchStrategy.Partition));
        Assert.True(partition.Enqueue(At(2), DispatchStrategy.Partition));
        Assert.False(partition.Enqueue(At(3), DispatchStrategy.Partition));
        Assert.False(partition.Enqueue(At(4), DispatchStrategy.Partition)); // fetched before the pause took effect: kept, in order
        Assert.False(partition.CanResume);
        Assert.Equal(5, partition.Buffered);
        Assert.Equal(0, partition.Tracker.Committable);

        processor.Gate.SetResult();
        await Records.WaitUntil(() => partition.CanResume && processor.Processed.Count == 5, "the partition drained");
        Assert.Equal([0L, 1L, 2L, 3L, 4L], processor.Processed);
        Assert.Equal(5, partition.Tracker.Committable);
    }

    [Fact]
    public async Task Cancel_leaves_the_in_flight_record_uncommitted_and_drops_the_waiting_ones()
    {
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = new TaskCompletionSource(), BlockAt = 2 };
        var (partition, _) = Create(processor);
        for (long o = 0; o < 10; o++)
        {
            partition.Enqueue(At(o), DispatchStrategy.Partition);
        }

        await Records.WaitUntil(() => processor.Started.Contains(2), "offset 2 started");
        partition.Cancel();
        await partition.Completion.WaitAsync(s_deadline, Ct);

        Assert.Equal([0L, 1L], processor.Processed);
        Assert.Equal(2, partition.Tracker.Committable);
    }

    [Fact]
    public async Task A_record_delivered_again_is_handled_again_and_the_commit_waits_for_it()
    {
        var processor = new RecordingProcessor(yieldEvery: 0);
        var (partition, _) = Create(processor);
        foreach (var offset in new long[] { 0, 1, 1, 0, 2 })
        {
            partition.Enqueue(At(offset), DispatchStrategy.Partition);
        }

        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);

        // Offsets at or below one already taken are a rewind (log truncation reuses offsets for new records): handled.
        Assert.Equal([0L, 1L, 1L, 0L, 2L], processor.Processed);
        Assert.Equal(3, partition.Tracker.Committable);
    }

    [Fact]
    public async Task Key_ordered_records_keep_each_key_in_order_while_other_keys_go_on()
    {
        // Key "a" blocks at its first record; keys "b" and "c" must all be handled meanwhile, "a" after, in order.
        var processor = new RecordingProcessor(yieldEvery: 2) { Gate = new TaskCompletionSource(), BlockKey = "a" };
        var (partition, _) = Create(processor, concurrency: 4);
        var keys = new[] { "a", "b", "c" };
        for (long o = 0; o < 30; o++)
        {
            partition.Enqueue(At(o, keys[o % 3]), DispatchStrategy.Key);
        }

        await Records.WaitUntil(() => processor.Processed.Count == 20, "keys b and c handled while a is blocked");
        Assert.Equal(0, partition.Tracker.Committable); // offset 0 (key a) is unfinished: nothing past it is committable
        processor.Gate.SetResult();
        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);

        foreach (var key in keys)
        {
            var expected = Enumerable.Range(0, 30).Where(o => keys[o % 3] == key).Select(o => (long)o);
            Assert.Equal(expected, processor.ProcessedOfKey(key));
        }

        Assert.Equal(30, partition.Tracker.Committable);
    }

    [Fact]
    public async Task A_partition_ordered_record_waits_for_every_earlier_record_and_every_later_record_waits_for_it()
    {
        var processor = new RecordingProcessor(yieldEvery: 1);
        var (partition, _) = Create(processor, concurrency: 8);
        var modes = new[] { DispatchStrategy.None, DispatchStrategy.Key, DispatchStrategy.None, DispatchStrategy.Partition, DispatchStrategy.Key, DispatchStrategy.None };
        for (long o = 0; o < 60; o++)
        {
            partition.Enqueue(At(o, "k" + (o % 4)), modes[o % modes.Length]);
        }

        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);

        var finished = processor.Processed.ToArray();
        Assert.Equal(60, finished.Length);
        for (long barrier = 3; barrier < 60; barrier += modes.Length)
        {
            // Every earlier record finished before the barrier started; no later record started before it finished.
            var finishedBefore = finished.Take(processor.FinishedCountWhenStarted[barrier]).ToHashSet();
            Assert.All(Enumerable.Range(0, (int)barrier), earlier => Assert.Contains((long)earlier, finishedBefore));
            for (var later = barrier + 1; later < 60; later++)
            {
                Assert.Contains(barrier, finished.Take(processor.FinishedCountWhenStarted[later]));
            }
        }
    }

    [Fact]
    public async Task Unordered_records_completing_out_of_order_never_move_the_committable_offset_past_an_unfinished_one()
    {
        var gates = Enumerable.Range(0, 8).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var processor = new RecordingProcessor(yieldEvery: 0) { Gates = gates };
        var (partition, _) = Create(processor, concurrency: 8);
        for (long o = 0; o < 8; o++)
        {
            partition.Enqueue(At(o), DispatchStrategy.None);
        }

        await Records.WaitUntil(() => processor.Started.Count == 8, "every record started");
        foreach (var (offset, committable) in new (int, long)[] { (5, 0), (7, 0), (1, 0), (0, 2), (3, 2), (2, 4), (6, 4), (4, 8) })
        {
            gates[offset].SetResult();
            await Records.WaitUntil(() => processor.Processed.Contains(offset), $"offset {offset} completed");
            await Records.WaitUntil(() => partition.Tracker.Committable == committable, $"committable {committable} after {offset}");
        }
    }

    [Fact]
    public async Task Complete_writing_drains_what_is_buffered()
    {
        var processor = new RecordingProcessor(yieldEvery: 1);
        var (partition, _) = Create(processor);
        for (long o = 0; o < 50; o++)
        {
            partition.Enqueue(At(o), DispatchStrategy.Partition);
        }

        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);
        Assert.Equal(50, processor.Processed.Count);
        Assert.Equal(50, partition.Tracker.Committable);
    }

    // A revoked partition must be released quickly: its next owner may get it as soon as the group rebalanced. It lets the
    // handler calls under way finish and starts nothing else; what it did not start stays uncommitted for the next owner.
    [Theory]
    [InlineData(OrderingMode.Partition)]
    [InlineData(OrderingMode.Key)]
    [InlineData(OrderingMode.None)]
    public async Task Finishing_in_flight_work_ends_the_calls_under_way_and_starts_none_of_the_waiting_records(OrderingMode mode)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = gate, BlockAt = 0 };
        var executor = new GroupExecutor(2, processor, static () => { }, static (_, _) => { });
        executor.Start();
        var concurrencyGate = new ConcurrencyGate(100);
        var strategy = mode == OrderingMode.Partition ? DispatchStrategy.Partition : DispatchStrategy.For(mode, concurrencyGate);
        var partition = new PartitionState(s_partition, 1000, executor, TimeProvider.System);
        for (long o = 0; o < 20; o++)
        {
            partition.Enqueue(At(o, key: "k" + (o % 2)), strategy);
        }

        var running = mode == OrderingMode.Partition ? 1 : 2;
        await Records.WaitUntil(() => processor.Started.Count == running, "the first records started");
        partition.FinishInFlight();
        Assert.False(partition.Completion.IsCompleted, "the calls under way are waited for");

        gate.SetResult();
        await partition.Completion.WaitAsync(s_deadline, Ct);
        Assert.Equal(running, processor.Processed.Count);
        Assert.Equal(running, processor.Started.Count);
        Assert.Equal(running, partition.Tracker.Committable);
        Assert.Equal(0, concurrencyGate.Admitted);
    }

    [Fact]
    public async Task A_successor_admits_nothing_before_its_predecessor_ended()
    {
        var predecessor = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new RecordingProcessor(yieldEvery: 0);
        var executor = new GroupExecutor(4, processor, static () => { }, static (_, _) => { });
        executor.Start();
        var partition = new PartitionState(s_partition, 100, executor, TimeProvider.System, predecessor.Task);
        partition.Enqueue(At(0), DispatchStrategy.None);
        partition.Enqueue(At(1), DispatchStrategy.None);
        await Task.Delay(50, Ct); // a chance to run wrongly; the assertion below does not depend on it
        Assert.Empty(processor.Started);

        predecessor.SetResult();
        partition.CompleteWriting();
        await partition.Completion.WaitAsync(s_deadline, Ct);
        Assert.Equal(2, processor.Processed.Count);
    }

    [Fact]
    public async Task A_gated_route_never_has_more_records_admitted_over_all_partitions_than_its_limit()
    {
        var processor = new RecordingProcessor(yieldEvery: 1);
        var executor = new GroupExecutor(8, processor, static () => { }, static (_, _) => { });
        executor.Start();
        var gate = new ConcurrencyGate(2);
        var keyed = DispatchStrategy.For(OrderingMode.Key, gate);
        var unordered = DispatchStrategy.For(OrderingMode.None, gate);
        var first = new PartitionState(new TopicPartition("orders", 0), 1000, executor, TimeProvider.System);
        var second = new PartitionState(new TopicPartition("orders", 1), 1000, executor, TimeProvider.System);
        for (long o = 0; o < 200; o++)
        {
            first.Enqueue(Records.At("orders", 0, o, key: [(byte)(o % 7)]), keyed);
            second.Enqueue(Records.At("orders", 1, o), unordered);
        }

        first.CompleteWriting();
        second.CompleteWriting();
        await Task.WhenAll(first.Completion, second.Completion).WaitAsync(s_deadline, Ct);

        Assert.Equal(400, processor.Processed.Count);
        Assert.InRange(processor.MaxConcurrent, 1, 2);
        Assert.Equal(0, gate.Admitted);
        Assert.Equal(200, first.Tracker.Committable);
        Assert.Equal(200, second.Tracker.Committable);
    }

    [Fact]
    public async Task A_cancelled_partition_gives_its_gate_slots_back_to_the_partitions_waiting_for_them()
    {
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = blocked, BlockKey = "stuck" };
        var executor = new GroupExecutor(8, processor, static () => { }, static (_, _) => { });
        executor.Start();
        var gate = new ConcurrencyGate(2);
        var strategy = DispatchStrategy.For(OrderingMode.Key, gate);
        var stuck = new PartitionState(new TopicPartition("orders", 0), 1000, executor, TimeProvider.System);
        var waiting = new PartitionState(new TopicPartition("orders", 1), 1000, executor, TimeProvider.System);

        // Two records of the stuck partition take both slots: one running (blocked), one next in its key's lane.
        stuck.Enqueue(Records.At("orders", 0, 0, key: "stuck"u8.ToArray()), strategy);
        stuck.Enqueue(Records.At("orders", 0, 1, key: "stuck"u8.ToArray()), strategy);
        await Records.WaitUntil(() => processor.Started.Count == 1, "the stuck record started");
        for (long o = 0; o < 10; o++)
        {
            waiting.Enqueue(Records.At("orders", 1, o, key: [(byte)o]), strategy);
        }

        Assert.Equal(2, gate.Admitted);
        Assert.Equal(0, waiting.InFlight);

        stuck.Cancel();
        waiting.CompleteWriting();
        await Task.WhenAll(stuck.Completion, waiting.Completion).WaitAsync(s_deadline, Ct);
        Assert.Equal(10, processor.Processed.Count);
        Assert.Equal(10, waiting.Tracker.Committable);
        Assert.Equal(0, stuck.Tracker.Committable);
        Assert.Equal(0, gate.Admitted);
    }

    internal sealed class RecordingProcessor(int yieldEvery) : IRecordProcessor
    {
        private readonly List<(long Offset, string? Key)> _processed = [];
        private int _calls;
        private int _concurrent;

        public TaskCompletionSource? Gate { get; init; }

        public TaskCompletionSource[]? Gates { get; init; }

        public long BlockAt { get; init; }

        public string? BlockKey { get; init; }

        public int MaxConcurrent { get; private set; }

        public List<long> Processed
        {
            get
            {
                lock (_processed)
                {
                    return [.. _processed.Select(p => p.Offset)];
                }
            }
        }

        public ConcurrentQueue<long> StartOrder { get; } = new();

        public ConcurrentDictionary<long, int> FinishedCountWhenStarted { get; } = new();

        public ConcurrentBag<long> Started { get; } = [];

        public List<long> ProcessedOfKey(string key)
        {
            lock (_processed)
            {
                return [.. _processed.Where(p => p.Key == key).Select(p => p.Offset)];
            }
        }

        public async ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            var key = record.Message.Key is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
            lock (_processed)
            {
                FinishedCountWhenStarted[record.Offset.Value] = _processed.Count;
                StartOrder.Enqueue(record.Offset.Value);
                MaxConcurrent = Math.Max(MaxConcurrent, ++_concurrent);
            }

            Started.Add(record.Offset.Value);
            try
            {
                if (Gate is not null && record.Offset.Value >= BlockAt && (BlockKey is null || BlockKey == key))
                {
                    await Gate.Task.WaitAsync(cancellationToken);
                }

                if (Gates is not null)
                {
                    await Gates[record.Offset.Value].Task.WaitAsync(cancellationToken);
                }

                if (yieldEvery > 0 && Interlocked.Increment(ref _calls) % yieldEvery == 0)
                {
                    await Task.Yield();
                }
            }
            finally
            {
                lock (_processed)
                {
                    _concurrent--;
                }
            }

            lock (_processed)
            {
                _processed.Add((record.Offset.Value, key));
            }

            return MessageOutcome.Handled;
        }
    }
}
