using System.Data.Common;

namespace KafkaTyped;

/// <summary>
/// A deduplication store whose marks live in a database the handlers write to, so that a handler's rows and its mark
/// commit in one transaction (the inbox). For a handler with <see cref="DeduplicateAttribute"/>, the consumer opens an
/// <see cref="InboxTransaction"/> per attempt, claims the message in it (<see cref="TryClaimAsync"/>), hands it to the
/// handler as the scoped <see cref="IInbox"/>, and commits it when the handler returned: the effects happen once.
/// </summary>
/// <remarks>The SQLite and PostgreSQL stores of <c>KafkaTyped.Sqlite</c> and <c>KafkaTyped.PostgreSql</c> implement it.</remarks>
public interface IInboxStore : IDeduplicationStore
{
    /// <summary>Opens a connection to the store's database and begins a transaction on it.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The transaction; disposing it uncommitted rolls it back and closes the connection.</returns>
    ValueTask<InboxTransaction> BeginAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Marks <paramref name="key"/> handled for <paramref name="window"/> within <paramref name="transaction"/>, unless an
    /// unexpired mark exists. A concurrent claim of the same key waits for this transaction and then sees its mark, so
    /// of two deliveries of one message only one handles it.
    /// </summary>
    /// <param name="transaction">A transaction of <see cref="BeginAsync"/>.</param>
    /// <param name="key">Consumer group, handler and message id.</param>
    /// <param name="window">How long the mark lasts; greater than zero.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when claimed (handle the message); <see langword="false"/> when it was handled already.</returns>
    ValueTask<bool> TryClaimAsync(InboxTransaction transaction, DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken);
}

/// <summary>
/// The database transaction a deduplicating handler writes its effects in: inject it (a scoped service) into a scoped
/// handler, run its commands on <see cref="Connection"/> within <see cref="Transaction"/>, and do not commit it: the
/// consumer commits it together with the message's deduplication mark when the handler returns, and rolls it back when
/// the handler throws.
/// </summary>
/// <example>
/// <code>
/// [Deduplicate]
/// public sealed class RecordPayment(IInbox inbox) : IHandle&lt;PaymentCaptured&gt;
/// {
///     public async ValueTask HandleAsync(PaymentCaptured message, MessageContext context, CancellationToken ct)
///     {
///         await using var command = inbox.Connection.CreateCommand();
///         command.Transaction = inbox.Transaction;
///         command.CommandText = "INSERT INTO payments (id, amount) VALUES ($id, $amount)";
///         ...
///         await command.ExecuteNonQueryAsync(ct);
///     }
/// }
/// </code>
/// </example>
public interface IInbox
{
    /// <summary>The open connection to the deduplication store's database.</summary>
    DbConnection Connection { get; }

    /// <summary>The transaction the consumer commits with the deduplication mark.</summary>
    DbTransaction Transaction { get; }
}

/// <summary>A connection and the transaction begun on it, owned by the consumer for one handler attempt.</summary>
public sealed class InboxTransaction : IInbox, IAsyncDisposable
{
    private bool _completed;

    /// <summary>Wraps a transaction; the connection is closed when this is disposed.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction begun on <paramref name="connection"/>.</param>
    public InboxTransaction(DbConnection connection, DbTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    /// <inheritdoc />
    public DbConnection Connection { get; }

    /// <inheritdoc />
    public DbTransaction Transaction { get; }

    /// <summary>Commits the transaction.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when committed.</returns>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    /// <summary>Rolls back the transaction unless it was committed, and closes the connection.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_completed && Transaction.Connection is not null)
            {
                await Transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (DbException)
        {
            // A broken connection cannot roll back; closing it ends the transaction on the server, uncommitted.
        }
        finally
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
