using KafkaTyped.Routing;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Tests.Support;

// Route tables built by hand, so that tests choose exactly which tables and routes exist (two tables routing one
// type id, a table added twice); they have the shape of the generated ones.

public sealed class HandRoute<TMessage, THandler> : MessageRoute<TMessage>
    where TMessage : IKafkaMessage<TMessage>
    where THandler : class, IHandle<TMessage>
{
    public override string TypeId => TMessage.TypeId;

    public override IReadOnlyList<Type> HandlerTypes { get; } = [typeof(THandler)];

    public override TMessage Deserialize(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        return TMessage.Deserialize(ref reader);
    }

    public override ValueTask HandleAsync(TMessage message, MessageContext context, IServiceProvider services, CancellationToken cancellationToken)
        => services.GetRequiredService<THandler>().HandleAsync(message, context, cancellationToken);
}

public sealed class HandRouteTable(params MessageRoute[] routes) : IMessageRouteTable
{
    public IReadOnlyList<MessageRoute> Routes { get; } = [.. routes.OrderBy(r => r.TypeId, StringComparer.Ordinal)];

    public MessageRoute? FindRoute(ReadOnlySpan<byte> typeIdUtf8)
    {
        foreach (var route in Routes)
        {
            if (typeIdUtf8.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(route.TypeId)))
            {
                return route;
            }
        }

        return null;
    }
}

/// <summary>A second table type, to test duplicate type ids across tables.</summary>
public sealed class OtherHandRouteTable(params MessageRoute[] routes) : IMessageRouteTable
{
    private readonly HandRouteTable _inner = new(routes);

    public IReadOnlyList<MessageRoute> Routes => _inner.Routes;

    public MessageRoute? FindRoute(ReadOnlySpan<byte> typeIdUtf8) => _inner.FindRoute(typeIdUtf8);
}
