using Confluent.Kafka;
using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// A route bound to the application's services at start-up: how its handlers are obtained (once, when every one is a
/// singleton, or from a new DI scope per message) and the typed entry into the consumer stages.
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

    /// <summary>Deserializes and handles a record routed here (stages 2 and 3 of <see cref="MessageProcessor"/>).</summary>
    public abstract ValueTask<MessageOutcome> ProcessAsync(MessageProcessor processor, ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken);

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

    // The common case taken without a state machine: one singleton handler.
    private readonly IHandle<TMessage>? _onlySingleton;

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

            _onlySingleton = _singletons.Length == 1 ? _singletons[0] : null;
        }
    }

    public string TypeId => _route.TypeId;

    public override ValueTask<MessageOutcome> ProcessAsync(MessageProcessor processor, ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        // Stage 2: deserialize; a payload that is not a valid encoding is poison, not a reason to stop the partition.
        TMessage message;
        try
        {
            message = _route.Deserialize(record.Message.Value ?? ReadOnlyMemory<byte>.Empty);
        }
        catch (Exception ex)
        {
            return new(processor.InvalidPayload(record, _route.TypeId, ex));
        }

        // Stage 3: handle. One singleton handler, nobody tracing or timing, and a handler that completes synchronously
        // (the usual no-I/O or cached case) finish here without a state machine or an allocation; anything else,
        // including a failure to retry, continues in the general path.
        if (_onlySingleton is { } handler && !MessageProcessor.IsObserved)
        {
            ValueTask pending;
            try
            {
                pending = handler.HandleAsync(message, processor.CreateContext(record, _route.TypeId, attempt: 1), cancellationToken);
            }
            catch (Exception ex)
            {
                pending = ValueTask.FromException(ex);
            }

            if (pending.IsCompletedSuccessfully)
            {
                pending.GetAwaiter().GetResult(); // returns a pooled IValueTaskSource to its pool
                return new(MessageOutcome.Handled);
            }

            return processor.HandleAsync(this, record, message, pending, cancellationToken);
        }

        return processor.HandleAsync(this, record, message, firstAttempt: null, cancellationToken);
    }

    /// <summary>Calls every handler in <see cref="MessageRoute.HandlerTypes"/> order; <paramref name="scope"/> supplies them when the route is scoped.</summary>
    public async ValueTask InvokeAsync(TMessage message, MessageContext context, IServiceProvider? scope, CancellationToken cancellationToken)
    {
        if (_singletons is { } singletons)
        {
            foreach (var handler in singletons)
            {
                await handler.HandleAsync(message, context, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            foreach (var handlerType in _handlerTypes)
            {
                await Resolve(scope!, handlerType).HandleAsync(message, context, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private IHandle<TMessage> Resolve(IServiceProvider services, Type handlerType)
        => services.GetRequiredService(handlerType) as IHandle<TMessage>
            ?? throw new InvalidOperationException($"The handler {handlerType.FullName} of '{_route.TypeId}' does not implement IHandle<{typeof(TMessage).FullName}>.");
}
