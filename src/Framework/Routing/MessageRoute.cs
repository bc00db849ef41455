namespace KafkaTyped.Routing;

/// <summary>
/// One entry of a generated routing table: a message type id, how to deserialize its payload and which handlers
/// receive it. Generated code derives from <see cref="MessageRoute{TMessage}"/>; the consumer pipeline drives it.
/// </summary>
public abstract class MessageRoute
{
    private protected MessageRoute()
    {
    }

    /// <summary>The type id this route serves.</summary>
    public abstract string TypeId { get; }

    /// <summary>The message type.</summary>
    public abstract Type MessageType { get; }

    /// <summary>The handler types the message is dispatched to, in the order they are called; each implements <see cref="IHandle{TMessage}"/> of <see cref="MessageType"/>.</summary>
    public abstract IReadOnlyList<Type> HandlerTypes { get; }

    /// <summary>
    /// The <see cref="RetryAttribute"/> that applies to the handler at <paramref name="handlerIndex"/> in
    /// <see cref="HandlerTypes"/> (declared on the handler, else on the message), or <see langword="null"/> when neither declares one.
    /// </summary>
    /// <param name="handlerIndex">A position in <see cref="HandlerTypes"/>.</param>
    /// <returns>The declared policy, or <see langword="null"/>.</returns>
    public virtual RetryPolicy? GetRetryPolicy(int handlerIndex) => null;

    /// <summary>
    /// The <see cref="DeadLetterTopicAttribute"/> topic that applies to the handler at <paramref name="handlerIndex"/> in
    /// <see cref="HandlerTypes"/> (declared on the handler, else on the message), or <see langword="null"/> when neither declares one.
    /// </summary>
    /// <param name="handlerIndex">A position in <see cref="HandlerTypes"/>.</param>
    /// <returns>The declared topic, or <see langword="null"/>.</returns>
    public virtual string? GetDeadLetterTopic(int handlerIndex) => null;

    /// <summary>
    /// The <see cref="DeduplicateAttribute"/> that applies to the handler at <paramref name="handlerIndex"/> in
    /// <see cref="HandlerTypes"/> (declared on the handler, else on the message), or <see langword="null"/> when neither declares one.
    /// </summary>
    /// <param name="handlerIndex">A position in <see cref="HandlerTypes"/>.</param>
    /// <returns>The declared policy, or <see langword="null"/>.</returns>
    public virtual DeduplicationPolicy? GetDeduplicationPolicy(int handlerIndex) => null;

    /// <summary>
    /// The <see cref="OrderingAttribute"/> that applies to the handler at <paramref name="handlerIndex"/> in
    /// <see cref="HandlerTypes"/> (declared on the handler, else on the message), or <see langword="null"/> when neither
    /// declares one (partition order).
    /// </summary>
    /// <param name="handlerIndex">A position in <see cref="HandlerTypes"/>.</param>
    /// <returns>The declared ordering, or <see langword="null"/>.</returns>
    public virtual OrderingPolicy? GetOrdering(int handlerIndex) => null;

    /// <summary>Calls <paramref name="visitor"/> with this route typed by its message type (no reflection).</summary>
    internal abstract TResult Accept<TResult>(IMessageRouteVisitor<TResult> visitor);
}

/// <summary>A route for messages of type <typeparamref name="TMessage"/>; derived from by generated code only.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public abstract class MessageRoute<TMessage> : MessageRoute
{
    /// <inheritdoc/>
    public sealed override Type MessageType => typeof(TMessage);

    /// <summary>Deserializes a MessagePack payload written by the message's generated serializer.</summary>
    /// <exception cref="MessagePack.MessagePackSerializationException">The payload is not a valid encoding.</exception>
    public TMessage Deserialize(ReadOnlyMemory<byte> payload) => Deserialize(payload, MessageFormat.MessagePack);

    /// <summary>Deserializes a payload in <paramref name="format"/> written by the message's generated serializers.</summary>
    /// <exception cref="MessagePack.MessagePackSerializationException">MessagePack: the payload is not a valid encoding.</exception>
    /// <exception cref="System.Text.Json.JsonException">JSON or envelope: the payload is not a valid encoding.</exception>
    public abstract TMessage Deserialize(ReadOnlyMemory<byte> payload, MessageFormat format);

    /// <summary>
    /// The business key <paramref name="message"/> declares with <see cref="DeduplicationKeyAttribute"/>, which the
    /// deduplicating handlers of this route use instead of the record's <c>ce_id</c>; <see langword="null"/> when it
    /// declares none. Generated for routes with a deduplicating handler.
    /// </summary>
    /// <param name="message">The deserialized message.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    public virtual string? GetDeduplicationKey(TMessage message) => null;

    internal sealed override TResult Accept<TResult>(IMessageRouteVisitor<TResult> visitor) => visitor.Visit(this);
}
