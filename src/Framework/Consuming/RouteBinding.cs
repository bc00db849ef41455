using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// A route bound to the application's services at start-up: how its handlers are obtained (once, when every one is a
/// singleton, or from a new DI scope per message); each consumer group builds its <see cref="RouteChain"/> from it.
/// </summary>
internal abstract class RouteBinding
{
    private protected RouteBinding(MessageRoute route, bool scoped)
    {
        Route = route;
        Scoped = scoped;
    }

    /// <summary>The generated route.</summary>
    public MessageRoute Route { get; }

    /// <summary>Whether handlers are resolved from a new DI scope for each message.</summary>
    public bool Scoped { get; }

    /// <summary>The binding's position in <see cref="RouteRegistry.Bindings"/>, where a consumer group keeps its chain of this route.</summary>
    public int Index { get; internal set; }

    /// <summary>The route's stages in a consumer group, with each handler's policy in that group.</summary>
    public abstract RouteChain CreateChain(ConsumerStages stages);

    /// <summary>Binds <paramref name="route"/> to <paramref name="services"/>, typed by its message type.</summary>
    /// <param name="route">A generated route.</param>
    /// <param name="services">The application's services.</param>
    /// <param name="scoped">Whether the route's handlers need a DI scope per message.</param>
    /// <returns>The binding.</returns>
    public static RouteBinding Create(MessageRoute route, IServiceProvider services, bool scoped) => route.Accept(new Binder(services, scoped));

    private sealed class Binder(IServiceProvider services, bool scoped) : IMessageRouteVisitor<RouteBinding>
    {
        public RouteBinding Visit<TMessage>(MessageRoute<TMessage> route) => new RouteBinding<TMessage>(route, services, scoped);
    }
}

/// <inheritdoc/>
/// <typeparam name="TMessage">The message type.</typeparam>
internal sealed class RouteBinding<TMessage> : RouteBinding
{
    private readonly MessageRoute<TMessage> _route;
    private readonly Type[] _handlerTypes;

    // Every handler, resolved once at start-up when all of them are singletons; null when a scope is needed per message.
    private readonly IHandle<TMessage>[]? _singletons;

    public RouteBinding(MessageRoute<TMessage> route, IServiceProvider services, bool scoped)
        : base(route, scoped)
    {
        _route = route;
        _handlerTypes = [.. route.HandlerTypes];
        if (!scoped)
        {
            _singletons = new IHandle<TMessage>[_handlerTypes.Length];
            for (var i = 0; i < _handlerTypes.Length; i++)
            {
                _singletons[i] = Resolve(services, _handlerTypes[i]);
            }

        }
    }

    public string TypeId => _route.TypeId;

    public override RouteChain CreateChain(ConsumerStages stages)
    {
        var handlers = new HandlerStage<TMessage>[_handlerTypes.Length];
        for (var i = 0; i < handlers.Length; i++)
        {
            var deduplication = _route.GetDeduplicationPolicy(i) is { } declared ? new DeduplicationStage(stages, stages.DeduplicationStore, _handlerTypes[i], declared) : null;
            handlers[i] = new HandlerStage<TMessage>(
                stages, _handlerTypes[i], _singletons?[i], HandlerPolicy.Resolve(stages.Options, _handlerTypes[i], _route.GetRetryPolicy(i), _route.GetDeadLetterTopic(i)), deduplication, _route);
        }

        return new RouteChain<TMessage>(_route, stages, handlers, Scoped);
    }

    private IHandle<TMessage> Resolve(IServiceProvider services, Type handlerType)
        => services.GetRequiredService(handlerType) as IHandle<TMessage>
            ?? throw new InvalidOperationException($"The handler {handlerType.FullName} of '{_route.TypeId}' does not implement IHandle<{typeof(TMessage).FullName}>.");
}
