using KafkaTyped.Benchmarks.Messages;

namespace KafkaTyped.Benchmarks.Dispatch;

/// <summary>Handlers that do nothing, so a dispatch benchmark measures the framework alone. Registered as singletons.</summary>
public sealed class NoOpPingHandler : IHandle<Ping>
{
    public int Count;

    public ValueTask HandleAsync(Ping message, MessageContext context, CancellationToken cancellationToken)
    {
        Count++;
        return default;
    }
}

/// <inheritdoc cref="NoOpPingHandler"/>
public sealed class NoOpOrderPlacedHandler : IHandle<OrderPlaced>
{
    public int Count;

    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        Count++;
        return default;
    }
}

/// <inheritdoc cref="NoOpPingHandler"/>
public sealed class NoOpOrderCancelledHandler : IHandle<OrderCancelled>
{
    public ValueTask HandleAsync(OrderCancelled message, MessageContext context, CancellationToken cancellationToken) => default;
}
