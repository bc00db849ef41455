using KafkaTyped;

namespace KafkaTyped.Generators.Tests.Messages;

/// <summary>Records what the handlers saw, in call order.</summary>
public sealed class HandlerLog
{
    public List<string> Calls { get; } = [];
}

public sealed class ReserveStock(HandlerLog log) : IHandle<OrderCreated>
{
    public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
    {
        log.Calls.Add($"{nameof(ReserveStock)}:{message.Customer}");
        return ValueTask.CompletedTask;
    }
}

public sealed class AuditTrail(HandlerLog log) : IHandle<OrderCreated>, IHandle<OrderShipped>
{
    public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
    {
        log.Calls.Add($"{nameof(AuditTrail)}:{message.Customer}");
        return ValueTask.CompletedTask;
    }

    // Implemented explicitly: the generated route calls through the interface.
    async ValueTask IHandle<OrderShipped>.HandleAsync(OrderShipped message, MessageContext context, CancellationToken cancellationToken)
    {
        await Task.Yield();
        log.Calls.Add($"{nameof(AuditTrail)}:{message.OrderNumber}");
    }
}

/// <summary>Not a route: abstract.</summary>
public abstract class HandlerBase : IHandle<OrderShipped>
{
    public abstract ValueTask HandleAsync(OrderShipped message, MessageContext context, CancellationToken cancellationToken);
}

/// <summary>Not a route: LineItem is [KafkaData], not a message.</summary>
public sealed class NotAMessageHandler : IHandle<LineItem>
{
    public ValueTask HandleAsync(LineItem message, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
