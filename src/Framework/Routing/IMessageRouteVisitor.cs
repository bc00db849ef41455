namespace KafkaTyped.Routing;

/// <summary>
/// An operation on a <see cref="MessageRoute"/> that needs its message type: <see cref="MessageRoute.Accept{TResult}"/>
/// calls <see cref="Visit{TMessage}"/> with the typed route, so a caller holding the untyped route reaches the typed one
/// without reflection. The consumer binds each route this way, once, at start-up; routing itself knows nothing of the
/// consumer.
/// </summary>
/// <typeparam name="TResult">What the operation returns.</typeparam>
internal interface IMessageRouteVisitor<out TResult>
{
    /// <summary>Runs the operation on a route of messages of type <typeparamref name="TMessage"/>.</summary>
    /// <typeparam name="TMessage">The route's message type.</typeparam>
    /// <param name="route">The route, typed.</param>
    /// <returns>The operation's result.</returns>
    TResult Visit<TMessage>(MessageRoute<TMessage> route);
}
