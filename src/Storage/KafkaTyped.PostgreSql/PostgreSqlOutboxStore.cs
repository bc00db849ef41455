using System.Data.Common;
using KafkaTyped.Storage;
using Npgsql;
using NpgsqlTypes;

namespace KafkaTyped.PostgreSql;

/// <summary>
/// The outbox in a PostgreSQL table. Messages are written in the caller's <see cref="NpgsqlTransaction"/>; a relay holds
/// a batch inside a transaction that owns the outbox's advisory lock (<c>pg_try_advisory_xact_lock</c>), so of several
/// service instances on one database one publishes at a time and the others find the lock taken and wait for the next
/// poll. A relay that dies loses its connection; PostgreSQL rolls its transaction back and frees the lock.
/// </summary>
/// <remarks>
/// One relay at a time rather than rows shared out with <c>FOR UPDATE SKIP LOCKED</c>: skipping locked rows lets a
/// second relay publish a later message of a key while the first still holds an earlier one, which breaks per-key
/// order. The schema is created when the relay starts (<see cref="InitializeAsync"/>, serialized by an advisory lock
/// so instances starting together do not race); <see cref="CreateScript"/> returns the same statements.
/// </remarks>
public sealed class PostgreSqlOutboxStore : IOutboxStore, IAsyncDisposable
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "kafkatyped_outbox";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly string _lockName;

    /// <summary>Creates the store.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="tableName">The outbox table (in the connection's search path): letters, digits and underscores.</param>
    /// <exception cref="ArgumentException">The connection string is empty or the table name is not a plain identifier.</exception>
    public PostgreSqlOutboxStore(string connectionString, string tableName = DefaultTableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _table = SqlIdentifier.Require(tableName, nameof(tableName));
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _lockName = "kafkatyped.outbox." + _table;
    }

    /// <summary>The statements that create the outbox table and its indexes (what <see cref="InitializeAsync"/> runs).</summary>
    /// <param name="tableName">The outbox table.</param>
    /// <returns>The SQL script.</returns>
    public static string CreateScript(string tableName = DefaultTableName)
    {
        var table = SqlIdentifier.Require(tableName, nameof(tableName));
        return $"""
            CREATE TABLE IF NOT EXISTS {table} (
                sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                topic text NOT NULL,
                message_key bytea NULL,
                value bytea NOT NULL,
                headers bytea NOT NULL,
                message_id text NOT NULL,
                sent_at bigint NULL
            );
            CREATE INDEX IF NOT EXISTS {table}_unsent ON {table} (sequence) WHERE sent_at IS NULL;
            CREATE INDEX IF NOT EXISTS {table}_sent_at ON {table} (sent_at) WHERE sent_at IS NOT NULL;
            """;
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@name))", connection, transaction))
        {
            command.Parameters.AddWithValue("name", _lockName + ".schema");
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(CreateScript(_table), connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="transaction"/> is not an <see cref="NpgsqlTransaction"/>, or it has completed.</exception>
    public async Task AddAsync(DbTransaction transaction, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var npgsql = transaction as NpgsqlTransaction
            ?? throw new ArgumentException($"The PostgreSQL outbox writes in an {nameof(NpgsqlTransaction)}; the transaction given is a {transaction?.GetType().Name ?? "null"}.", nameof(transaction));
        var connection = npgsql.Connection ?? throw new ArgumentException("The transaction has already completed.", nameof(transaction));
        await using var command = new NpgsqlCommand(
            $"INSERT INTO {_table} (topic, message_key, value, headers, message_id) VALUES (@topic, @key, @value, @headers, @id)", connection, npgsql);
        command.Parameters.AddWithValue("topic", message.Topic);
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Bytea) { Value = (object?)message.Key ?? DBNull.Value });
        command.Parameters.AddWithValue("value", message.Value);
        command.Parameters.AddWithValue("headers", message.Headers);
        command.Parameters.AddWithValue("id", message.MessageId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IOutboxBatch?> ClaimBatchAsync(int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtext(@name))", connection, transaction))
            {
                command.Parameters.AddWithValue("name", _lockName);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return null;
                }
            }

            var messages = new List<OutboxMessage>();
            await using (var command = new NpgsqlCommand(
                $"SELECT sequence, topic, message_key, value, headers, message_id FROM {_table} WHERE sent_at IS NULL ORDER BY sequence LIMIT @max", connection, transaction))
            {
                command.Parameters.AddWithValue("max", maxMessages);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    messages.Add(new OutboxMessage
                    {
                        Sequence = reader.GetInt64(0),
                        Topic = reader.GetString(1),
                        Key = reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2),
                        Value = reader.GetFieldValue<byte[]>(3),
                        Headers = reader.GetFieldValue<byte[]>(4),
                        MessageId = reader.GetString(5),
                    });
                }
            }

            return new Batch(this, connection, transaction, messages);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteSentAsync(DateTimeOffset sentBefore, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE sent_at IS NOT NULL AND sent_at < @before", connection);
        command.Parameters.AddWithValue("before", sentBefore.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long?> CountUnsentAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT COUNT(*) FROM {_table} WHERE sent_at IS NULL", connection); // the partial index of unsent rows
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Closes the store's connection pool.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private sealed class Batch(PostgreSqlOutboxStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, List<OutboxMessage> messages) : IOutboxBatch
    {
        private bool _completed;

        public IReadOnlyList<OutboxMessage> Messages => messages;

        public async Task CompleteAsync(DateTimeOffset sentAt, CancellationToken cancellationToken)
        {
            if (messages.Count > 0)
            {
                // By the sequences read, not a range: a transaction that wrote a lower sequence may have committed since.
                var sequences = new long[messages.Count];
                for (var i = 0; i < sequences.Length; i++)
                {
                    sequences[i] = messages[i].Sequence;
                }

                await using var command = new NpgsqlCommand($"UPDATE {store._table} SET sent_at = @sent WHERE sequence = ANY(@sequences)", connection, transaction);
                command.Parameters.AddWithValue("sent", sentAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("sequences", sequences);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_completed && transaction.Connection is not null)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
