using System.Data.Common;
using KafkaTyped.PostgreSql;
using KafkaTyped.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KafkaTyped.IntegrationTests.Storage;

/// <summary>A real database for one test: an outbox table and a business table of the test's own.</summary>
public abstract class OutboxDatabase : IAsyncDisposable
{
    /// <summary>The outbox table, unique to the test.</summary>
    public string Table { get; } = "kt_outbox_" + Guid.NewGuid().ToString("N");

    /// <summary>The business table the tests write beside the outbox.</summary>
    public string OrdersTable => Table + "_orders";

    /// <summary>The store's name as the relay probe takes it (<c>sqlite</c>, <c>postgres</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>The connection string of the database.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>A new store over the test's table.</summary>
    public abstract IOutboxStore CreateStore();

    /// <summary>An open connection to the database.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Creates the outbox table (as a starting relay does) and the business table.</summary>
    public async Task CreateTablesAsync(CancellationToken cancellationToken)
    {
        var store = CreateStore();
        await store.InitializeAsync(cancellationToken);
        await (store as IAsyncDisposable ?? NoDispose.Instance).DisposeAsync();
        await ExecuteAsync($"CREATE TABLE {OrdersTable} (id TEXT PRIMARY KEY)", cancellationToken);
    }

    /// <summary>Inserts a business row in <paramref name="transaction"/>.</summary>
    public async Task InsertOrderAsync(DbTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {OrdersTable} (id) VALUES ('{id}')";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs a scalar query (a count) on a connection of its own.</summary>
    public async Task<long> CountAsync(string whereSql, string table, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} {whereSql}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Messages not yet marked sent.</summary>
    public Task<long> UnsentAsync(CancellationToken cancellationToken) => CountAsync("WHERE sent_at IS NULL", Table, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class NoDispose : IAsyncDisposable
    {
        public static readonly NoDispose Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>A SQLite database file in a temporary folder, deleted at the end.</summary>
public sealed class SqliteOutboxDatabase : OutboxDatabase
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kafkatyped-sqlite-").FullName;

    /// <inheritdoc />
    public override string Kind => "sqlite";

    /// <inheritdoc />
    public override string ConnectionString => $"Data Source={Path.Combine(_folder, "outbox.db")};Pooling=False";

    /// <inheritdoc />
    public override IOutboxStore CreateStore() => new SqliteOutboxStore(ConnectionString, Table);

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Tables of the test's own on the PostgreSQL server of <see cref="PostgresServer"/>.</summary>
public sealed class PostgreSqlOutboxDatabase : OutboxDatabase
{
    /// <inheritdoc />
    public override string Kind => "postgres";

    /// <inheritdoc />
    public override string ConnectionString { get; } = PostgresServer.ConnectionString;

    /// <inheritdoc />
    public override IOutboxStore CreateStore() => new PostgreSqlOutboxStore(ConnectionString, Table);

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
