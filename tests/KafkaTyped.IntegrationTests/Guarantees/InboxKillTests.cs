using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.InboxProbe;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Storage;
using KafkaTyped.Serialization;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/exactly-once.md, the inbox: a deduplicating handler's rows commit with the message's claim, so a consumer process
/// killed (<c>SIGKILL</c>, the child process of tests/KafkaTyped.InboxProbe) at either side of that commit leaves the
/// handler's effects applied exactly once after a restart. On SQLite files (<see cref="SqliteInboxKillTests"/>) and
/// PostgreSQL (<see cref="PostgreSqlInboxKillTests"/>).
/// </summary>
public abstract class InboxKillTests(ClusterFixture cluster)
{
    private const string Probe = "KafkaTyped.InboxProbe.dll";
    private const long Amount = 1250;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new database for one test.</summary>
    protected abstract OutboxDatabase CreateDatabase();

    [Fact]
    public async Task A_process_killed_after_the_handler_and_before_the_inbox_commit_leaves_the_row_once_after_a_restart()
    {
        await using var database = CreateDatabase();
        var (topic, group, paymentId) = await ArrangeAsync(database);

        using (var killed = StartProbe(database, topic, group, "stop-before-inbox-commit"))
        {
            await killed.WaitForLineAsync("handler returned, inbox not committed", Deadline, Ct);
            await killed.KillAsync(Ct);
            Assert.Equal(1, Handlings(killed, paymentId));
        }

        // The kill landed before the commit: neither the row, nor the balance, nor the claim was kept.
        Assert.Equal((0L, 0L), await EffectsAsync(database, paymentId));
        Assert.Equal(0L, await database.CountAsync(string.Empty, database.Table + "_dedup", Ct));

        // The restarted consumer gets the record again, claims it and handles it, and this time commits.
        var restarted = await RunUntilCommittedAsync(database, topic, group);
        Assert.Equal(1, Handlings(restarted, paymentId));
        Assert.Equal((1L, Amount), await EffectsAsync(database, paymentId));
    }

    [Fact]
    public async Task A_process_killed_after_the_inbox_commit_and_before_the_offset_commit_has_the_redelivery_refused_and_the_row_once()
    {
        await using var database = CreateDatabase();
        var (topic, group, paymentId) = await ArrangeAsync(database);

        using (var killed = StartProbe(database, topic, group, "hold-offsets"))
        {
            await Wait.UntilAsync(() => EffectsAsync(database, paymentId).GetAwaiter().GetResult().Rows == 1 || killed.HasExited, Deadline, "the inbox transaction to commit", Ct);
            using (var offsets = new GroupOffsets(cluster, group))
            {
                Assert.Equal(Offset.Unset.Value, offsets.Committed(topic, 0));
            }

            await killed.KillAsync(Ct);
            Assert.Equal(1, Handlings(killed, paymentId));
        }

        // The offset was never committed: the restarted consumer gets the record again, and the claim refuses it.
        var restarted = await RunUntilCommittedAsync(database, topic, group);
        Assert.Equal(0, Handlings(restarted, paymentId));
        Assert.True(restarted.HasLine("skipped duplicate " + paymentId), $"The redelivered record was not skipped as a duplicate: {restarted.Output}");
        Assert.Equal((1L, Amount), await EffectsAsync(database, paymentId));
    }

    /// <summary>Creates the tables and the topic, and publishes one payment; returns the topic, a new group and the payment's message id.</summary>
    private async Task<(string Topic, string Group, string PaymentId)> ArrangeAsync(OutboxDatabase database)
    {
        await using (var connection = await database.OpenAsync(Ct))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE {database.Table}_payments (id TEXT NOT NULL, amount BIGINT NOT NULL);
                CREATE TABLE {database.Table}_accounts (id TEXT PRIMARY KEY, balance BIGINT NOT NULL);
                INSERT INTO {database.Table}_accounts (id, balance) VALUES ('probe', 0);
                """;
            await command.ExecuteNonQueryAsync(Ct);
        }

        var topic = ClusterFixture.NewTopicName("inbox-kill");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        var paymentId = "payment-" + Guid.NewGuid().ToString("N");
        using var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build();
        await producer.ProduceAsync(topic, new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(paymentId),
            Value = KafkaSerializer.Serialize(new InboxPayment(paymentId, Amount)),
            Headers = new Headers
            {
                { "ce_type", Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<InboxPayment>()) },
                { "ce_id", Encoding.UTF8.GetBytes(paymentId) },
                { "content-type", "application/msgpack"u8.ToArray() },
            },
        }, Ct);
        return (topic, ClusterFixture.NewGroupId("inbox-kill"), paymentId);
    }

    /// <summary>Runs the probe normally until the group committed past the record, then stops it; returns it, exited.</summary>
    private async Task<ProbeProcess> RunUntilCommittedAsync(OutboxDatabase database, string topic, string group)
    {
        var probe = StartProbe(database, topic, group, "normal");
        try
        {
            using var offsets = new GroupOffsets(cluster, group);
            await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 1 || probe.HasExited, Deadline, "the restarted consumer to commit the record", Ct);
            Assert.Equal(0, await probe.StopAsync(Deadline, Ct));
            Assert.Equal(1, offsets.Committed(topic, 0));
            return probe;
        }
        finally
        {
            TestContext.Current.SendDiagnosticMessage($"inbox probe output: {probe.Output}");
            probe.Dispose();
        }
    }

    private ProbeProcess StartProbe(OutboxDatabase database, string topic, string group, string mode)
    {
        var sessionTimeout = cluster.Kind == ClusterKind.Embedded ? "2000" : "6000";
        return ProbeProcess.Start(Probe, database.Kind, database.ConnectionString, database.Table, cluster.BootstrapServers, topic, group, sessionTimeout, mode);
    }

    private static int Handlings(ProbeProcess probe, string paymentId) => probe.Lines.Count(l => l.StartsWith($"handling {paymentId} ", StringComparison.Ordinal));

    /// <summary>The payment's rows and the account's balance, as committed.</summary>
    private static async Task<(long Rows, long Balance)> EffectsAsync(OutboxDatabase database, string paymentId)
    {
        var rows = await database.CountAsync($"WHERE id = '{paymentId}'", database.Table + "_payments", Ct);
        await using var connection = await database.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT balance FROM {database.Table}_accounts WHERE id = 'probe'";
        return (rows, Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture));
    }
}

/// <summary>The inbox on a SQLite database file.</summary>
public sealed class SqliteInboxKillTests(ClusterFixture cluster) : InboxKillTests(cluster)
{
    /// <inheritdoc />
    protected override OutboxDatabase CreateDatabase() => new SqliteOutboxDatabase();
}

/// <summary>The inbox on the PostgreSQL server of <see cref="PostgresServer"/>.</summary>
public sealed class PostgreSqlInboxKillTests(ClusterFixture cluster) : InboxKillTests(cluster)
{
    /// <inheritdoc />
    protected override OutboxDatabase CreateDatabase() => new PostgreSqlOutboxDatabase();
}
