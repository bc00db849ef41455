using System.Data.Common;

namespace KafkaTyped;

/// <summary>
/// Where the outbox keeps messages: a table in the application's database. <c>KafkaTyped.Sqlite</c> and
/// <c>KafkaTyped.PostgreSql</c> implement it; the relay of the core package calls it.
/// </summary>
/// <remarks>
/// A store guarantees that at most one relay holds a batch of one outbox at a time, across processes (several service
/// instances on one database), and that a batch whose relay dies is released without being marked sent, so the next
/// batch starts with the same messages.
/// </remarks>
public interface IOutboxStore
{
    /// <summary>Creates the outbox table and its index when missing; called once when the relay starts.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the schema exists.</returns>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Inserts a message in the caller's transaction.</summary>
    /// <param name="transaction">The caller's open transaction on this store's database.</param>
    /// <param name="message">The message (<see cref="OutboxMessage.Sequence"/> is assigned by the store).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the row is written (visible to relays once the transaction commits).</returns>
    Task AddAsync(DbTransaction transaction, OutboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the oldest unsent messages, at most <paramref name="maxMessages"/>, in <see cref="OutboxMessage.Sequence"/>
    /// order, and holds them until the batch is completed or disposed. Returns <see langword="null"/> when another relay
    /// holds a batch of this outbox.
    /// </summary>
    /// <param name="maxMessages">The largest batch.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The batch (possibly empty), or <see langword="null"/>.</returns>
    Task<IOutboxBatch?> ClaimBatchAsync(int maxMessages, CancellationToken cancellationToken);

    /// <summary>Deletes messages marked sent before <paramref name="sentBefore"/>.</summary>
    /// <param name="sentBefore">The cut-off.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many messages were deleted.</returns>
    Task<int> DeleteSentAsync(DateTimeOffset sentBefore, CancellationToken cancellationToken);

    /// <summary>
    /// Counts the messages not yet sent: the outbox backlog, for the <c>kafkatyped.outbox.backlog</c> gauge and the
    /// readiness data. The relay calls it at most every few seconds. A store that cannot count cheaply keeps this
    /// default, which reports no backlog.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of unsent messages, or <see langword="null"/> when the store does not count them.</returns>
    Task<long?> CountUnsentAsync(CancellationToken cancellationToken) => Task.FromResult<long?>(null);
}

/// <summary>A batch of outbox messages held by one relay; disposing it without <see cref="CompleteAsync"/> releases them unsent.</summary>
public interface IOutboxBatch : IAsyncDisposable
{
    /// <summary>The messages, in <see cref="OutboxMessage.Sequence"/> order.</summary>
    IReadOnlyList<OutboxMessage> Messages { get; }

    /// <summary>Marks every message of the batch sent at <paramref name="sentAt"/> and releases the batch.</summary>
    /// <param name="sentAt">When the broker acknowledged the last of them.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the marks are durable.</returns>
    Task CompleteAsync(DateTimeOffset sentAt, CancellationToken cancellationToken);
}
