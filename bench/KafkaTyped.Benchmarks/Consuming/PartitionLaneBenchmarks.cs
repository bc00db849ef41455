using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using KafkaTyped.Consuming;

namespace KafkaTyped.Benchmarks.Consuming;

/// <summary>How the processor of the lane benchmark completes records.</summary>
public enum ProcessorKind
{
    /// <summary>Every record completes synchronously (a no-op handler).</summary>
    Synchronous,

    /// <summary>Every 4th record yields to the thread pool first (an asynchronous handler), so lanes finish out of order.</summary>
    YieldEvery4th,
}

/// <summary>
/// Records through <see cref="PartitionState"/>s as the poll thread drives them: enqueue round-robin over
/// <see cref="Lanes"/> partitions (each with its offset tracker, in partition order, run by one group executor of 64
/// loops), until every record is processed and every partition's committable offset reached its end. Partitions complete
/// out of order relative to each other. Times are per record: enqueue, admission, hand-off to the executor, processing,
/// tracker completion.
/// </summary>
[MemoryDiagnoser]
public class PartitionLaneBenchmarks
{
    private const int RecordsPerInvoke = 4096;
    private PartitionState[] _lanes = null!;
    private GroupExecutor _executor = null!;
    private ConsumeResult<byte[], byte[]>[] _records = null!;
    private CountingProcessor _processor = null!;
    private long _nextOffset;

    [Params(1, 4)]
    public int Lanes { get; set; }

    [Params(ProcessorKind.Synchronous, ProcessorKind.YieldEvery4th)]
    public ProcessorKind Processor { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _processor = new CountingProcessor(Processor == ProcessorKind.YieldEvery4th);
        _executor = new GroupExecutor(64, _processor, static () => { }, static (_, _) => { });
        _executor.Start();
        _lanes = new PartitionState[Lanes];
        for (var i = 0; i < Lanes; i++)
        {
            _lanes[i] = new PartitionState(new TopicPartition("bench", i), capacity: 1000, _executor, TimeProvider.System);
        }

        // Records are reused across invocations with fresh, increasing offsets (set before they are enqueued again,
        // after the previous invocation has completed every one of them).
        _records = new ConsumeResult<byte[], byte[]>[RecordsPerInvoke];
        for (var i = 0; i < RecordsPerInvoke; i++)
        {
            _records[i] = new ConsumeResult<byte[], byte[]>
            {
                TopicPartitionOffset = new TopicPartitionOffset("bench", i % Lanes, 0),
                Message = new Message<byte[], byte[]> { Value = [1, 2, 3], Headers = [] },
            };
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var lane in _lanes)
        {
            lane.Cancel();
        }

        _executor.Complete();
    }

    [Benchmark(OperationsPerInvoke = RecordsPerInvoke)]
    public long EnqueueProcessComplete()
    {
        var target = _processor.Processed + RecordsPerInvoke;
        var perLane = RecordsPerInvoke / Lanes;
        for (var i = 0; i < RecordsPerInvoke; i++)
        {
            var record = _records[i];
            record.Offset = new Offset(_nextOffset + (i / Lanes));
            var lane = _lanes[i % Lanes];
            if (!lane.Enqueue(record, DispatchStrategy.Partition))
            {
                // Full: what the poll thread does while the partition is paused.
                while (!lane.CanResume)
                {
                    Thread.SpinWait(20);
                }
            }
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _processor.Processed) < target || !AllCommittable(_nextOffset + perLane))
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        _nextOffset += perLane;
        return target;
    }

    private bool AllCommittable(long end)
    {
        foreach (var lane in _lanes)
        {
            if (lane.Tracker.Committable != end)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class CountingProcessor(bool yieldSometimes) : IRecordProcessor
    {
        public long Processed;

        public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            if (yieldSometimes && (record.Offset.Value & 3) == 0)
            {
                return YieldThenCount();
            }

            Interlocked.Increment(ref Processed);
            return new(MessageOutcome.Handled);
        }

        private async ValueTask<MessageOutcome> YieldThenCount()
        {
            await Task.Yield();
            Interlocked.Increment(ref Processed);
            return MessageOutcome.Handled;
        }
    }
}
