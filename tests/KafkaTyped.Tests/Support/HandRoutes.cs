using KafkaTyped.Routing;
using MessagePack;

namespace KafkaTyped.Tests.Support;

// Route tables built by hand, so that tests choose exactly which tables and routes exist (two tables routing one
// type id, a table added twice); they have the shape of the generated ones.

public sealed class HandRoute<TMessage, THandler> : HandRoute<TMessage>
    where TMessage : IKafkaMessage<TMessage>
    where THandler : class, IHandle<TMessage>
{
    public HandRoute()
        : base(typeof(THandler))
    {
    }
}

/// <summary>A route to several handlers, called in the order given.</summary>
public class HandRoute<TMessage>(params Type[] handlerTypes) : MessageRoute<TMessage>
    where TMessage : IKafkaMessage<TMessage>
{
    public override string TypeId => TMessage.TypeId;

    public override IReadOnlyList<Type> HandlerTypes { get; } = handlerTypes;

    /// <summary>The declared ordering of each handler (by position), as the generator would emit it; none by default.</summary>
    public OrderingPolicy?[] Orderings { get; init; } = [];

    public override OrderingPolicy? GetOrdering(int handlerIndex) => handlerIndex < Orderings.Length ? Orderings[handlerIndex] : null;

    public override TMessage Deserialize(ReadOnlyMemory<byte> payload, MessageFormat format)
    {
        if (format != MessageFormat.MessagePack)
        {
            return KafkaTyped.Serialization.KafkaSerializer.DeserializeMessage<TMessage>(payload, format);
        }

        var reader = new MessagePackReader(payload);
        return TMessage.TypeInfo.MessagePack.Read(ref reader);
    }
}

public sealed class HandRouteTable(params MessageRoute[] routes) : IMessageRouteTable
{
    private readonly MessageRoute[] _routes = [.. routes.OrderBy(r => r.TypeId, StringComparer.Ordinal)];

    // Encoded once: a lookup allocates nothing, like the generated one.
    private byte[][]? _typeIds;

    public IReadOnlyList<MessageRoute> Routes => _routes;

    public int IndexOf(ReadOnlySpan<byte> typeIdUtf8)
    {
        _typeIds ??= [.. _routes.Select(r => System.Text.Encoding.UTF8.GetBytes(r.TypeId))];
        for (var i = 0; i < _typeIds.Length; i++)
        {
            if (typeIdUtf8.SequenceEqual(_typeIds[i]))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A second table type, to test duplicate type ids across tables.</summary>
public sealed class OtherHandRouteTable(params MessageRoute[] routes) : IMessageRouteTable
{
    private readonly HandRouteTable _inner = new(routes);

    public IReadOnlyList<MessageRoute> Routes => _inner.Routes;

    public int IndexOf(ReadOnlySpan<byte> typeIdUtf8) => _inner.IndexOf(typeIdUtf8);
}
