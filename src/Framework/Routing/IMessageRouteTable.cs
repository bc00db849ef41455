namespace KafkaTyped.Routing;

/// <summary>
/// A routing table generated at compile time over every <see cref="IHandle{TMessage}"/> of an assembly:
/// type id bytes to route, as a generated switch over UTF-8 literals.
/// </summary>
public interface IMessageRouteTable
{
    /// <summary>Every route of the table, ordered by type id (ordinal).</summary>
    IReadOnlyList<MessageRoute> Routes { get; }

    /// <summary>Finds the route of a type id given as UTF-8 bytes.</summary>
    /// <returns>The index of the route in <see cref="Routes"/>, or -1 when no handler in the table handles the type id.</returns>
    int IndexOf(ReadOnlySpan<byte> typeIdUtf8);

    /// <summary>Finds the route of a type id given as UTF-8 bytes.</summary>
    /// <returns>The route, or <see langword="null"/> when no handler in the table handles the type id.</returns>
    MessageRoute? FindRoute(ReadOnlySpan<byte> typeIdUtf8) => IndexOf(typeIdUtf8) is var index and >= 0 ? Routes[index] : null;
}
