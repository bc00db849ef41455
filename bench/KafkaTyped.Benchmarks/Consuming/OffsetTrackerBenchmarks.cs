using BenchmarkDotNet.Attributes;
using KafkaTyped.Consuming;

namespace KafkaTyped.Benchmarks.Consuming;

/// <summary>Completion order of the offsets of a batch.</summary>
public enum CompletionOrder
{
    /// <summary>Offsets complete in the order they were registered (a partition lane).</summary>
    InOrder,

    /// <summary>Offsets complete shuffled within windows of 16 (handlers of different keys overlapping).</summary>
    ShuffledWindow16,

    /// <summary>The whole batch completes in reverse: the head completes last, so nothing is committable until the end.</summary>
    Reversed,
}

/// <summary>
/// <see cref="OffsetTracker"/>: register a batch of offsets (with gaps, as after compaction or transaction markers) and
/// complete them in the given order, reading the committable offset after each completion as a committer would. Times
/// are per offset (register + complete + read).
/// </summary>
[MemoryDiagnoser]
public class OffsetTrackerBenchmarks
{
    private const int Batch = 1024;
    private readonly long[] _completion = new long[Batch];
    private OffsetTracker _tracker = null!;
    private long _base;

    [Params(CompletionOrder.InOrder, CompletionOrder.ShuffledWindow16, CompletionOrder.Reversed)]
    public CompletionOrder Order { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var offsets = new long[Batch];
        for (var i = 0; i < Batch; i++)
        {
            offsets[i] = OffsetAt(i);
        }

        var random = new Random(1);
        switch (Order)
        {
            case CompletionOrder.InOrder:
                offsets.CopyTo(_completion, 0);
                break;
            case CompletionOrder.ShuffledWindow16:
                offsets.CopyTo(_completion, 0);
                for (var start = 0; start < Batch; start += 16)
                {
                    random.Shuffle(_completion.AsSpan(start, 16));
                }

                break;
            case CompletionOrder.Reversed:
                for (var i = 0; i < Batch; i++)
                {
                    _completion[i] = offsets[Batch - 1 - i];
                }

                break;
        }

        _tracker = new OffsetTracker();
        _tracker.Register(0); // warm the ring so Grow does not run inside the measurement
        _tracker.Complete(0);
        _base = 10;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long RegisterThenCompleteOutOfOrder()
    {
        // Offsets keep increasing across invocations: shift the batch past everything registered so far.
        var shift = _base;
        var tracker = _tracker;
        var completion = _completion;
        for (var i = 0; i < completion.Length; i++)
        {
            // Registration is always in offset order (the poll thread); completion[] holds the same set, reordered.
            tracker.Register(shift + OffsetAt(i));
        }

        long committable = 0;
        for (var i = 0; i < completion.Length; i++)
        {
            tracker.Complete(shift + completion[i]);
            committable += tracker.Committable;
        }

        _base = shift + (Batch * 2L);
        return committable;
    }

    /// <summary>Strictly increasing offsets below 2 * <see cref="Batch"/>, with gaps of one and two.</summary>
    private static long OffsetAt(int i) => (i * 2L) + (i % 7 == 0 ? 1 : 0);
}
