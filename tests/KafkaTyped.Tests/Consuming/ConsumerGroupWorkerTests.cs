using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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

    private static ConsumerGroupWorker CreateWorker(FakeConsumer consumer, IRecordProcessor processor, int laneCapacity)
        => new(
            new ConsumerOptions { GroupId = "g", Topics = { "orders" }, LaneCapacity = laneCapacity, RevokeDrainTimeout = TimeSpan.FromMilliseconds(200) },
            new ConsumerConfig { GroupId = "g" },
            processor,
            NullLogger.Instance,
            TimeProvider.System,
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

        public void Subscribe(IEnumerable<string> topics)
        {
        }

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

        public void StoreOffset(TopicPartitionOffset offset)
        {
        }

        public void Commit(IEnumerable<TopicPartitionOffset> offsets)
        {
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
