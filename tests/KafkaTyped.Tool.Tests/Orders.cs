using System.Collections.Concurrent;
using System.Text;

namespace KafkaTyped.Tool.Tests;

[KafkaMessage("tool.order-placed")]
public sealed partial record OrderPlaced([property: MessageKey] string OrderId, decimal Amount, string Customer);

/// <summary>One handler call: which group ran which handler for which order, and whether it was a replay.</summary>
public sealed record Call(string Group, string Handler, string OrderId, string? ReplayOf);

/// <summary>What the handlers did, and the switch that makes ReserveStock fail in one group.</summary>
public sealed class OrderBook
{
    public ConcurrentQueue<Call> Calls { get; } = new();

    /// <summary>The group whose ReserveStock refuses orders without an amount; null once the cause is fixed.</summary>
    public volatile string? FailingGroup;

    public void Record(string handler, OrderPlaced order, MessageContext context)
    {
        string? replayOf = null;
        if (context.Headers is { } headers && headers.TryGetLastBytes(ReplayHeaders.ReplayOf, out var value))
        {
            replayOf = Encoding.UTF8.GetString(value);
        }

        Calls.Enqueue(new Call(context.ConsumerGroup, handler, order.OrderId, replayOf));
    }
}

public sealed class ReserveStock(OrderBook book) : IHandle<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        book.Record(nameof(ReserveStock), message, context);
        if (message.Amount <= 0 && context.ConsumerGroup == book.FailingGroup)
        {
            throw new PermanentFailureException($"order {message.OrderId} has no amount");
        }

        return ValueTask.CompletedTask;
    }
}

public sealed class SendReceipt(OrderBook book) : IHandle<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        book.Record(nameof(SendReceipt), message, context);
        return ValueTask.CompletedTask;
    }
}
