using System.Data.Common;
using KafkaTyped.Storage;
using Microsoft.Data.Sqlite;

namespace KafkaTyped.Sqlite;

/// <summary>
/// Deduplication marks in a SQLite database file (WAL journal): they survive a restart of the process. Marks can also
/// be written within a caller's <see cref="SqliteTransaction"/> (<see cref="MarkAsync(DbTransaction, DeduplicationKey, TimeSpan, CancellationToken)"/>),
/// so a handler's rows and its mark commit together; as an <see cref="IInboxStore"/> it gives deduplicating handlers that
/// transaction as their <see cref="IInbox"/>. A transaction holds SQLite's single write lock (<c>BEGIN IMMEDIATE</c>)
/// from the claim to the commit, so inbox handlers of one database file run one at a time.
/// </summary>
public sealed class SqliteDeduplicationStore : IInboxStore
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "kafkatyped_dedup";

    private readonly string _connectionString;
    private readonly string _table;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the store; call <see cref="InitializeAsync"/> once before use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string naming the database file.</param>
    /// <param name="defaultWindow">The default window (10 minutes when <see langword="null"/>).</param>
    /// <param name="tableName">The table: letters, digits and underscores.</param>
    /// <param name="timeProvider">The clock (the system clock when <see langword="null"/>).</param>
    public SqliteDeduplicationStore(string connectionString, TimeSpan? defaultWindow = null, string tableName = DefaultTableName, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        _table = SqlIdentifier.Require(tableName, nameof(tableName));
        DefaultWindow = defaultWindow ?? TimeSpan.FromMinutes(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultWindow, TimeSpan.Zero, nameof(defaultWindow));
        _timeProvider = timeProvider ?? TimeProvider.System;
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
                consumer_group TEXT NOT NULL,
                handler TEXT NOT NULL,
                message_id TEXT NOT NULL,
                expires_at INTEGER NOT NULL,
                PRIMARY KEY (consumer_group, handler, message_id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS {table}_expires_at ON {table} (expires_at);
            """;
    }

    /// <summary>Creates the table when missing.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the table exists.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;" + CreateScript(_table);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ContainsAsync(DeduplicationKey key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT 1 FROM {_table} WHERE consumer_group = $group AND handler = $handler AND message_id = $id AND expires_at > $now";
        AddKey(command, key);
        command.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public async ValueTask MarkAsync(DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await MarkAsync(transaction, key, window, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks <paramref name="key"/> handled within the caller's transaction: the mark exists if and only if that
    /// transaction commits (the inbox: a handler's rows and its mark together). Expired marks are deleted in the same
    /// transaction.
    /// </summary>
    /// <param name="transaction">An open <see cref="SqliteTransaction"/> on this store's database.</param>
    /// <param name="key">Consumer group, handler and message id.</param>
    /// <param name="window">How long the mark lasts; greater than zero.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the mark is written (durable once the transaction commits).</returns>
    public async Task MarkAsync(DbTransaction transaction, DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var sqlite = transaction as SqliteTransaction
            ?? throw new ArgumentException($"The SQLite deduplication store writes in a {nameof(SqliteTransaction)}; the transaction given is a {transaction?.GetType().Name ?? "null"}.", nameof(transaction));
        var now = _timeProvider.GetUtcNow();
        await using var command = sqlite.Connection!.CreateCommand();
        command.Transaction = sqlite;
        command.CommandText = $"""
            INSERT INTO {_table} (consumer_group, handler, message_id, expires_at) VALUES ($group, $handler, $id, $expires)
            ON CONFLICT (consumer_group, handler, message_id) DO UPDATE SET expires_at = excluded.expires_at;
            DELETE FROM {_table} WHERE expires_at <= $now;
            """;
        AddKey(command, key);
        command.Parameters.AddWithValue("$expires", (now + window).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<InboxTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new InboxTransaction(connection, connection.BeginTransaction(deferred: false));
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
        var sqlite = transaction.Transaction as SqliteTransaction
            ?? throw new ArgumentException($"The SQLite deduplication store claims in a {nameof(SqliteTransaction)}.", nameof(transaction));
        var now = _timeProvider.GetUtcNow();
        await using var command = sqlite.Connection!.CreateCommand();
        command.Transaction = sqlite;

        // Inserts the mark, or renews an expired one; an unexpired mark is left alone and nothing changes (0 rows).
        command.CommandText = $"""
            INSERT INTO {_table} (consumer_group, handler, message_id, expires_at) VALUES ($group, $handler, $id, $expires)
            ON CONFLICT (consumer_group, handler, message_id) DO UPDATE SET expires_at = excluded.expires_at WHERE {_table}.expires_at <= $now
            """;
        AddKey(command, key);
        command.Parameters.AddWithValue("$expires", (now + window).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static void AddKey(SqliteCommand command, DeduplicationKey key)
    {
        command.Parameters.AddWithValue("$group", key.ConsumerGroup);
        command.Parameters.AddWithValue("$handler", key.Handler);
        command.Parameters.AddWithValue("$id", key.MessageId);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
