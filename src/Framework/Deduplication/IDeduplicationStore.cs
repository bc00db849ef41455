namespace KafkaTyped;

/// <summary>
/// Remembers which messages a handler of a consumer group has handled, for a time window, so that a message delivered
/// again (published twice with one <c>ce_id</c>, or redelivered after a restart or rebalance) is handled once.
/// </summary>
/// <remarks>
/// <para>
/// A deduplicating stage calls it per delivery and handler, in this order: <see cref="ContainsAsync"/> before the
/// handler (a hit skips the handler and completes the delivery), then the handler, then <see cref="MarkAsync"/> once the
/// handler succeeded, and only then the delivery counts as completed for the offset commit. A crash between the handler
/// and the mark leaves the message unmarked and uncommitted: it is handled again after the restart (at most one extra
/// handling, never a lost one). A handler that failed is not marked, so its retries and its redelivery still run it.
/// </para>
/// <para>
/// Effects in the same database as a SQL store can be made exactly-once: the stores of <c>KafkaTyped.Sqlite</c> and
/// <c>KafkaTyped.PostgreSql</c> also mark within a caller's transaction (<c>MarkAsync(DbTransaction, …)</c>), so the
/// handler's rows and the mark commit together or not at all.
/// </para>
/// Implementations are safe for concurrent use.
/// </remarks>
public interface IDeduplicationStore
{
    /// <summary>The window used when the message or handler does not set <see cref="DeduplicateAttribute.WindowSeconds"/>.</summary>
    TimeSpan DefaultWindow { get; }

    /// <summary>Whether <paramref name="key"/> was marked and its window has not yet passed.</summary>
    /// <param name="key">Consumer group, handler and message id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when the message was already handled.</returns>
    ValueTask<bool> ContainsAsync(DeduplicationKey key, CancellationToken cancellationToken);

    /// <summary>Marks <paramref name="key"/> handled for <paramref name="window"/> from now (a later mark extends it).</summary>
    /// <param name="key">Consumer group, handler and message id.</param>
    /// <param name="window">How long the mark lasts; greater than zero.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the mark is durable (as durable as the store).</returns>
    ValueTask MarkAsync(DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken);
}

/// <summary>What a deduplication mark is kept under: one consumer group's handler and one message.</summary>
/// <param name="ConsumerGroup">The consumer group id.</param>
/// <param name="Handler">The handler's stable name (its type's full name).</param>
/// <param name="MessageId">The message's <c>ce_id</c>, or the business key the message declares.</param>
public readonly record struct DeduplicationKey(string ConsumerGroup, string Handler, string MessageId);
