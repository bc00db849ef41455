using System.Data.Common;
using KafkaTyped.Storage;
using Npgsql;

namespace KafkaTyped.PostgreSql;

/// <summary>
/// Deduplication marks in a PostgreSQL table: they survive restarts and are shared by every instance of a service.
/// Marks can also be written within a caller's <see cref="NpgsqlTransaction"/>
/// (<see cref="MarkAsync(DbTransaction, DeduplicationKey, TimeSpan, CancellationToken)"/>), so a handler's rows and its
/// mark commit together; as an <see cref="IInboxStore"/> it gives deduplicating handlers that transaction as their
/// <see cref="IInbox"/>. A claim inserts the mark first, so a concurrent claim of the same message (another partition,
/// another instance) waits on its row and then finds it taken.
/// </summary>
public sealed class PostgreSqlDeduplicationStore : IInboxStore, IAsyncDisposable
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "kafkatyped_dedup";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the store; call <see cref="InitializeAsync"/> once before use.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="defaultWindow">The default window (10 minutes when <see langword="null"/>).</param>
    /// <param name="tableName">The table: letters, digits and underscores.</param>
    /// <param name="timeProvider">The clock (the system clock when <see langword="null"/>).</param>
    public PostgreSqlDeduplicationStore(string connectionString, TimeSpan? defaultWindow = null, string tableName = DefaultTableName, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _table = SqlIdentifier.Require(tableName, nameof(tableName));
        DefaultWindow = defaultWindow ?? TimeSpan.FromMinutes(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultWindow, TimeSpan.Zero, nameof(defaultWindow));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc />
    public TimeSpan DefaultWindow { get; }

    /// <summary>The statements that create the table (what <see cref="InitializeAsync"/> runs).</summary>
    /// <param name="tableName">The table.</param>
    /// <returns>The SQL script.</returns>
    public static string CreateScript(string tableName = DefaultTableName)
    {
        var table = SqlIdentifier.Require(tableName, nameof(tableName));
        return $"""
            CREATE TABLE IF NOT EXISTS {table} (
                consumer_group text NOT NULL,
                handler text NOT NULL,
                message_id text NOT NULL,
                expires_at bigint NOT NULL,
                PRIMARY KEY (consumer_group, handler, message_id)
            );
            CREATE INDEX IF NOT EXISTS {table}_expires_at ON {table} (expires_at);
            """;
    }

    /// <summary>Creates the table when missing (serialized by an advisory lock, so instances starting together do not race).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the table exists.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@name))", connection, transaction))
        {
            command.Parameters.AddWithValue("name", "kafkatyped.dedup.schema." + _table);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(CreateScript(_table), connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ContainsAsync(DeduplicationKey key, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT 1 FROM {_table} WHERE consumer_group = @group AND handler = @handler AND message_id = @id AND expires_at > @now", connection);
        AddKey(command, key);
        command.Parameters.AddWithValue("now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public async ValueTask MarkAsync(DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MarkAsync(transaction, key, window, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks <paramref name="key"/> handled within the caller's transaction: the mark exists if and only if that
    /// transaction commits (the inbox: a handler's rows and its mark together).
    /// </summary>
    /// <param name="transaction">An open <see cref="NpgsqlTransaction"/> on this store's database.</param>
    /// <param name="key">Consumer group, handler and message id.</param>
    /// <param name="window">How long the mark lasts; greater than zero.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the mark is written (durable once the transaction commits).</returns>
    public async Task MarkAsync(DbTransaction transaction, DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var npgsql = transaction as NpgsqlTransaction
            ?? throw new ArgumentException($"The PostgreSQL deduplication store writes in an {nameof(NpgsqlTransaction)}; the transaction given is a {transaction?.GetType().Name ?? "null"}.", nameof(transaction));
        var now = _timeProvider.GetUtcNow();
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {_table} (consumer_group, handler, message_id, expires_at) VALUES (@group, @handler, @id, @expires)
            ON CONFLICT (consumer_group, handler, message_id) DO UPDATE SET expires_at = excluded.expires_at
            """,
            npgsql.Connection,
            npgsql);
        AddKey(command, key);
        command.Parameters.AddWithValue("expires", (now + window).ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes marks whose window has passed.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many marks were deleted.</returns>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE expires_at <= @now", connection);
        command.Parameters.AddWithValue("now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the store's connection pool.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <inheritdoc />
    public async ValueTask<InboxTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new InboxTransaction(connection, await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimAsync(InboxTransaction transaction, DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var npgsql = transaction.Transaction as NpgsqlTransaction
            ?? throw new ArgumentException($"The PostgreSQL deduplication store claims in an {nameof(NpgsqlTransaction)}.", nameof(transaction));
        var now = _timeProvider.GetUtcNow();

        // Inserts the mark, or renews an expired one; an unexpired mark is left alone (0 rows). A concurrent insert of the
        // same key blocks on the unique index until this transaction ends, then sees the committed mark.
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {_table} AS t (consumer_group, handler, message_id, expires_at) VALUES (@group, @handler, @id, @expires)
            ON CONFLICT (consumer_group, handler, message_id) DO UPDATE SET expires_at = excluded.expires_at WHERE t.expires_at <= @now
            """,
            npgsql.Connection,
            npgsql);
        AddKey(command, key);
        command.Parameters.AddWithValue("expires", (now + window).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static void AddKey(NpgsqlCommand command, DeduplicationKey key)
    {
        command.Parameters.AddWithValue("group", key.ConsumerGroup);
        command.Parameters.AddWithValue("handler", key.Handler);
        command.Parameters.AddWithValue("id", key.MessageId);
    }
}
