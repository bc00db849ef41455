using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// A Kafka transaction of the publisher's transactional producer (<see cref="PublisherOptions.TransactionalId"/>): the
/// messages published in it become visible to <c>read_committed</c> readers together when <see cref="CommitAsync"/>
/// succeeds, and never when it is aborted. Begun with <see cref="IMessagePublisher.BeginTransactionAsync"/>; disposing
/// it without a commit aborts it. Not thread-safe: one caller publishes, then commits or aborts.
/// </summary>
/// <remarks>See <c>docs/exactly-once.md</c>, "Atomic publish".</remarks>
public interface IPublishTransaction : IAsyncDisposable
{
    /// <summary>Publishes a message in the transaction and completes when the broker acknowledged it (it is visible only once committed).</summary>
    /// <param name="message">The message.</param>
    /// <param name="topic">The topic, overriding the message's default; <see langword="null"/> for the default.</param>
    /// <param name="headers">Extra headers appended after KafkaTyped's; names of the CloudEvents and trace context headers are reserved.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement; the record stays in the transaction.</param>
    /// <returns>Where the broker wrote the message, and its id.</returns>
    /// <exception cref="PublishException">The record was not written; the transaction can only be aborted.</exception>
    /// <exception cref="InvalidOperationException">The transaction was committed or aborted already.</exception>
    Task<PublishResult> PublishAsync<T>(T message, string? topic = null, Headers? headers = null, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>;

    /// <summary>Hands a message to the client in the transaction and returns at once; <see cref="CommitAsync"/> waits for it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="topic">The topic, overriding the message's default; <see langword="null"/> for the default.</param>
    /// <param name="headers">Extra headers appended after KafkaTyped's.</param>
    /// <exception cref="InvalidOperationException">The transaction was committed or aborted already.</exception>
    void Publish<T>(T message, string? topic = null, Headers? headers = null) where T : IKafkaMessage<T>;

    /// <summary>
    /// Commits the transaction: every message published in it becomes visible, or none. A retriable failure (the
    /// coordinator moving, a timeout) is retried within <see cref="PublisherOptions.TransactionTimeout"/>.
    /// </summary>
    /// <exception cref="TransactionAbortedException">The commit failed and the transaction was aborted: nothing of it is visible; publish again in a new transaction.</exception>
    /// <exception cref="ProducerFencedException">The producer was fenced (another producer uses the same transactional id) or failed fatally: nothing of the transaction is visible and the producer was rebuilt.</exception>
    Task CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>Aborts the transaction: nothing published in it becomes visible. Aborting twice, or after a failed commit, does nothing.</summary>
    /// <exception cref="ProducerFencedException">The producer was fenced or failed fatally (the transaction is aborted by its successor).</exception>
    Task AbortAsync(CancellationToken cancellationToken = default);
}

/// <summary>A Kafka transaction failed and was aborted: nothing published in it is visible to <c>read_committed</c> readers.</summary>
public sealed class TransactionAbortedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransactionAbortedException(string message, Error error, Exception? innerException)
        : base(message, innerException) => Error = error;

    /// <summary>The Kafka error that made the transaction fail.</summary>
    public Error Error { get; }
}

/// <summary>
/// The transactional producer was fenced (a newer producer with the same <c>transactional.id</c> started) or raised a
/// fatal error: its open transaction is lost (the broker aborts it), and KafkaTyped rebuilt the producer, so a new
/// transaction can be begun. Two running instances with one <see cref="PublisherOptions.TransactionalId"/> keep fencing
/// each other: give each instance its own id.
/// </summary>
public sealed class ProducerFencedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProducerFencedException(string message, Error error, Exception? innerException)
        : base(message, innerException) => Error = error;

    /// <summary>The fatal Kafka error (<c>Local_Fenced</c> when another producer took the transactional id).</summary>
    public Error Error { get; }
}
