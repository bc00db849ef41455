using KafkaTyped.Benchmarks.Messages;

namespace KafkaTyped.Throughput;

/// <summary>
/// The no-op handler of both modes: counts, starts the consume meter on the first message, and signals when the
/// expected count is reached; with a work time, it first spins that long on the CPU (a handler slower than the fetcher).
/// KafkaTyped registers it as a singleton (no DI scope per message) unless a runner asks for scoped.
/// </summary>
public sealed class NoOpOrderHandler : IHandle<OrderPlaced>
{
    private readonly int _expected;
    private readonly long _workTicks;
    private readonly TaskCompletionSource<Measurement> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    public NoOpOrderHandler(int expected, TimeSpan work = default)
    {
        _expected = expected;
        _workTicks = (long)(work.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    }

    internal PhaseMeter Meter { get; } = new();

    public int Count => Volatile.Read(ref _count);

    internal Task<Measurement> Done => _done.Task;

    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        Meter.Start();
        if (_workTicks > 0)
        {
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + _workTicks;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(20);
            }
        }

        if (Interlocked.Increment(ref _count) == _expected)
        {
            _done.TrySetResult(Meter.Stop(_expected));
        }

        return default;
    }
}
