using KafkaTyped.Benchmarks.Messages;

namespace KafkaTyped.Throughput;

/// <summary>
/// The no-op handler of both modes: counts, starts the consume meter on the first message, and signals when the
/// expected count is reached. KafkaTyped registers it as a singleton (no DI scope per message).
/// </summary>
public sealed class NoOpOrderHandler : IHandle<OrderPlaced>
{
    private readonly int _expected;
    private readonly TaskCompletionSource<Measurement> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    public NoOpOrderHandler(int expected) => _expected = expected;

    internal PhaseMeter Meter { get; } = new();

    public int Count => Volatile.Read(ref _count);

    internal Task<Measurement> Done => _done.Task;

    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        Meter.Start();
        if (Interlocked.Increment(ref _count) == _expected)
        {
            _done.TrySetResult(Meter.Stop(_expected));
        }

        return default;
    }
}
