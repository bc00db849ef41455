using System.Data.Common;
using KafkaTyped.Storage;
using Microsoft.Data.Sqlite;

namespace KafkaTyped.Sqlite;

/// <summary>
/// The outbox in a SQLite database file (WAL journal). Messages are written in the caller's
/// <see cref="SqliteTransaction"/>; the relay holds a batch inside a write transaction (<c>BEGIN IMMEDIATE</c>), which
/// SQLite grants to one connection at a time, so relays of several processes on one file take turns.
/// </summary>
/// <remarks>
/// The schema is created when the relay starts (<see cref="InitializeAsync"/>); <see cref="CreateScript"/> returns the
/// same statements for a migration tool. While a relay publishes a batch, other writers of the database wait for it
/// (SQLite has one writer): keep <see cref="OutboxOptions.BatchSize"/> moderate.
/// </remarks>
public sealed class SqliteOutboxStore : IOutboxStore
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "kafkatyped_outbox";

    private readonly string _connectionString;
    private readonly string _table;
    private readonly string _insert;
    private readonly string _select;

    /// <summary>Creates the store.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string naming the database file.</param>
    /// <param name="tableName">The outbox table: letters, digits and underscores.</param>
    /// <exception cref="ArgumentException">The connection string is empty or the table name is not a plain identifier.</exception>
    public SqliteOutboxStore(string connectionString, string tableName = DefaultTableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        _table = SqlIdentifier.Require(tableName, nameof(tableName));
        _insert = $"INSERT INTO {_table} (topic, message_key, value, headers, message_id) VALUES ($topic, $key, $value, $headers, $id)";
        _select = $"SELECT sequence, topic, message_key, value, headers, message_id FROM {_table} WHERE sent_at IS NULL ORDER BY sequence LIMIT $max";
    }

    /// <summary>The statements that create the outbox table and its indexes (what <see cref="InitializeAsync"/> runs).</summary>
    /// <param name="tableName">The outbox table.</param>
    /// <returns>The SQL script.</returns>
    public static string CreateScript(string tableName = DefaultTableName)
    {
        var table = SqlIdentifier.Require(tableName, nameof(tableName));
        return $"""
            CREATE TABLE IF NOT EXISTS {table} (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                topic TEXT NOT NULL,
                message_key BLOB NULL,
                value BLOB NOT NULL,
                headers BLOB NOT NULL,
                message_id TEXT NOT NULL,
                sent_at INTEGER NULL
            );
            CREATE INDEX IF NOT EXISTS {table}_unsent ON {table} (sequence) WHERE sent_at IS NULL;
            CREATE INDEX IF NOT EXISTS {table}_sent_at ON {table} (sent_at) WHERE sent_at IS NOT NULL;
            """;
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = CreateScript(_table);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="transaction"/> is not a <see cref="SqliteTransaction"/>, or it has completed.</exception>
    public async Task AddAsync(DbTransaction transaction, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sqlite = transaction as SqliteTransaction
            ?? throw new ArgumentException($"The SQLite outbox writes in a {nameof(SqliteTransaction)}; the transaction given is a {transaction?.GetType().Name ?? "null"}.", nameof(transaction));
        var connection = sqlite.Connection ?? throw new ArgumentException("The transaction has already completed.", nameof(transaction));
        await using var command = connection.CreateCommand();
        command.Transaction = sqlite;
        command.CommandText = _insert;
        command.Parameters.AddWithValue("$topic", message.Topic);
        command.Parameters.AddWithValue("$key", (object?)message.Key ?? DBNull.Value);
        command.Parameters.AddWithValue("$value", message.Value);
        command.Parameters.AddWithValue("$headers", message.Headers);
        command.Parameters.AddWithValue("$id", message.MessageId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IOutboxBatch?> ClaimBatchAsync(int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        SqliteTransaction? transaction = null;
        try
        {
            // BEGIN IMMEDIATE: the database's one write lock, held until the batch completes or is released. A relay
            // that dies holding it loses its connection, and SQLite rolls the transaction back.
            transaction = connection.BeginTransaction(deferred: false);
            var messages = new List<OutboxMessage>();
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = _select;
                command.Parameters.AddWithValue("$max", maxMessages);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    messages.Add(new OutboxMessage
                    {
                        Sequence = reader.GetInt64(0),
                        Topic = reader.GetString(1),
                        Key = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2),
                        Value = (byte[])reader.GetValue(3),
                        Headers = (byte[])reader.GetValue(4),
                        MessageId = reader.GetString(5),
                    });
                }
            }

            return new Batch(this, connection, transaction, messages);
        }
        catch
        {
            transaction?.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteSentAsync(DateTimeOffset sentBefore, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM {_table} WHERE sent_at IS NOT NULL AND sent_at < $before";
        command.Parameters.AddWithValue("$before", sentBefore.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long?> CountUnsentAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {_table} WHERE sent_at IS NULL"; // the partial index of unsent rows
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Batch(SqliteOutboxStore store, SqliteConnection connection, SqliteTransaction transaction, List<OutboxMessage> messages) : IOutboxBatch
    {
        private bool _completed;

        public IReadOnlyList<OutboxMessage> Messages => messages;

        public async Task CompleteAsync(DateTimeOffset sentAt, CancellationToken cancellationToken)
        {
            if (messages.Count > 0)
            {
                // A range is exact here: the write lock was held since the select, so no row was committed in between.
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"UPDATE {store._table} SET sent_at = $sent WHERE sequence BETWEEN $first AND $last AND sent_at IS NULL";
                command.Parameters.AddWithValue("$sent", sentAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$first", messages[0].Sequence);
                command.Parameters.AddWithValue("$last", messages[^1].Sequence);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_completed)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
