namespace KafkaTyped.Routing;

/// <summary>
/// An <see cref="OrderingAttribute"/> as the generator read it for one handler of a route (the handler's own, else the
/// message's); created by generated code.
/// </summary>
/// <param name="mode">Which records are handled one after the other.</param>
public sealed class OrderingPolicy(OrderingMode mode)
{
    /// <summary>Which records are handled one after the other.</summary>
    public OrderingMode Mode { get; } = mode;

    /// <summary>The declared <see cref="OrderingAttribute.MaxConcurrency"/>; 0 when not set.</summary>
    public int MaxConcurrency { get; init; }
}
