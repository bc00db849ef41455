namespace KafkaTyped;

/// <summary>
/// Declares the order in which messages are handled. Applies to a handler class (that handler's deliveries) or to
/// a <see cref="KafkaMessageAttribute"/> type (every handler of the message that declares no ordering of its own).
/// Without it, messages are handled in partition order.
/// </summary>
/// <remarks>
/// The values are read at compile time; analyzers KT0031 and KT0032 report impossible ones. A consumer group's
/// <see cref="ConsumerOptions.Ordering"/> replaces the declared mode. How records of different modes share a partition:
/// <c>docs/ordering.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class OrderingAttribute : Attribute
{
    /// <summary>Declares the ordering mode.</summary>
    /// <param name="mode">Which messages are handled one after the other.</param>
    public OrderingAttribute(OrderingMode mode) => Mode = mode;

    /// <summary>Which messages are handled one after the other.</summary>
    public OrderingMode Mode { get; }

    /// <summary>
    /// How many messages are handled at the same time in <see cref="OrderingMode.Key"/> and
    /// <see cref="OrderingMode.None"/> modes; 0 (the default) takes the consumer's configured default. Not negative.
    /// </summary>
    public int MaxConcurrency { get; set; }
}
