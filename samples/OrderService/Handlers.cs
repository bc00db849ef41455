using KafkaTyped;
using Microsoft.Extensions.Logging;

namespace OrderService;

// Handlers are plain classes implementing IHandle<T>. The generator finds them at compile time and AddGeneratedHandlers()
// registers them as scoped services: each message gets a fresh DI scope, so a handler can take scoped dependencies
// (a DbContext, a unit of work). An offset is committed only after the handler's ValueTask completed; if it throws, the
// message is retried (with backoff) and the partition waits, so nothing behind it is committed past it.
//
// The CancellationToken is signalled when the service stops or the partition moves to another consumer: pass it on to
// every I/O call.

/// <summary>Opens the order in the order book.</summary>
public sealed partial class OrderPlacedHandler(IOrderBook orders, ILogger<OrderPlacedHandler> logger) : IHandle<OrderPlaced>
{
    /// <inheritdoc/>
    public async ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        await orders.OpenAsync(message.OrderId, message.Customer, message.Total, cancellationToken);
        LogPlaced(message.OrderId, message.Customer, message.Lines.Count, message.Total, context.Partition);
    }

    [LoggerMessage(LogLevel.Debug, "Order {OrderId} placed by {Customer}: {LineCount} line(s), {Total:0.00} (partition {Partition})")]
    private partial void LogPlaced(Guid orderId, string customer, int lineCount, decimal total, int partition);
}

/// <summary>Marks the order paid.</summary>
public sealed class PaymentCapturedHandler(IOrderBook orders) : IHandle<PaymentCaptured>
{
    /// <inheritdoc/>
    public ValueTask HandleAsync(PaymentCaptured message, MessageContext context, CancellationToken cancellationToken)
        => orders.AdvanceAsync(message.OrderId, OrderStatus.Placed, OrderStatus.Paid, cancellationToken);
}

/// <summary>Marks the order shipped.</summary>
public sealed class OrderShippedHandler(IOrderBook orders) : IHandle<OrderShipped>
{
    /// <inheritdoc/>
    public ValueTask HandleAsync(OrderShipped message, MessageContext context, CancellationToken cancellationToken)
        => orders.AdvanceAsync(message.OrderId, OrderStatus.Paid, OrderStatus.Shipped, cancellationToken);
}
