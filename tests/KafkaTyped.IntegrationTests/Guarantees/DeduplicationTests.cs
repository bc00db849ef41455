using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/exactly-once.md: a handler with [Deduplicate] handles each message id (ce_id) once, whether the copies arrive in
/// one run (the in-memory store) or after a restart (the SQLite store); with an inbox store the handler's rows commit
/// with the mark, so a failed attempt leaves no row and a duplicate adds none.
/// </summary>
public sealed class DeduplicationTests(ClusterFixture cluster) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"kt-dedup-{Guid.NewGuid():N}.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _database, _database + "-wal", _database + "-shm" })
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Copies_of_one_message_id_are_handled_once_by_the_default_in_memory_store()
    {
        var (topic, group) = await NewTopicAsync("dedup-memory");
        var run = Guid.NewGuid();
        var ids = new[] { "m-1", "m-2", "m-1", "m-3", "m-2", "m-1" };
        await ProduceWithIdsAsync(cluster, topic, run, ids);

        using var host = Build(topic, group);
        await host.StartAsync(Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == ids.Length, Deadline, "every copy to be committed", Ct);
        await host.StopAsync(Ct);

        Assert.Equal(["m-1", "m-2", "m-3"], PaymentCalls.Of(run));
    }

    [Fact]
    public async Task Messages_with_different_ids_and_one_declared_business_key_are_handled_once_and_without_a_key_by_their_id()
    {
        var (topic, group) = await NewTopicAsync("dedup-business-key");
        var run = Guid.NewGuid();

        // (ce_id, business key): r-1 published three times under three ids (a client retrying with new messages), r-2
        // once; two copies of c-5 and one c-6 without a key value fall back to their ce_id.
        (string Id, string? Reference)[] records = [("c-1", "r-1"), ("c-2", "r-1"), ("c-3", "r-2"), ("c-4", "r-1"), ("c-5", null), ("c-5", null), ("c-6", null)];
        using (var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build())
        {
            foreach (var (id, reference) in records)
            {
                await producer.ProduceAsync(topic, new Message<byte[], byte[]>
                {
                    Value = KafkaSerializer.Serialize(new PaymentSettled(run, id, reference)),
                    Headers = new Headers
                    {
                        { "ce_type", Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<PaymentSettled>()) },
                        { "ce_id", Encoding.UTF8.GetBytes($"{run:N}-{id}") },
                        { "content-type", "application/msgpack"u8.ToArray() },
                    },
                }, Ct);
            }
        }

        using var host = Build(topic, group);
        await host.StartAsync(Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == records.Length, Deadline, "every record to be committed", Ct);
        await host.StopAsync(Ct);

        Assert.Equal(["c-1", "c-3", "c-5", "c-6"], PaymentCalls.Of(run));
    }

    [Fact]
    public async Task A_copy_arriving_after_a_restart_is_skipped_by_the_sqlite_store_and_inbox_rows_commit_with_the_mark()
    {
        var (topic, group) = await NewTopicAsync("dedup-sqlite");
        var run = Guid.NewGuid();
        await CreatePaymentsTableAsync();

        // m-1 fails on its first attempt after writing its row: the row is rolled back with the claim.
        PaymentCalls.FailFirstAttempt(run, "m-1");
        await ProduceWithIdsAsync(cluster, topic, run, ["m-1", "m-2"]);
        using (var first = Build(topic, group, b => b.AddSqliteDeduplication($"Data Source={_database}")))
        {
            await first.StartAsync(Ct);
            using var offsets = new GroupOffsets(cluster, group);
            await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 2, Deadline, "both messages to be committed", Ct);
            await first.StopAsync(Ct);
        }

        // A restarted service (a new store over the same file) receives copies of both and a new message.
        await ProduceWithIdsAsync(cluster, topic, run, ["m-2", "m-1", "m-3"]);
        using (var second = Build(topic, group, b => b.AddSqliteDeduplication($"Data Source={_database}")))
        {
            await second.StartAsync(Ct);
            using var offsets = new GroupOffsets(cluster, group);
            await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 5, Deadline, "every copy to be committed", Ct);
            await second.StopAsync(Ct);
        }

        Assert.Equal(["m-1:1", "m-1:2", "m-2:1", "m-3:1"], PaymentCalls.Attempts(run).Order(StringComparer.Ordinal));
        Assert.Equal(["m-1", "m-2", "m-3"], await PaymentRowsAsync(run));
    }

    private async Task<(string Topic, string Group)> NewTopicAsync(string name)
    {
        var topic = ClusterFixture.NewTopicName(name);
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        return (topic, ClusterFixture.NewGroupId(name));
    }

    /// <summary>Records with a chosen ce_id, as a publisher retrying or an outbox relay repeating a batch writes them.</summary>
    internal static async Task ProduceWithIdsAsync(ClusterFixture cluster, string topic, Guid run, IEnumerable<string> ids)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build();
        foreach (var id in ids)
        {
            await producer.ProduceAsync(topic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(id),
                Value = KafkaSerializer.Serialize(new PaymentRecorded(run, id)),
                Headers = new Headers
                {
                    { "ce_type", Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<PaymentRecorded>()) },
                    { "ce_id", Encoding.UTF8.GetBytes($"{run:N}-{id}") },
                    { "content-type", "application/msgpack"u8.ToArray() },
                },
            }, Ct);
        }
    }

    private IHost Build(string topic, string group, Action<IKafkaTypedBuilder>? kafka = null)
        => KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            new HandlingRecorder(),
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
                consumer.RetryInitialDelay = TimeSpan.FromMilliseconds(10);
                o.Consumers.Add(consumer);
            },
            services => services.AddSingleton(new PaymentsDatabase(_database)),
            kafka: kafka);

    private async Task CreatePaymentsTableAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_database}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE payments (run TEXT NOT NULL, id TEXT NOT NULL)";
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<List<string>> PaymentRowsAsync(Guid run)
    {
        await using var connection = new SqliteConnection($"Data Source={_database}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM payments WHERE run = $run ORDER BY id";
        command.Parameters.AddWithValue("$run", run.ToString());
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}

/// <summary>Where the inbox handler writes when the test uses a SQLite store (absent otherwise).</summary>
public sealed record PaymentsDatabase(string Path);

[KafkaMessage("it.payment-recorded")]
public sealed partial record PaymentRecorded(Guid Run, [property: MessageKey] string Id);

internal static class PaymentCalls
{
    private static readonly ConcurrentDictionary<Guid, ConcurrentQueue<string>> s_calls = new();
    private static readonly ConcurrentDictionary<(Guid, string), bool> s_failFirst = new();

    public static void FailFirstAttempt(Guid run, string id) => s_failFirst[(run, id)] = true;

    public static bool ShouldFail(Guid run, string id, int attempt) => attempt == 1 && s_failFirst.ContainsKey((run, id));

    public static void Add(Guid run, string id, int attempt) => s_calls.GetOrAdd(run, _ => new()).Enqueue($"{id}:{attempt}");

    public static IReadOnlyList<string> Attempts(Guid run) => s_calls.TryGetValue(run, out var calls) ? [.. calls] : [];

    public static IReadOnlyList<string> Of(Guid run) => [.. Attempts(run).Select(a => a[..a.IndexOf(':', StringComparison.Ordinal)])];
}

/// <summary>A settlement deduplicated by the payment reference it carries, when it carries one, else by its ce_id.</summary>
[KafkaMessage("it.payment-settled")]
public sealed partial record PaymentSettled(Guid Run, string Id, [property: DeduplicationKey] string? Reference);

[Deduplicate(WindowSeconds = 3600)]
public sealed class SettlePaymentOnce : IHandle<PaymentSettled>
{
    public ValueTask HandleAsync(PaymentSettled message, MessageContext context, CancellationToken cancellationToken)
    {
        PaymentCalls.Add(message.Run, message.Id, context.Attempt);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Deduplicated; with a SQLite store it writes a row through the inbox transaction (and with the in-memory store, which
/// has no inbox, it only records the call).
/// </summary>
[Deduplicate(WindowSeconds = 3600)]
public sealed class RecordPaymentOnce(IServiceProvider services) : IHandle<PaymentRecorded>
{
    public async ValueTask HandleAsync(PaymentRecorded message, MessageContext context, CancellationToken cancellationToken)
    {
        PaymentCalls.Add(message.Run, message.Id, context.Attempt);
        if (services.GetService<IDeduplicationStore>() is IInboxStore)
        {
            var inbox = services.GetRequiredService<IInbox>();
            await using var command = inbox.Connection.CreateCommand();
            command.Transaction = inbox.Transaction;
            command.CommandText = "INSERT INTO payments (run, id) VALUES ($run, $id)";
            command.Parameters.Add(new SqliteParameter("$run", message.Run.ToString()));
            command.Parameters.Add(new SqliteParameter("$id", message.Id));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (PaymentCalls.ShouldFail(message.Run, message.Id, context.Attempt))
        {
            throw new TimeoutException("the ledger timed out after the row was written");
        }
    }
}
