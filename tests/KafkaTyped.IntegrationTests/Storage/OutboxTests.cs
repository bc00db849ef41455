using System.Data.Common;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Storage;

/// <summary>The transactional outbox on a real database: SQLite files (<see cref="SqliteOutboxTests"/>) and PostgreSQL (<see cref="PostgreSqlOutboxTests"/>).</summary>
public abstract class OutboxTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new database for one test.</summary>
    protected abstract OutboxDatabase CreateDatabase();

    [Fact]
    public async Task A_rolled_back_transaction_publishes_nothing_and_a_committed_one_publishes_its_two_messages_once()
    {
        await using var database = CreateDatabase();
        await database.CreateTablesAsync(Ct);
        var topic = ClusterFixture.NewTopicName("outbox-commit");
        await cluster.CreateTopicAsync(topic, 2, Ct);
        using var reader = new TopicReader(cluster.BootstrapServers, topic, 2);
        using var host = RelayHost(cluster.BootstrapServers, database, batchSize: 100);
        await host.StartAsync(Ct);
        var outbox = host.Services.GetRequiredService<IOutbox>();

        await using (var connection = await database.OpenAsync(Ct))
        {
            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                await database.InsertOrderAsync(transaction, "order-1", Ct);
                await outbox.WriteAsync(new OrderPlaced("order-1", 1, "ada"), transaction, topic, cancellationToken: Ct);
                await outbox.WriteAsync(new PaymentCaptured("order-1", 2, 1200), transaction, topic, cancellationToken: Ct);
                await transaction.RollbackAsync(Ct);
            }

            string placed, captured;
            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                await database.InsertOrderAsync(transaction, "order-2", Ct);
                placed = await outbox.WriteAsync(new OrderPlaced("order-2", 1, "grace"), transaction, topic, cancellationToken: Ct);
                captured = await outbox.WriteAsync(new PaymentCaptured("order-2", 2, 3400), transaction, topic, cancellationToken: Ct);
                await transaction.CommitAsync(Ct);
            }

            // Marked sent only after the broker acknowledged both: then the topic holds everything ever published.
            await WaitUntilAllSentAsync(database, reader, partitions: 2);
            await host.StopAsync(Ct);

            var records = reader.Snapshot();
            Assert.Equal([placed, captured], records.Select(r => r.MessageId));
            Assert.Equal(2, reader.RecordsOnTopic(2));
            Assert.Equal(1, await database.CountAsync(string.Empty, database.OrdersTable, Ct));
            Assert.Equal(2, await database.CountAsync(string.Empty, database.Table, Ct));
        }
    }

    [Fact]
    public async Task A_relay_killed_mid_batch_loses_nothing_and_publishes_no_id_with_two_payloads()
    {
        const int messages = 1500;
        const int batchSize = 100;
        const int keys = 20;
        await using var database = CreateDatabase();
        await database.CreateTablesAsync(Ct);

        // A cluster of the test's own, slowed down (100 ms per request), so that a batch is in flight for most of the
        // relay's life and the kill lands in one.
        using var slow = ClusterFixture.StartEmbeddedCluster(1);
        var topic = ClusterFixture.NewTopicName("outbox-kill");
        slow.CreateTopic(topic, 4);
        using var reader = new TopicReader(slow.BootstrapServers, topic, 4);

        // Written before any relay runs, by a service that is built but not started (no relay of its own).
        var sequenceOf = new Dictionary<string, int>();
        using (var writer = RelayHost(slow.BootstrapServers, database, batchSize))
        {
            var outbox = writer.Services.GetRequiredService<IOutbox>();
            await using var connection = await database.OpenAsync(Ct);
            for (var i = 0; i < messages; i += 100)
            {
                await using var transaction = await connection.BeginTransactionAsync(Ct);
                for (var j = i; j < i + 100; j++)
                {
                    sequenceOf[await outbox.WriteAsync(new OrderPlaced($"order-{j % keys}", j, "customer-" + j), transaction, topic, cancellationToken: Ct)] = j;
                }

                await transaction.CommitAsync(Ct);
            }
        }

        slow.SetBrokerRoundTripTime(1, TimeSpan.FromMilliseconds(50));
        using (var relay = ProbeProcess.Start(
            "KafkaTyped.OutboxRelayProbe.dll", database.Kind, database.ConnectionString, database.Table, slow.BootstrapServers, batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            try
            {
                await Wait.UntilAsync(() => reader.Count >= 3 * batchSize || relay.HasExited, Deadline, "the relay in the child process to publish three batches", Ct);
                Assert.False(relay.HasExited, "The relay process exited by itself.");
            }
            finally
            {
                // SIGKILL: no shutdown, no flush; the batch in flight is neither completed nor released by the relay.
                await relay.KillAsync(Ct);
                TestContext.Current.SendDiagnosticMessage($"relay probe output ({reader.Count} records read): {relay.Output}");
            }
        }

        var unsentAfterKill = await database.UnsentAsync(Ct);
        Assert.True(unsentAfterKill > 0, "The relay was killed after it had finished; the test would show nothing.");

        // A new relay finishes the work.
        slow.SetBrokerRoundTripTime(1, TimeSpan.Zero);
        using (var host = RelayHost(slow.BootstrapServers, database, batchSize))
        {
            await host.StartAsync(Ct);
            await WaitUntilAllSentAsync(database, reader, partitions: 4);
            await host.StopAsync(Ct);
        }

        var records = reader.Snapshot();
        var byId = records.GroupBy(r => r.MessageId).ToList();
        Assert.Equal(messages, byId.Count);
        Assert.All(byId, copies => Assert.True(sequenceOf.ContainsKey(copies.Key), $"{copies.Key} was never written to the outbox."));
        Assert.All(byId, copies => Assert.All(copies, c => Assert.True(c.Value.AsSpan().SequenceEqual(copies.First().Value) && c.Key.AsSpan().SequenceEqual(copies.First().Key), $"{copies.Key} was published with two payloads.")));

        // Published again: at most the batch the relay held when it died.
        var repeated = records.Count - messages;
        Assert.True(repeated <= batchSize, $"{repeated} records were published twice; a relay killed mid-batch repeats at most one batch ({batchSize}).");

        // Per key, first publications in write order (repeats are what a deduplicating consumer drops).
        var seen = new HashSet<string>();
        var lastOfKey = new Dictionary<int, int>();
        foreach (var record in records.Where(r => seen.Add(r.MessageId)))
        {
            var sequence = sequenceOf[record.MessageId];
            if (lastOfKey.TryGetValue(sequence % keys, out var last))
            {
                Assert.True(sequence > last, $"Message {sequence} of key order-{sequence % keys} was first published after message {last}.");
            }

            lastOfKey[sequence % keys] = sequence;
        }
    }

    [Fact]
    public async Task Two_relays_on_one_database_publish_no_message_twice()
    {
        const int messages = 2000;
        await using var database = CreateDatabase();
        await database.CreateTablesAsync(Ct);
        var topic = ClusterFixture.NewTopicName("outbox-two-relays");
        await cluster.CreateTopicAsync(topic, 4, Ct);
        using var reader = new TopicReader(cluster.BootstrapServers, topic, 4);
        using var first = RelayHost(cluster.BootstrapServers, database, batchSize: 50);
        using var second = RelayHost(cluster.BootstrapServers, database, batchSize: 50);
        await Task.WhenAll(first.StartAsync(Ct), second.StartAsync(Ct));

        // Written while both relays run, from both services, in small transactions.
        var outboxes = new[] { first.Services.GetRequiredService<IOutbox>(), second.Services.GetRequiredService<IOutbox>() };
        var written = new List<string>();
        await using (var connection = await database.OpenAsync(Ct))
        {
            for (var i = 0; i < messages; i += 20)
            {
                await using var transaction = await connection.BeginTransactionAsync(Ct);
                for (var j = i; j < i + 20; j++)
                {
                    written.Add(await outboxes[j % 2].WriteAsync(new OrderPlaced($"order-{j % 10}", j, "c"), transaction, topic, cancellationToken: Ct));
                }

                await transaction.CommitAsync(Ct);
            }
        }

        await WaitUntilAllSentAsync(database, reader, partitions: 4);
        await Task.WhenAll(first.StopAsync(Ct), second.StopAsync(Ct));

        var records = reader.Snapshot();
        Assert.Equal(messages, reader.RecordsOnTopic(4));
        Assert.Equal(written.Order(StringComparer.Ordinal), records.Select(r => r.MessageId).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The registry is the in-process stand-in (<see cref="KafkaTyped.SchemaRegistry.InMemorySchemaRegistry"/>): a real
    /// Schema Registry cannot run here. The database, the relay, the records and the consumer are real.
    /// </summary>
    [Fact]
    public async Task An_Avro_message_written_in_a_committed_transaction_is_relayed_framed_with_its_registered_schema_id_and_handled()
    {
        await using var database = CreateDatabase();
        await database.CreateTablesAsync(Ct);
        var topic = ClusterFixture.NewTopicName("outbox-avro");
        var group = ClusterFixture.NewGroupId("outbox-avro");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        var registry = new KafkaTyped.SchemaRegistry.InMemorySchemaRegistry();
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            recorder,
            o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)),
            kafka: k => k.AddSchemaRegistry(registry).AddOutbox(_ => database.CreateStore(), o => o.PollInterval = TimeSpan.FromMilliseconds(20)));
        await host.StartAsync(Ct);
        var outbox = host.Services.GetRequiredService<IOutbox>();
        var at = new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);

        string rolledBack, first, second;
        await using (var connection = await database.OpenAsync(Ct))
        {
            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                rolledBack = await outbox.WriteAsync(new OrderAudited("order-1", 0, 99m, at, "rolled back"), transaction, topic, cancellationToken: Ct);
                await transaction.RollbackAsync(Ct);
            }

            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                await database.InsertOrderAsync(transaction, "order-1", Ct);
                first = await outbox.WriteAsync(new OrderAudited("order-1", 1, 12.5m, at, "first"), transaction, topic, cancellationToken: Ct);
                second = await outbox.WriteAsync(new OrderAudited("order-1", 2, 0.01m, at, null), transaction, topic, cancellationToken: Ct);
                await transaction.CommitAsync(Ct);
            }
        }

        await WaitUntilAllSentAsync(database, reader, partitions: 1);
        await Wait.UntilAsync(() => recorder.Count >= 2, Deadline, "the two relayed Avro messages to be handled", Ct);
        await host.StopAsync(Ct);

        // Registered once under the topic's subject, even though the rolled-back write asked for it first.
        var schemaId = Assert.Single(registry.Versions(topic + "-value"));
        Assert.Equal(KafkaSerializer.AvroSchema<OrderAudited>(), await registry.GetSchemaAsync(KafkaTyped.SchemaRegistry.SchemaId.FromId(schemaId), Ct));
        var records = reader.Snapshot();
        Assert.Equal([first, second], records.Select(r => r.MessageId));
        Assert.DoesNotContain(rolledBack, records.Select(r => r.MessageId));
        var framing = new byte[5];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framing.AsSpan(1), schemaId);
        Assert.All(records, r => Assert.Equal(framing, r.Value[..5]));
        Assert.Equal(
            [(nameof(OrderAuditedHandler), 1L, first), (nameof(OrderAuditedHandler), 2L, second)],
            recorder.Snapshot().Select(h => (h.Handler, h.Sequence, h.MessageId)));
    }

    [Fact]
    public async Task Writing_an_Avro_message_without_a_schema_registry_fails_naming_the_setting_and_writes_no_row()
    {
        await using var database = CreateDatabase();
        await database.CreateTablesAsync(Ct);
        var store = database.CreateStore();
        await store.InitializeAsync(Ct);
        using var host = RelayHost(cluster.BootstrapServers, database, batchSize: 100);
        var outbox = host.Services.GetRequiredService<IOutbox>();
        await using (var connection = await database.OpenAsync(Ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => outbox.WriteAsync(new OrderAudited("order-1", 1, 1m, DateTimeOffset.UnixEpoch, null), transaction, "outbox-avro-unregistered", cancellationToken: Ct));
            Assert.Contains("KafkaTyped:SchemaRegistry:Url", error.Message, StringComparison.Ordinal);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(0, await store.CountUnsentAsync(Ct));
    }

    /// <summary>A service whose only KafkaTyped part is the outbox and its relay (started by <see cref="IHost.StartAsync"/>).</summary>
    [Fact]
    public async Task The_relay_counts_the_backlog_before_it_publishes_and_again_once_it_drained_the_outbox()
    {
        await using var database = CreateDatabase();
        await database.CreateTablesAsync(Ct);
        var store = database.CreateStore();
        await store.InitializeAsync(Ct);
        var topic = ClusterFixture.NewTopicName("outbox-backlog");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        using var host = RelayHost(cluster.BootstrapServers, database, batchSize: 100);
        var outbox = host.Services.GetRequiredService<IOutbox>();
        await using (var connection = await database.OpenAsync(Ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await outbox.WriteAsync(new OrderPlaced("order-1", 1, "ada"), transaction, topic, cancellationToken: Ct);
            await outbox.WriteAsync(new PaymentCaptured("order-1", 2, 1200), transaction, topic, cancellationToken: Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(2, await store.CountUnsentAsync(Ct));
        var status = host.Services.GetRequiredService<KafkaTyped.Outbox.OutboxRelayStatus>();
        Assert.Null(status.Backlog);

        // The first count comes before the first batch; the next one, seconds later, finds the outbox drained.
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => status.Backlog is not null, Deadline, "the relay's first count", Ct);
        Assert.Equal(2, status.Backlog);
        await Wait.UntilAsync(() => status.Backlog == 0, Deadline, "a count of the drained outbox", Ct);
        Assert.Equal(0, await store.CountUnsentAsync(Ct));
        await host.StopAsync(Ct);
    }

    private static IHost RelayHost(string bootstrapServers, OutboxDatabase database, int batchSize)
        => KafkaTypedTestHost.Build(
            bootstrapServers,
            new HandlingRecorder(),
            _ => { },
            kafka: k => k.AddOutbox(_ => database.CreateStore(), o =>
            {
                o.BatchSize = batchSize;
                o.PollInterval = TimeSpan.FromMilliseconds(20);
                o.RetryDelay = TimeSpan.FromMilliseconds(100);
            }));

    /// <summary>Waits until nothing is unsent and the reader has read every record on the topic.</summary>
    private static async Task WaitUntilAllSentAsync(OutboxDatabase database, TopicReader reader, int partitions)
    {
        var unsent = long.MaxValue;
        await Wait.UntilAsync(
            () => (unsent = database.UnsentAsync(Ct).GetAwaiter().GetResult()) == 0,
            Deadline,
            $"the relay to mark every message sent ({unsent} unsent)",
            Ct);
        var onTopic = reader.RecordsOnTopic(partitions);
        await Wait.UntilAsync(() => reader.Count >= onTopic, Deadline, $"the reader to read the {onTopic} records on the topic", Ct);
    }
}

/// <summary>The outbox on SQLite database files.</summary>
public sealed class SqliteOutboxTests(ClusterFixture cluster) : OutboxTests(cluster)
{
    /// <inheritdoc />
    protected override OutboxDatabase CreateDatabase() => new SqliteOutboxDatabase();
}

/// <summary>The outbox on the PostgreSQL server of <see cref="PostgresServer"/>.</summary>
public sealed class PostgreSqlOutboxTests(ClusterFixture cluster) : OutboxTests(cluster)
{
    /// <inheritdoc />
    protected override OutboxDatabase CreateDatabase() => new PostgreSqlOutboxDatabase();
}

/// <summary>Outbox settings are validated when the service starts, and the error names the setting.</summary>
public sealed class OutboxOptionsTests
{
    [Fact]
    public async Task A_batch_size_of_zero_fails_the_start_naming_the_setting()
    {
        await using var database = new SqliteOutboxDatabase();
        using var host = Messaging.KafkaTypedTestHost.Build(
            "127.0.0.1:1",
            new Messaging.HandlingRecorder(),
            _ => { },
            kafka: k => k.AddSqliteOutbox(database.ConnectionString, o => o.BatchSize = 0));

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("KafkaTyped:Outbox:BatchSize must be between 1 and 100000 (was 0).", error.Message, StringComparison.Ordinal);
    }
}
