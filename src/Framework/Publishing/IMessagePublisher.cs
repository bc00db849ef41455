using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// Publishes typed messages to Kafka: the key from the <see cref="MessageKeyAttribute"/> member, the value from the
/// generated serializer, and CloudEvents 1.0 binary-mode headers (<c>ce_id</c> a UUIDv7, <c>ce_type</c> the type id).
/// Registered as a singleton by <c>AddKafkaTyped</c>; thread-safe.
/// </summary>
/// <remarks>
/// The topic is, in order: the topic passed to the call, the message's <see cref="KafkaMessageAttribute.Topic"/>,
/// <see cref="PublisherOptions.DefaultTopic"/>; with none of them the call throws <see cref="InvalidOperationException"/>.
/// </remarks>
public interface IMessagePublisher
{
    /// <summary>Publishes a message and completes when the broker acknowledged it (with the configured <c>acks</c>).</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting; a record already handed to the client may still be delivered. Checked before the record is handed over, so an already cancelled token publishes nothing.</param>
    /// <returns>Where the broker wrote the message, and its id.</returns>
    /// <exception cref="PublishException">The record was not delivered.</exception>
    /// <exception cref="InvalidOperationException">No topic is known for the message type.</exception>
    Task<PublishResult> PublishAsync<T>(T message, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>;

    /// <summary>Publishes a message to <paramref name="topic"/> (or the default topic when <see langword="null"/>) and completes when the broker acknowledged it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="topic">The topic, overriding the message's default; <see langword="null"/> for the default.</param>
    /// <param name="headers">Extra headers appended after KafkaTyped's; names of the CloudEvents and trace context headers are reserved.</param>
    /// <param name="cancellationToken">Stops waiting; a record already handed to the client may still be delivered. Checked before the record is handed over, so an already cancelled token publishes nothing.</param>
    /// <returns>Where the broker wrote the message, and its id.</returns>
    /// <exception cref="PublishException">The record was not delivered.</exception>
    /// <exception cref="ArgumentException"><paramref name="headers"/> contains a reserved header.</exception>
    /// <exception cref="InvalidOperationException">No topic is known for the message type.</exception>
    Task<PublishResult> PublishAsync<T>(T message, string? topic, Headers? headers = null, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>;

    /// <summary>
    /// Hands a message to the client for batched delivery and returns at once, unless librdkafka's local queue is full:
    /// then it blocks until there is room, for up to <see cref="PublisherOptions.QueueFullTimeout"/> (and fails at once
    /// when called from an <see cref="IDeliveryFailureHandler"/>). A failed delivery is never silent: it is logged,
    /// counted (<c>kafkatyped.publish.delivery_failures</c>) and passed to every registered
    /// <see cref="IDeliveryFailureHandler"/>, also when the publisher is disposed before Kafka acknowledged it.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="topic">The topic, overriding the message's default; <see langword="null"/> for the default.</param>
    /// <param name="headers">Extra headers appended after KafkaTyped's; names of the CloudEvents and trace context headers are reserved.</param>
    /// <exception cref="PublishException">The client refused the record (for example its queue stayed full for <see cref="PublisherOptions.QueueFullTimeout"/>).</exception>
    void Publish<T>(T message, string? topic = null, Headers? headers = null) where T : IKafkaMessage<T>;

    /// <summary>
    /// Begins a Kafka transaction on the transactional producer configured by <see cref="PublisherOptions.TransactionalId"/>:
    /// the messages published in it are committed or aborted together. One transaction is open at a time: a second call
    /// waits until the open one was committed, aborted or disposed, for up to <see cref="PublisherOptions.TransactionTimeout"/>.
    /// The first call initialises the producer's transactions (<c>InitTransactions</c>), which fences an older producer
    /// with the same id. See <c>docs/exactly-once.md</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="PublisherOptions.TransactionalId"/> is not set.</exception>
    /// <exception cref="TimeoutException">The open transaction did not end within <see cref="PublisherOptions.TransactionTimeout"/>, or the transaction coordinator could not be reached.</exception>
    /// <exception cref="ProducerFencedException">The producer was fenced while initialising; it was rebuilt, try again.</exception>
    ValueTask<IPublishTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().FullName} does not offer transactions.");

    /// <summary>Waits until every record handed to the client was acknowledged or failed, or until the timeout.</summary>
    /// <returns>The number of records still outstanding; 0 when everything was delivered or reported.</returns>
    int Flush(TimeSpan timeout);
}
