namespace KafkaTyped;

/// <summary>
/// Handles messages of type <typeparamref name="TMessage"/>. The source generator finds every implementation in
/// the compilation and routes records with the message's type id to it; the registration call it generates
/// adds the handler to the service collection.
/// </summary>
/// <typeparam name="TMessage">A <see cref="KafkaMessageAttribute"/> type.</typeparam>
public interface IHandle<in TMessage>
{
    /// <summary>Handles one message. The record's offset is committed only after this completes.</summary>
    /// <param name="message">The deserialized message.</param>
    /// <param name="context">Where the record came from: topic, partition, offset, key, headers, attempt.</param>
    /// <param name="cancellationToken">Signalled when the consumer stops or the partition is revoked.</param>
    ValueTask HandleAsync(TMessage message, MessageContext context, CancellationToken cancellationToken);
}
