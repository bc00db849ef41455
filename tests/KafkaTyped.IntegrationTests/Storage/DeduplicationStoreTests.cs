using System.Data.Common;
using KafkaTyped.PostgreSql;
using KafkaTyped.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KafkaTyped.IntegrationTests.Storage;

/// <summary>What every deduplication store promises: check-and-mark per (group, handler, message id), and the window.</summary>
public abstract class DeduplicationStoreTests
{
    private static readonly DeduplicationKey Key = new("billing", "Billing.ChargeHandler", "0192f0c8-1111-7000-8000-000000000001");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ManualClock Clock { get; } = new();

    /// <summary>A store over the test's database; a second call is the same database seen by a restarted process.</summary>
    protected abstract Task<IDeduplicationStore> CreateStoreAsync();

    [Fact]
    public async Task A_marked_message_is_contained_for_its_group_and_handler_only()
    {
        var store = await CreateStoreAsync();
        Assert.False(await store.ContainsAsync(Key, Ct));

        await store.MarkAsync(Key, TimeSpan.FromMinutes(5), Ct);

        Assert.True(await store.ContainsAsync(Key, Ct));
        Assert.False(await store.ContainsAsync(Key with { ConsumerGroup = "shipping" }, Ct));
        Assert.False(await store.ContainsAsync(Key with { Handler = "Billing.AuditHandler" }, Ct));
        Assert.False(await store.ContainsAsync(Key with { MessageId = "0192f0c8-1111-7000-8000-000000000002" }, Ct));
    }

    [Fact]
    public async Task A_mark_is_forgotten_when_its_window_passed_and_a_new_mark_extends_it()
    {
        var store = await CreateStoreAsync();
        await store.MarkAsync(Key, TimeSpan.FromMinutes(5), Ct);

        Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.True(await store.ContainsAsync(Key, Ct));
        await store.MarkAsync(Key, TimeSpan.FromMinutes(5), Ct);
        Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.True(await store.ContainsAsync(Key, Ct));

        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await store.ContainsAsync(Key, Ct));
    }
}

/// <summary>What the SQL stores add: marks survive a restart, and a mark in a caller's transaction commits with it.</summary>
public abstract class SqlDeduplicationStoreTests : DeduplicationStoreTests
{
    private static readonly DeduplicationKey Key = new("billing", "Billing.ChargeHandler", "0192f0c8-2222-7000-8000-000000000001");

    protected string Table { get; } = "kt_dedup_" + Guid.NewGuid().ToString("N");

    /// <summary>Marks within <paramref name="transaction"/> through the store's transactional overload.</summary>
    protected abstract Task MarkInTransactionAsync(IDeduplicationStore store, DbTransaction transaction, DeduplicationKey key);

    protected abstract Task<DbConnection> OpenAsync();

    [Fact]
    public async Task Marks_survive_a_restart()
    {
        var before = await CreateStoreAsync();
        await before.MarkAsync(Key, TimeSpan.FromMinutes(5), Ct);
        await ((IAsyncDisposable?)(before as IAsyncDisposable) ?? default(NoDispose)).DisposeAsync();

        var after = await CreateStoreAsync();
        Assert.True(await after.ContainsAsync(Key, Ct));
    }

    [Fact]
    public async Task A_mark_in_the_callers_transaction_exists_only_when_it_commits()
    {
        var store = await CreateStoreAsync();
        await using var connection = await OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await MarkInTransactionAsync(store, transaction, Key);
            await transaction.RollbackAsync(Ct);
        }

        Assert.False(await store.ContainsAsync(Key, Ct));

        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await MarkInTransactionAsync(store, transaction, Key);
            await transaction.CommitAsync(Ct);
        }

        Assert.True(await store.ContainsAsync(Key, Ct));
    }

    private readonly struct NoDispose : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

public sealed class InMemoryDeduplicationStoreTests : DeduplicationStoreTests
{
    [Fact]
    public async Task The_store_stays_within_its_bound_and_evicts_the_oldest_marks()
    {
        var store = new InMemoryDeduplicationStore(capacity: 100, timeProvider: Clock);
        for (var i = 0; i < 1000; i++)
        {
            await store.MarkAsync(new DeduplicationKey("g", "h", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromHours(1), Ct);
            Assert.True(store.Count <= 100, $"{store.Count} marks held with a capacity of 100.");
        }

        Assert.Equal(100, store.Count);
        Assert.True(await store.ContainsAsync(new DeduplicationKey("g", "h", "999"), Ct));
        Assert.True(await store.ContainsAsync(new DeduplicationKey("g", "h", "900"), Ct));
        Assert.False(await store.ContainsAsync(new DeduplicationKey("g", "h", "899"), Ct));
    }

    protected override Task<IDeduplicationStore> CreateStoreAsync() => Task.FromResult<IDeduplicationStore>(new InMemoryDeduplicationStore(timeProvider: Clock));
}

public sealed class SqliteDeduplicationStoreTests : SqlDeduplicationStoreTests, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kafkatyped-dedup-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "dedup.db")};Pooling=False";

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    protected override async Task<IDeduplicationStore> CreateStoreAsync()
    {
        var store = new SqliteDeduplicationStore(ConnectionString, tableName: Table, timeProvider: Clock);
        await store.InitializeAsync(Ct);
        return store;
    }

    protected override Task MarkInTransactionAsync(IDeduplicationStore store, DbTransaction transaction, DeduplicationKey key)
        => ((SqliteDeduplicationStore)store).MarkAsync(transaction, key, TimeSpan.FromMinutes(5), Ct);

    protected override async Task<DbConnection> OpenAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }
}

public sealed class PostgreSqlDeduplicationStoreTests : SqlDeduplicationStoreTests
{
    protected override async Task<IDeduplicationStore> CreateStoreAsync()
    {
        var store = new PostgreSqlDeduplicationStore(PostgresServer.ConnectionString, tableName: Table, timeProvider: Clock);
        await store.InitializeAsync(Ct);
        return store;
    }

    protected override Task MarkInTransactionAsync(IDeduplicationStore store, DbTransaction transaction, DeduplicationKey key)
        => ((PostgreSqlDeduplicationStore)store).MarkAsync(transaction, key, TimeSpan.FromMinutes(5), Ct);

    protected override async Task<DbConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }
}

/// <summary>A clock the test moves.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
