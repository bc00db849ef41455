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

    // Per table, the binding of each route at the route's index in the table's Routes.
    private readonly RouteBinding[][] _bindings;

    private RouteRegistry(IMessageRouteTable[] tables, RouteBinding[][] bindings)
    {
        _tables = tables;
        _bindings = bindings;
        RouteBinding[] all = [.. bindings.SelectMany(b => b)];
        for (var i = 0; i < all.Length; i++)
        {
            all[i].Index = i;
        }

        Bindings = all;
    }

    /// <summary>Every route, with how it is dispatched.</summary>
    public IReadOnlyList<RouteBinding> Bindings { get; }

    /// <summary>The route of a type id, or <see langword="null"/>.</summary>
    public RouteBinding? Find(ReadOnlySpan<byte> typeIdUtf8)
    {
        if (_tables.Length == 1)
        {
            // The usual case: one assembly of handlers.
            var index = _tables[0].IndexOf(typeIdUtf8);
            var bindings = _bindings[0];
            return (uint)index < (uint)bindings.Length ? bindings[index] : null;
        }

        var tables = _tables;
        for (var i = 0; i < tables.Length; i++)
        {
            var index = tables[i].IndexOf(typeIdUtf8);
            if (index >= 0)
            {
                var bindings = _bindings[i];
                return (uint)index < (uint)bindings.Length ? bindings[index] : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Validates the tables, decides per route whether handlers need a DI scope, and resolves the handlers of the routes
    /// that do not (all singletons) once, here.
    /// </summary>
    /// <exception cref="InvalidOperationException">A type id is routed twice, or a handler is not registered.</exception>
    public static RouteRegistry Create(IEnumerable<IMessageRouteTable> tables, HandlerRegistrations registrations, IServiceProvider services)
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
        var scoped = new List<bool[]>();
        var errors = new List<string>();
        foreach (var table in distinct)
        {
            var routes = table.Routes;
            var tableScoped = new bool[routes.Count];
            scoped.Add(tableScoped);
            for (var index = 0; index < routes.Count; index++)
            {
                var route = routes[index];
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

                tableScoped[index] = !allSingleton;
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("KafkaTyped routing is misconfigured:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        var bindings = new RouteBinding[distinct.Count][];
        for (var i = 0; i < distinct.Count; i++)
        {
            var routes = distinct[i].Routes;
            bindings[i] = new RouteBinding[routes.Count];
            for (var index = 0; index < routes.Count; index++)
            {
                bindings[i][index] = RouteBinding.Create(routes[index], services, scoped[i][index]);
            }
        }

        return new RouteRegistry([.. distinct], bindings);
    }
}
