using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Publishing;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Tests.Transactions;

/// <summary>
/// The exactly-once committer inside the worker, driven by a fake consumer (replaying a script on the poll thread, as in
/// ConsumerGroupWorkerTests) and a fake transactional producer that records the transaction calls: what offsets a
/// transaction carries when records complete out of order, and how an abort and a revoke rewind. The embedded-cluster
/// tests (TransactionTests) run the same paths against librdkafka.
/// </summary>
public sealed class TransactionalCommitterTests
{
    private static readonly TopicPartition s_p0 = new("orders", 0);
    private static readonly TopicPartition s_p1 = new("orders", 1);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_completing_out_of_order_commit_only_once_everything_dispatched_completed_with_the_offset_after_the_last()
    {
        var (consumer, producer, processor, worker) = Start(batchSize: 3);
        processor.Hold(s_p0, 0, 1, 2);
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 6);

        // 3, 4 and 5 complete while 0-2 are held: the batch is due, but their outputs must not be committed with offset 0.
        await Records.WaitUntil(() => processor.Completed.Count == 3, "the later records completed");
        Assert.Empty(producer.Sent);

        processor.Release(s_p0, 0, 1, 2);
        await Records.WaitUntil(() => producer.Commits == 1, "the transaction committed");
        Assert.Equal([new TopicPartitionOffset(s_p0, 6)], producer.Sent.Single().Select(o => new TopicPartitionOffset(o.TopicPartition, o.Offset)));
        // The fake counts the commit inside CommitTransaction; the poll thread records the committed offset after it returns.
        await Records.WaitUntil(() => worker.Partitions.Single().LastCommitted == 6, "the committed offset recorded");
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
        Assert.Empty(consumer.Commits); // never the consumer's own commits
    }

    [Fact]
    public async Task An_aborted_commit_seeks_back_and_the_batch_is_handled_again_in_a_new_transaction()
    {
        var (consumer, producer, processor, worker) = Start(batchSize: 4);
        producer.NextOutcomes.Enqueue(TransactionOutcome.Aborted);
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 10, 4);

        await Records.WaitUntil(() => consumer.Seeks.Count == 1, "the partition rewound");
        Assert.Equal(10, consumer.Seeks.Single().Offset.Value); // the first record it delivered: nothing committed before
        Assert.Equal(0, producer.Commits);

        consumer.Deliver(s_p0, 10, 4); // what the seek makes the client deliver again
        await Records.WaitUntil(() => producer.Commits == 1, "the second transaction committed");
        Assert.Equal(14, producer.Sent.Last().Single().Offset.Value);
        Assert.Equal([10L, 10L, 11L, 11L, 12L, 12L, 13L, 13L], processor.Completed.Select(c => c.Offset).Order());
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
    }

    [Fact]
    public async Task A_revoke_with_records_left_unstarted_aborts_and_the_kept_partition_is_handled_again_from_its_commit()
    {
        var (consumer, producer, processor, worker) = Start(batchSize: 2);

        // p1 commits a first transaction (offset 2), then both partitions handle more in an open one.
        consumer.Assign(s_p1);
        consumer.Deliver(s_p1, 0, 2);
        await Records.WaitUntil(() => producer.Commits == 1, "the first transaction committed");
        Assert.Equal(2, producer.Sent.Single().Single().Offset.Value);

        processor.Hold(s_p0, 0);
        processor.PartitionOrdered.Add(0);
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 3); // partition order: 1 and 2 wait behind the held 0
        consumer.Deliver(s_p1, 2, 1);
        await Records.WaitUntil(() => processor.Completed.Any(c => c.Partition == 1 && c.Offset == 2), "p1's record handled in the open transaction");

        // p0 is revoked: its held record is cancelled at the drain deadline and 1-2 never start, so the transaction
        // cannot cover p1's record 2 without skipping them: it is aborted, and p1 is rewound to what it committed.
        consumer.Revoke(s_p0);
        await Records.WaitUntil(() => producer.Aborts == 1, "the transaction aborted");
        await Records.WaitUntil(() => consumer.Seeks.Any(s => s.TopicPartition == s_p1), "the kept partition rewound");
        Assert.Equal(2, consumer.Seeks.Single(s => s.TopicPartition == s_p1).Offset.Value);
        Assert.Equal(1, producer.Commits);
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
    }

    [Fact]
    public async Task A_revoke_after_everything_completed_commits_before_the_partition_is_released()
    {
        var (consumer, producer, _, worker) = Start(batchSize: 1000);
        consumer.Assign(s_p0);
        consumer.Deliver(s_p0, 0, 3);
        await Records.WaitUntil(() => worker.Partitions is [{ Tracker.Committable: 3 }], "three records handled");
        Assert.Equal(0, producer.Commits); // the batch is not due yet

        consumer.Revoke(s_p0);
        await Records.WaitUntil(() => producer.Commits == 1, "the revoke committed");
        Assert.Equal(3, producer.Sent.Single().Single().Offset.Value);
        Assert.Equal(0, producer.Aborts);
        await worker.StopAsync(Ct).WaitAsync(s_deadline, Ct);
    }

    private static (FakeConsumer Consumer, FakeProducer Producer, ControlledProcessor Processor, ConsumerGroupWorker Worker) Start(int batchSize)
    {
        var consumer = new FakeConsumer();
        var producer = new FakeProducer();
        var processor = new ControlledProcessor();
        var worker = new ConsumerGroupWorker(
            new ConsumerOptions
            {
                GroupId = "g",
                Topics = { "orders" },
                ExactlyOnce = true,
                TransactionBatchSize = batchSize,
                TransactionInterval = TimeSpan.FromHours(1),
                RevokeDrainTimeout = TimeSpan.FromMilliseconds(200),
            },
            new ConsumerConfig { GroupId = "g" },
            processor,
            NullLogger.Instance,
            TimeProvider.System,
            onFatal: null,
            consumerFactory: new FakeConsumerFactory(consumer),
            exactlyOnce: new ExactlyOnceMember(producer));
        worker.Start();
        return (consumer, producer, processor, worker);
    }

    /// <summary>Completes records at once, except those held until released.</summary>
    private sealed class ControlledProcessor : IRecordProcessor
    {
        private readonly ConcurrentDictionary<(int, long), TaskCompletionSource> _held = new();
        private readonly ConcurrentQueue<(int Partition, long Offset)> _completed = new();

        public List<(int Partition, long Offset)> Completed => [.. _completed];

        public void Hold(TopicPartition partition, params long[] offsets)
        {
            foreach (var offset in offsets)
            {
                _held[(partition.Partition.Value, offset)] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Release(TopicPartition partition, params long[] offsets)
        {
            foreach (var offset in offsets)
            {
                _held[(partition.Partition.Value, offset)].TrySetResult();
            }
        }

        /// <summary>Partitions whose records are handled in partition order (the others unordered).</summary>
        public HashSet<int> PartitionOrdered { get; } = [];

        public DispatchStrategy StrategyOf(ConsumeResult<byte[], byte[]> record)
            => DispatchStrategy.For(PartitionOrdered.Contains(record.Partition.Value) ? OrderingMode.Partition : OrderingMode.None);

        public async ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            if (_held.TryGetValue((record.Partition.Value, record.Offset.Value), out var gate))
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            _completed.Enqueue((record.Partition.Value, record.Offset.Value));
            return MessageOutcome.Handled;
        }
    }

    /// <summary>Records the transaction calls; the next commits' outcomes can be scripted.</summary>
    private sealed class FakeProducer : ITransactionalProducer
    {
        private readonly List<List<TopicPartitionOffset>> _sent = [];
        private int _commits;
        private int _aborts;

        public ConcurrentQueue<TransactionOutcome> NextOutcomes { get; } = new();

        public List<List<TopicPartitionOffset>> Sent
        {
            get
            {
                lock (_sent)
                {
                    return [.. _sent];
                }
            }
        }

        public int Commits => Volatile.Read(ref _commits);

        public int Aborts => Volatile.Read(ref _aborts);

        public string TransactionalId => "g-1";

        public TimeSpan Timeout => TimeSpan.FromSeconds(10);

        public bool InTransaction { get; private set; }

        public RecordProducer Records => throw new InvalidOperationException("these handlers do not publish");

        public void Begin(CancellationToken cancellationToken = default) => InTransaction = true;

        public TransactionOutcome SendOffsets(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, out Error? error)
        {
            error = null;
            lock (_sent)
            {
                _sent.Add([.. offsets]);
            }

            return TransactionOutcome.Committed;
        }

        public TransactionOutcome Commit(out Error? error)
        {
            error = null;
            if (NextOutcomes.TryDequeue(out var outcome) && outcome != TransactionOutcome.Committed)
            {
                error = new Error(ErrorCode.Unknown, "injected");
                InTransaction = false;
                Interlocked.Increment(ref _aborts);
                return outcome;
            }

            InTransaction = false;
            Interlocked.Increment(ref _commits);
            return TransactionOutcome.Committed;
        }

        public bool Abort(out Error? error)
        {
            error = null;
            Interlocked.Increment(ref _aborts);
            InTransaction = false;
            return true;
        }

        public void Dispose()
        {
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

    /// <summary>Replays queued steps and pending records from Consume, on the poll thread; records seeks and commits.</summary>
    private sealed class FakeConsumer : IGroupConsumer
    {
        private readonly BlockingCollection<Action> _steps = [];

        public GroupConsumerCallbacks Callbacks { get; set; } = null!;

        public ConcurrentQueue<ConsumeResult<byte[], byte[]>> Pending { get; } = new();

        public ConcurrentQueue<TopicPartitionOffset> Seeks { get; } = new();

        public ConcurrentQueue<List<TopicPartitionOffset>> Commits { get; } = new();

        public IConsumerGroupMetadata? GroupMetadata { get; } = new Metadata();

        public void Assign(TopicPartition partition) => _steps.Add(() => Callbacks.Assigned([partition]));

        public void Revoke(TopicPartition partition) => _steps.Add(() => Callbacks.Revoked([new TopicPartitionOffset(partition, Offset.Unset)]));

        // Queued as a step, so that records follow the assignment and rewinds in script order.
        public void Deliver(TopicPartition partition, long from, int count)
            => _steps.Add(() =>
            {
                for (var o = from; o < from + count; o++)
                {
                    Pending.Enqueue(Records.At(partition.Topic, partition.Partition.Value, o));
                }
            });

        public void Subscribe(IEnumerable<string> topics)
        {
        }

        public void Unsubscribe()
        {
        }

        public ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout)
        {
            if (Pending.TryDequeue(out var record))
            {
                return record;
            }

            if (_steps.TryTake(out var step, timeout))
            {
                step();
            }

            return null;
        }

        public void Pause(IEnumerable<TopicPartition> partitions)
        {
        }

        public void Resume(IEnumerable<TopicPartition> partitions)
        {
        }

        public void StoreOffset(TopicPartitionOffset offset) => throw new InvalidOperationException("an exactly-once group stores no offsets");

        public void Commit(IEnumerable<TopicPartitionOffset> offsets) => Commits.Enqueue([.. offsets]);

        public WatermarkOffsets GetWatermarkOffsets(TopicPartition partition) => new(Offset.Unset, Offset.Unset);

        public void Seek(TopicPartitionOffset offset) => Seeks.Enqueue(offset);

        public void Close() => Callbacks.Revoked([]);

        public void Dispose()
        {
        }

        private sealed class Metadata : IConsumerGroupMetadata;
    }
}
