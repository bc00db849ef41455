using KafkaTyped.Routing;

namespace KafkaTyped.Consuming;

/// <summary>
/// The ordering of one route's records in one consumer group, from what its handlers declare (each handler's
/// <see cref="OrderingAttribute"/>, else its message's, else <see cref="OrderingMode.Partition"/>) and the group's
/// <see cref="ConsumerOptions.Ordering"/>.
/// </summary>
/// <remarks>
/// A record is handled by every handler of its route in turn, so it takes the strictest of their modes
/// (<see cref="OrderingMode.Partition"/> over <see cref="OrderingMode.Key"/> over <see cref="OrderingMode.None"/>):
/// no handler sees the route's records in a looser order than it declared. The smallest positive
/// <see cref="OrderingAttribute.MaxConcurrency"/> of its handlers bounds the route's records admitted at once in the
/// group when it is below the group's <see cref="ConsumerOptions.MaxConcurrency"/> (which bounds them anyway); it does
/// not apply in partition order, where a partition has one record admitted at a time.
/// </remarks>
internal static class RouteOrdering
{
    public static OrderingMode ModeOf(MessageRoute route, ConsumerOptions options)
    {
        if (options.Ordering is { } configured)
        {
            return configured;
        }

        if (route.HandlerTypes.Count == 0)
        {
            return OrderingMode.Partition;
        }

        var mode = OrderingMode.None;
        for (var i = 0; i < route.HandlerTypes.Count; i++)
        {
            mode = Strictest(mode, route.GetOrdering(i)?.Mode ?? OrderingMode.Partition);
        }

        return mode;
    }

    /// <summary>The declared bound on the route's admitted records in the group, or 0 when nothing lower than the group's applies.</summary>
    public static int MaxConcurrencyOf(MessageRoute route, ConsumerOptions options)
    {
        var limit = 0;
        for (var i = 0; i < route.HandlerTypes.Count; i++)
        {
            if (route.GetOrdering(i) is { MaxConcurrency: > 0 } declared && (limit == 0 || declared.MaxConcurrency < limit))
            {
                limit = declared.MaxConcurrency;
            }
        }

        return limit < options.MaxConcurrency ? limit : 0;
    }

    public static DispatchStrategy StrategyFor(MessageRoute route, ConsumerOptions options)
    {
        var mode = ModeOf(route, options);
        var limit = mode == OrderingMode.Partition ? 0 : MaxConcurrencyOf(route, options);
        return DispatchStrategy.For(mode, limit > 0 ? new ConcurrencyGate(limit) : null);
    }

    private static OrderingMode Strictest(OrderingMode a, OrderingMode b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(OrderingMode mode) => mode switch
    {
        OrderingMode.Partition => 2,
        OrderingMode.Key => 1,
        _ => 0,
    };
}
