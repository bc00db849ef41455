using System.Collections.Concurrent;

namespace OrderService;

/// <summary>The status of an order.</summary>
public enum OrderStatus
{
    /// <summary>Placed, not paid.</summary>
    Placed,

    /// <summary>Paid, not shipped.</summary>
    Paid,

    /// <summary>On its way.</summary>
    Shipped,
}

/// <summary>Where the service keeps its orders; a database in a real service.</summary>
public interface IOrderBook
{
    /// <summary>Records a new order.</summary>
    ValueTask OpenAsync(Guid orderId, string customer, decimal total, CancellationToken cancellationToken);

    /// <summary>Moves an order from <paramref name="from"/> to <paramref name="to"/>.</summary>
    ValueTask AdvanceAsync(Guid orderId, OrderStatus from, OrderStatus to, CancellationToken cancellationToken);
}

/// <summary>
/// An in-memory <see cref="IOrderBook"/> that also counts what it saw, for the demo's summary. A status change that
/// arrives before the one it follows would be a broken ordering guarantee: it is counted as out of order.
/// </summary>
public sealed class InMemoryOrderBook : IOrderBook
{
    private readonly ConcurrentDictionary<Guid, OrderStatus> _orders = new();
    private readonly long[] _handled = new long[3];
    private long _outOfOrder;

    /// <summary>Messages handled per resulting status (duplicates of an at-least-once redelivery included).</summary>
    public long Handled(OrderStatus status) => Interlocked.Read(ref _handled[(int)status]);

    /// <summary>Status changes that arrived before the change they depend on.</summary>
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    /// <summary>Raised after every handled message; the demo waits on it.</summary>
    public event Action? Changed;

    /// <inheritdoc/>
    public ValueTask OpenAsync(Guid orderId, string customer, decimal total, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _orders.TryAdd(orderId, OrderStatus.Placed); // a redelivered OrderPlaced leaves a later status alone
        Count(OrderStatus.Placed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask AdvanceAsync(Guid orderId, OrderStatus from, OrderStatus to, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_orders.TryUpdate(orderId, to, from) && !(_orders.TryGetValue(orderId, out var current) && current >= to))
        {
            Interlocked.Increment(ref _outOfOrder);
        }

        Count(to);
        return ValueTask.CompletedTask;
    }

    private void Count(OrderStatus status)
    {
        Interlocked.Increment(ref _handled[(int)status]);
        Changed?.Invoke();
    }
}
