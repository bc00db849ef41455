using System.Data.Common;
using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// Writes messages into the transactional outbox, in the caller's database transaction: a message is published if and
/// only if that transaction commits. The outbox relay (a hosted service added with the outbox) publishes committed
/// messages with the idempotent producer, in write order, and marks them sent.
/// </summary>
/// <remarks>
/// The record is built when the message is written, exactly as <see cref="IMessagePublisher"/> builds it: key, payload
/// and CloudEvents headers, with the <c>ce_id</c> and <c>ce_time</c> fixed at write time. A message the relay publishes
/// again (it stopped after the broker acknowledged a batch and before the batch was marked sent) carries the same
/// <c>ce_id</c> and bytes, so a deduplicating consumer handles it once. The transaction is an ADO.NET
/// <see cref="DbTransaction"/> of the outbox's database; with EF Core, pass <c>context.Database.CurrentTransaction.GetDbTransaction()</c>.
/// </remarks>
/// <example>
/// <code>
/// await using var transaction = await connection.BeginTransactionAsync(ct);
/// await orders.InsertAsync(order, transaction, ct);
/// await outbox.WriteAsync(new OrderPlaced(order.Id, order.Customer, order.Lines), transaction, cancellationToken: ct);
/// await transaction.CommitAsync(ct);   // the order row and the message, or neither
/// </code>
/// </example>
public interface IOutbox
{
    /// <summary>Writes <paramref name="message"/> into the outbox within <paramref name="transaction"/>.</summary>
    /// <typeparam name="T">A generated message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="transaction">The caller's open transaction on the outbox's database; the caller commits or rolls it back.</param>
    /// <param name="topic">The topic; <see langword="null"/> for the type's default topic, else <c>KafkaTyped:Publisher:DefaultTopic</c>.</param>
    /// <param name="headers">Extra headers (not the CloudEvents ones, which KafkaTyped writes).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The message's <c>ce_id</c>.</returns>
    Task<string> WriteAsync<T>(T message, DbTransaction transaction, string? topic = null, Headers? headers = null, CancellationToken cancellationToken = default)
        where T : IKafkaMessage<T>;
}
