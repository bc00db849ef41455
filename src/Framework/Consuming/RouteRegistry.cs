using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// Every route table added through <see cref="IKafkaTypedBuilder.AddRouteTable"/>, checked at start-up: a type id
/// routed by two tables, or a handler missing from the service collection, fails the start with a clear message.
/// </summary>
internal sealed class RouteRegistry
{
    private readonly IMessageRouteTable[] _tables;
    private readonly Dictionary<MessageRoute, RouteBinding> _bindings;

    private RouteRegistry(IMessageRouteTable[] tables, Dictionary<MessageRoute, RouteBinding> bindings)
    {
        _tables = tables;
        _bindings = bindings;
    }

    /// <summary>Every route, with how it is dispatched.</summary>
    public IReadOnlyCollection<RouteBinding> Bindings => _bindings.Values;

    /// <summary>The route of a type id, or <see langword="null"/>.</summary>
    public RouteBinding? Find(ReadOnlySpan<byte> typeIdUtf8)
    {
        foreach (var table in _tables)
        {
            if (table.FindRoute(typeIdUtf8) is { } route)
            {
                return _bindings.TryGetValue(route, out var binding) ? binding : null;
            }
        }

        return null;
    }

    /// <summary>Validates the tables and decides, per route, whether handlers need a DI scope.</summary>
    /// <exception cref="InvalidOperationException">A type id is routed twice, or a handler is not registered.</exception>
    public static RouteRegistry Create(IEnumerable<IMessageRouteTable> tables, HandlerRegistrations registrations)
    {
        var distinct = new List<IMessageRouteTable>();
        foreach (var table in tables)
        {
            if (!distinct.Exists(t => ReferenceEquals(t, table) || t.GetType() == table.GetType()))
            {
                distinct.Add(table);
            }
        }

        var owners = new Dictionary<string, IMessageRouteTable>(StringComparer.Ordinal);
        var bindings = new Dictionary<MessageRoute, RouteBinding>(ReferenceEqualityComparer.Instance);
        var errors = new List<string>();
        foreach (var table in distinct)
        {
            foreach (var route in table.Routes)
            {
                if (owners.TryGetValue(route.TypeId, out var owner))
                {
                    errors.Add($"The type id '{route.TypeId}' is routed by two route tables ({owner.GetType().FullName} and {table.GetType().FullName}); type ids must be unique across every assembly added with AddRouteTable.");
                    continue;
                }

                owners.Add(route.TypeId, table);
                var allSingleton = true;
                foreach (var handlerType in route.HandlerTypes)
                {
                    var lifetime = registrations.FindLifetime(handlerType);
                    if (lifetime is null)
                    {
                        errors.Add($"The handler {handlerType.FullName} of '{route.TypeId}' is not registered in the service collection; call AddGeneratedHandlers() on the KafkaTyped builder or register it.");
                    }

                    allSingleton &= lifetime == ServiceLifetime.Singleton;
                }

                bindings[route] = new RouteBinding(route, Scoped: !allSingleton);
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("KafkaTyped routing is misconfigured:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        return new RouteRegistry([.. distinct], bindings);
    }
}

/// <summary>A route and whether its handlers are resolved from a new DI scope per message.</summary>
internal sealed record RouteBinding(MessageRoute Route, bool Scoped);
