using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.IntegrationTests.Storage;
using KafkaTyped.Serialization;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Transactions;

/// <summary>
/// docs/exactly-once.md, "Atomic publish" and "Exactly-once consume-transform-produce": a publisher's transactions (commit,
/// abort, dispose, one at a time, fencing, injected EndTxn errors) and exactly-once groups (outputs and offsets in one
/// batched transaction, aborts that handle the batch again, revokes). One class, so that the request errors injected into
/// the embedded cluster, which reach every client, meet no other transaction. What the embedded cluster does not do
/// (hide aborted records from read_committed readers, store the offsets of SendOffsetsToTransaction) is asserted by the
/// tests that skip on it.
/// </summary>
public sealed class TransactionTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private const string EmbeddedHidesNothing =
        "The embedded cluster (librdkafka 2.16's mock) delivers aborted transactional records to read_committed readers and does not store the offsets sent with SendOffsetsToTransaction: this needs a real broker (KAFKA_BOOTSTRAP_SERVERS or Testcontainers).";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // ---- Atomic publish ----

    [Fact]
    public async Task A_committed_transaction_publishes_its_messages_and_a_second_begin_waits_for_it()
    {
        var topic = await NewTopicAsync("txn-commit", 1);
        using var host = PublisherHost("txn-commit-" + Guid.NewGuid().ToString("N"));
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var run = Guid.NewGuid();

        var first = await publisher.BeginTransactionAsync(Ct);
        await first.PublishAsync(new TransferBooked(run, "a", 1), topic, cancellationToken: Ct);
        first.Publish(new TransferBooked(run, "b", 2), topic);

        var second = publisher.BeginTransactionAsync(Ct).AsTask();
        Assert.False(second.IsCompleted); // one transaction at a time: it waits for the open one
        await first.CommitAsync(Ct);
        await using (var next = await second.WaitAsync(Deadline, Ct))
        {
            await next.PublishAsync(new TransferBooked(run, "c", 3), topic, cancellationToken: Ct);
            await next.CommitAsync(Ct);
        }

        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        await Wait.UntilAsync(() => reader.Count >= 3, Deadline, "the committed messages", Ct);
        Assert.Equal([1L, 2L, 3L], Booked(reader, run));
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.CommitAsync(Ct));
        Assert.Throws<InvalidOperationException>(() => first.Publish(new TransferBooked(run, "d", 4), topic));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Abort_and_dispose_without_commit_end_the_transaction_and_the_next_one_commits()
    {
        var topic = await NewTopicAsync("txn-abort", 1);
        using var host = PublisherHost("txn-abort-" + Guid.NewGuid().ToString("N"));
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var run = Guid.NewGuid();

        var aborted = await publisher.BeginTransactionAsync(Ct);
        await aborted.PublishAsync(new TransferBooked(run, "a", 1), topic, cancellationToken: Ct);
        await aborted.AbortAsync(Ct);
        await aborted.AbortAsync(Ct); // twice: nothing

        await using (var disposed = await publisher.BeginTransactionAsync(Ct))
        {
            await disposed.PublishAsync(new TransferBooked(run, "b", 2), topic, cancellationToken: Ct);
        }

        // Disposing aborted it and freed the producer: a new transaction begins at once and commits.
        var committed = await publisher.BeginTransactionAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await committed.PublishAsync(new TransferBooked(run, "c", 3), topic, cancellationToken: Ct);
        await committed.CommitAsync(Ct);

        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        await Wait.UntilAsync(() => Booked(reader, run).Contains(3), Deadline, "the committed message", Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Aborted_and_disposed_transactions_are_invisible_to_read_committed_readers()
    {
        if (cluster.Kind == ClusterKind.Embedded)
        {
            Assert.Skip(EmbeddedHidesNothing);
        }

        var topic = await NewTopicAsync("txn-invisible", 1);
        using var host = PublisherHost("txn-invisible-" + Guid.NewGuid().ToString("N"));
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var run = Guid.NewGuid();
        var aborted = await publisher.BeginTransactionAsync(Ct);
        await aborted.PublishAsync(new TransferBooked(run, "a", 1), topic, cancellationToken: Ct);
        await aborted.AbortAsync(Ct);
        await using (var disposed = await publisher.BeginTransactionAsync(Ct))
        {
            await disposed.PublishAsync(new TransferBooked(run, "b", 2), topic, cancellationToken: Ct);
        }

        var committed = await publisher.BeginTransactionAsync(Ct);
        await committed.PublishAsync(new TransferBooked(run, "c", 3), topic, cancellationToken: Ct);
        await committed.CommitAsync(Ct);

        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        await Wait.UntilAsync(() => Booked(reader, run).Contains(3), Deadline, "the committed message", Ct);
        Assert.Equal([3L], Booked(reader, run));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_second_producer_with_the_same_transactional_id_fences_the_first_which_is_rebuilt()
    {
        if (cluster.Kind == ClusterKind.Embedded)
        {
            Assert.Skip("The embedded cluster (librdkafka 2.16's mock) gives every new producer a new producer id, whatever its transactional.id, so it never fences an older one: this needs a real broker. The fatal path is tested with an injected PRODUCER_FENCED instead.");
        }

        var topic = await NewTopicAsync("txn-fenced", 1);
        var transactionalId = "txn-fenced-" + Guid.NewGuid().ToString("N");
        using var first = PublisherHost(transactionalId);
        using var second = PublisherHost(transactionalId);
        await first.StartAsync(Ct);
        await second.StartAsync(Ct);
        var run = Guid.NewGuid();

        var old = await first.Services.GetRequiredService<IMessagePublisher>().BeginTransactionAsync(Ct);
        await old.PublishAsync(new TransferBooked(run, "a", 1), topic, cancellationToken: Ct);

        // The second instance initialises the same id: the first one's epoch is fenced and its open transaction aborted.
        var newer = await second.Services.GetRequiredService<IMessagePublisher>().BeginTransactionAsync(Ct);
        await newer.PublishAsync(new TransferBooked(run, "b", 2), topic, cancellationToken: Ct);
        await newer.CommitAsync(Ct);

        var fenced = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await old.PublishAsync(new TransferBooked(run, "c", 3), topic, cancellationToken: Ct);
            await old.CommitAsync(Ct);
        });
        Assert.True(fenced is ProducerFencedException or PublishException, fenced.ToString());
        await old.DisposeAsync();

        // The first instance's producer was rebuilt (on the failed commit, or now): it can begin again, fencing the second.
        var again = await first.Services.GetRequiredService<IMessagePublisher>().BeginTransactionAsync(Ct);
        await again.PublishAsync(new TransferBooked(run, "d", 4), topic, cancellationToken: Ct);
        await again.CommitAsync(Ct);

        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        await Wait.UntilAsync(() => Booked(reader, run).Contains(4), Deadline, "the rebuilt producer's message", Ct);
        Assert.Contains(2L, Booked(reader, run));
        await first.StopAsync(Ct);
        await second.StopAsync(Ct);
    }

    [Fact]
    public async Task A_fenced_producer_is_reported_as_fatal_and_rebuilt_and_the_next_transaction_commits()
    {
        var faults = cluster.Faults;
        var topic = await NewTopicAsync("txn-fatal", 1);
        using var host = PublisherHost("txn-fatal-" + Guid.NewGuid().ToString("N"));
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var run = Guid.NewGuid();

        // A retriable error while initialising (the coordinator not there yet) is retried.
        faults.PushRequestErrors(KafkaApiKey.InitProducerId, ErrorCode.GroupCoordinatorNotAvailable);
        var fenced = await publisher.BeginTransactionAsync(Ct);
        await fenced.PublishAsync(new TransferBooked(run, "a", 1), topic, cancellationToken: Ct);
        faults.PushRequestErrors(KafkaApiKey.EndTxn, ErrorCode.ProducerFenced);
        var error = await Assert.ThrowsAsync<ProducerFencedException>(() => fenced.CommitAsync(Ct));
        Assert.Contains("fenced", error.Message, StringComparison.Ordinal);

        var next = await publisher.BeginTransactionAsync(Ct);
        await next.PublishAsync(new TransferBooked(run, "b", 2), topic, cancellationToken: Ct);
        await next.CommitAsync(Ct);

        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        await Wait.UntilAsync(() => Booked(reader, run).Contains(2), Deadline, "the rebuilt producer's message", Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task An_unknown_server_error_on_EndTxn_aborts_the_commit_and_coordinator_moves_are_followed()
    {
        var faults = cluster.Faults;
        var topic = await NewTopicAsync("txn-endtxn", 1);
        var transactionalId = "txn-endtxn-" + Guid.NewGuid().ToString("N");
        using var host = PublisherHost(transactionalId);
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var run = Guid.NewGuid();

        var failing = await publisher.BeginTransactionAsync(Ct);
        await failing.PublishAsync(new TransferBooked(run, "a", 1), topic, cancellationToken: Ct);
        faults.PushRequestErrors(KafkaApiKey.EndTxn, ErrorCode.Unknown);
        var aborted = await Assert.ThrowsAsync<TransactionAbortedException>(() => failing.CommitAsync(Ct));
        Assert.Contains("aborted", aborted.Message, StringComparison.Ordinal);

        // NOT_COORDINATOR: the coordinator moved; librdkafka looks it up again and the commit goes through.
        var moved = await publisher.BeginTransactionAsync(Ct);
        await moved.PublishAsync(new TransferBooked(run, "b", 2), topic, cancellationToken: Ct);
        faults.PushRequestErrors(KafkaApiKey.EndTxn, ErrorCode.NotCoordinatorForGroup, ErrorCode.GroupCoordinatorNotAvailable);
        await moved.CommitAsync(Ct);

        // The transaction coordinator really moves to another broker between two transactions and inside one.
        var elsewhere = await publisher.BeginTransactionAsync(Ct);
        faults.SetCoordinator(CoordinatorType.Transaction, transactionalId, 2);
        await elsewhere.PublishAsync(new TransferBooked(run, "c", 3), topic, cancellationToken: Ct);
        faults.SetCoordinator(CoordinatorType.Transaction, transactionalId, 3);
        await elsewhere.CommitAsync(Ct);

        using var reader = new TopicReader(cluster.BootstrapServers, topic, 1);
        await Wait.UntilAsync(() => Booked(reader, run).Contains(3), Deadline, "the committed messages", Ct);
        Assert.Contains(2L, Booked(reader, run));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Without_a_transactional_id_beginning_a_transaction_names_the_setting()
    {
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), _ => { });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await publisher.BeginTransactionAsync(Ct));
        Assert.Contains("KafkaTyped:Publisher:TransactionalId", error.Message, StringComparison.Ordinal);
    }

    // ---- Exactly-once consume-transform-produce ----

    [Fact]
    public async Task An_exactly_once_group_commits_what_its_handler_published_with_the_offsets_in_batched_transactions()
    {
        var (input, output, group) = await NewFlowAsync("eos-batch");
        var run = Guid.NewGuid();
        await ProduceRequestsAsync(input, output, run, 300);

        var logs = new LogCapture();
        using var host = GroupHost(input, group, logs);
        await host.StartAsync(Ct);
        using var reader = new TopicReader(cluster.BootstrapServers, output, 2);
        await Wait.UntilAsync(() => CommittedOffsets(host) == 300, Deadline, "every record's offset to be committed in a transaction", Ct);
        await Wait.UntilAsync(() => Booked(reader, run).Distinct().Count() == 300, Deadline, "every output", Ct);
        await host.StopAsync(Ct);

        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), Booked(reader, run).Order());
        var commits = logs.WithEventId(505);
        Assert.InRange(commits.Count, 1, 60); // batched: never one transaction per record
        Assert.Empty(logs.WithEventId(506));
        Assert.Equal(300, TransferCalls.Handled(run).Count);
    }

    [Theory]
    [InlineData(KafkaApiKey.AddOffsetsToTxn, ErrorCode.Unknown)]
    [InlineData(KafkaApiKey.EndTxn, ErrorCode.Unknown)]
    [InlineData(KafkaApiKey.EndTxn, ErrorCode.ProducerFenced)]
    public async Task A_failed_transaction_of_an_exactly_once_group_is_aborted_and_its_records_are_handled_again(KafkaApiKey request, ErrorCode error)
    {
        var faults = cluster.Faults;
        var (input, output, group) = await NewFlowAsync("eos-abort");
        var run = Guid.NewGuid();
        await ProduceRequestsAsync(input, output, run, 40);

        var logs = new LogCapture();
        faults.PushRequestErrors(request, error);
        using var host = GroupHost(input, group, logs, batchSize: 1000, interval: TimeSpan.FromMilliseconds(300));
        try
        {
            await host.StartAsync(Ct);
            await Wait.UntilAsync(() => CommittedOffsets(host) == 40, Deadline, "every record's offset to be committed in a transaction", Ct);
            await host.StopAsync(Ct);
        }
        finally
        {
            faults.ClearRequestErrors(request);
        }

        // The first transaction failed: it was aborted (or lost with its producer) and its records handled again.
        var rewinds = logs.WithEventId(506);
        Assert.NotEmpty(rewinds);
        var handled = TransferCalls.Handled(run);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), handled.Distinct().Order());
        Assert.True(handled.Count > 40, $"the aborted batch is handled again ({handled.Count} handlings)");
        Assert.NotEmpty(logs.WithEventId(505));
        if (error == ErrorCode.ProducerFenced)
        {
            Assert.NotEmpty(logs.WithEventId(504));
        }
    }

    [Fact]
    public async Task A_revoke_mid_batch_ends_the_transaction_before_the_partitions_are_released()
    {
        var (input, output, group) = await NewFlowAsync("eos-revoke");
        var run = Guid.NewGuid();
        await ProduceRequestsAsync(input, output, run, 400, keys: 4);
        TransferCalls.SlowDown(run, TimeSpan.FromMilliseconds(20));

        var firstLogs = new LogCapture();
        using var first = GroupHost(input, group, firstLogs, batchSize: 100_000, interval: TimeSpan.FromSeconds(20));
        await first.StartAsync(Ct);
        await Wait.UntilAsync(() => TransferCalls.Handled(run).Count >= 20, Deadline, "the first member to be handling", Ct);

        // A second member joins while the first has a transaction open (its interval is 20 s): the revoke ends it.
        var secondLogs = new LogCapture();
        using var second = GroupHost(input, group, secondLogs);
        await second.StartAsync(Ct);
        await Wait.UntilAsync(
            () => firstLogs.Entries.Any(e => e.EventId is 505 or 506 && Equals(e["Occasion"], "revoke")),
            Deadline,
            "the first member to end its transaction on the revoke",
            Ct);
        await Wait.UntilAsync(() => secondLogs.WithEventId(202).Count > 0, Deadline, "the second member to be assigned a partition", Ct);
        TransferCalls.SlowDown(run, TimeSpan.Zero);

        using var reader = new TopicReader(cluster.BootstrapServers, output, 2);
        await Wait.UntilAsync(() => Booked(reader, run).Distinct().Count() == 400, Deadline, "every output", Ct);
        await second.StopAsync(Ct);
        await first.StopAsync(Ct);

        // Ended before the release: the revoke's commit (or abort) is logged before the second member got any partition.
        var ended = firstLogs.Entries.First(e => e.EventId is 505 or 506 && Equals(e["Occasion"], "revoke"));
        var handedOver = secondLogs.WithEventId(202)[0];
        Assert.True(ended.At <= handedOver.At, $"transaction ended at {ended.At:O}, partitions assigned to the second member at {handedOver.At:O}");
        Assert.DoesNotContain(firstLogs.Entries, e => e.EventId == 504);
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), TransferCalls.Handled(run).Distinct().Order());
    }

    [Fact]
    public async Task Outputs_of_an_exactly_once_group_are_read_committed_once_across_a_rebalance_and_a_restart()
    {
        if (cluster.Kind == ClusterKind.Embedded)
        {
            Assert.Skip(EmbeddedHidesNothing);
        }

        var (input, output, group) = await NewFlowAsync("eos-once");
        var run = Guid.NewGuid();
        await ProduceRequestsAsync(input, output, run, 400);
        TransferCalls.SlowDown(run, TimeSpan.FromMilliseconds(2));
        using (var first = GroupHost(input, group, new LogCapture(), batchSize: 50))
        {
            await first.StartAsync(Ct);
            await Wait.UntilAsync(() => TransferCalls.Handled(run).Count >= 50, Deadline, "the first member to be handling", Ct);
            using var second = GroupHost(input, group, new LogCapture(), batchSize: 50);
            await second.StartAsync(Ct);
            await Wait.UntilAsync(() => TransferCalls.Handled(run).Distinct().Count() == 400, Deadline, "every record handled", Ct);
            await second.StopAsync(Ct);
            await first.StopAsync(Ct);
        }

        // A restarted member finds the offsets committed in the transactions: it handles the one new record on each
        // partition and nothing of the 400 again.
        var handledBefore = TransferCalls.Handled(run).Count;
        await ProduceSentinelsAsync(input, output, run);
        using (var restarted = GroupHost(input, group, new LogCapture()))
        {
            await restarted.StartAsync(Ct);
            await Wait.UntilAsync(() => TransferCalls.Handled(run).Count(s => s > 1000) == 2, Deadline, "the new records handled", Ct);
            await restarted.StopAsync(Ct);
        }

        Assert.Equal(handledBefore + 2, TransferCalls.Handled(run).Count);
        using var reader = new TopicReader(cluster.BootstrapServers, output, 2);
        await Wait.UntilAsync(() => Booked(reader, run).Count >= 402, Deadline, "every output", Ct);
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i).Concat([1001L, 1002L]), Booked(reader, run).Order());
    }

    [Fact]
    public async Task A_dead_letter_of_an_exactly_once_group_is_written_in_its_transaction_so_a_failed_write_aborts_it_with_the_offsets()
    {
        // The group's handler publishes nothing, so the only partition its transactions add (AddPartitionsToTxn) is the
        // dead-letter topic's: an error injected there fails the transaction only if the dead letter is written in it.
        var faults = cluster.Faults;
        var (input, _, group) = await NewFlowAsync("eos-dead-letter");
        var run = Guid.NewGuid();
        await ProduceRefusalsAsync(input, run, 3);

        var logs = new LogCapture();
        faults.PushRequestErrors(KafkaApiKey.AddPartitionsToTxn, ErrorCode.TopicAuthorizationFailed);
        using var host = GroupHost(input, group, logs, batchSize: 1000, interval: TimeSpan.FromMilliseconds(300), transactionTimeout: TimeSpan.FromSeconds(6));
        try
        {
            await host.StartAsync(Ct);
            await Wait.UntilAsync(() => CommittedOffsets(host) == 3, Deadline, "every record's offset to be committed in a transaction", Ct);
            await host.StopAsync(Ct);
        }
        finally
        {
            faults.ClearRequestErrors(KafkaApiKey.AddPartitionsToTxn);
        }

        // The transaction holding the dead letters failed: it was aborted, its offsets with it, and the records were
        // handled and dead-lettered again in the next one, which committed.
        Assert.NotEmpty(logs.WithEventId(506));
        Assert.NotEmpty(logs.WithEventId(505));
        var handled = TransferCalls.Handled(run);
        Assert.Equal([1L, 2L, 3L], handled.Distinct().Order());
        Assert.True(handled.Count > 3, $"the aborted batch is handled again ({handled.Count} handlings)");
        using var deadLetters = new TopicReader(cluster.BootstrapServers, input + ".dlq", 1);
        await Wait.UntilAsync(() => deadLetters.Count >= 2, Deadline, "the dead letters of 1 and 3", Ct);
    }

    [Fact]
    public async Task An_aborted_transaction_of_an_exactly_once_group_leaves_no_dead_letter_visible_to_read_committed_readers()
    {
        if (cluster.Kind == ClusterKind.Embedded)
        {
            Assert.Skip(EmbeddedHidesNothing);
        }

        // One partition, two keys: sequence 1 is refused (dead-lettered at once) while sequence 2, on the other key lane,
        // holds the first transaction past half its timeout, so the transaction is aborted and both are handled again:
        // 1 is dead-lettered a second time, in the transaction that commits.
        var input = await NewTopicAsync("eos-dead-letter-abort-in", 1);
        await cluster.CreateTopicAsync(input + ".dlq", 1, Ct);
        var group = ClusterFixture.NewGroupId("eos-dead-letter-abort");
        var run = Guid.NewGuid();
        TransferCalls.HoldFirst(run, 2, TimeSpan.FromSeconds(5));
        await ProduceRefusalsAsync(input, run, 2);

        var logs = new LogCapture();
        using (var host = GroupHost(input, group, logs, batchSize: 1000, interval: TimeSpan.FromMilliseconds(300), transactionTimeout: TimeSpan.FromSeconds(6)))
        {
            await host.StartAsync(Ct);
            await Wait.UntilAsync(() => CommittedOffsets(host) == 2, Deadline, "both records' offsets to be committed in a transaction", Ct);
            await host.StopAsync(Ct);
        }

        Assert.NotEmpty(logs.WithEventId(506));
        Assert.Equal([1L, 1L], TransferCalls.Handled(run).Where(s => s == 1));

        // The topic holds both copies; a read_committed reader that reached a record written after them read only the
        // committed one.
        using (var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build())
        {
            await producer.ProduceAsync(input + ".dlq", new Message<byte[], byte[]> { Value = [], Headers = new Headers { { "ce_id", "sentinel"u8.ToArray() } } }, Ct);
        }

        using var deadLetters = new TopicReader(cluster.BootstrapServers, input + ".dlq", 1);
        await Wait.UntilAsync(() => deadLetters.Snapshot().Any(r => r.MessageId == "sentinel"), Deadline, "the reader to reach the record written after the dead letters", Ct);
        Assert.Single(deadLetters.Snapshot(), r => r.MessageId != "sentinel");
    }

    // ---- Helpers ----

    private async Task<string> NewTopicAsync(string name, int partitions)
    {
        var topic = ClusterFixture.NewTopicName(name);
        await cluster.CreateTopicAsync(topic, partitions, Ct);
        return topic;
    }

    private async Task<(string Input, string Output, string Group)> NewFlowAsync(string name)
    {
        var input = await NewTopicAsync(name + "-in", 2);
        var output = await NewTopicAsync(name + "-out", 2);
        await cluster.CreateTopicAsync(input + ".dlq", 1, Ct);
        return (input, output, ClusterFixture.NewGroupId(name));
    }

    private async Task ProduceRequestsAsync(string input, string output, Guid run, int count, int keys = 16)
    {
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), _ => { });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        for (var i = 1; i <= count; i++)
        {
            publisher.Publish(new TransferRequested(run, "k" + (i % keys), i, output), input);
        }

        Assert.Equal(0, publisher.Flush(Deadline));
    }

    // One record on each partition of the input (explicit partitions: the restart test needs both to move).
    private async Task ProduceSentinelsAsync(string input, string output, Guid run)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build();
        for (var partition = 0; partition < 2; partition++)
        {
            var message = new TransferRequested(run, "sentinel", 1001 + partition, output);
            await producer.ProduceAsync(new TopicPartition(input, partition), new Message<byte[], byte[]>
            {
                Key = System.Text.Encoding.UTF8.GetBytes(message.Account),
                Value = KafkaSerializer.Serialize(message),
                Headers = new Headers
                {
                    { "ce_type", System.Text.Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<TransferRequested>()) },
                    { "ce_id", System.Text.Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) },
                    { "content-type", "application/msgpack"u8.ToArray() },
                },
            }, Ct);
        }
    }

    private IHost PublisherHost(string transactionalId)
        => KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), o => o.Publisher.TransactionalId = transactionalId);

    private async Task ProduceRefusalsAsync(string input, Guid run, int count)
    {
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), _ => { });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        for (var i = 1; i <= count; i++)
        {
            publisher.Publish(new TransferRefused(run, "k" + i, i), input);
        }

        Assert.Equal(0, publisher.Flush(Deadline));
    }

    private IHost GroupHost(string input, string group, LogCapture logs, int batchSize = 50, TimeSpan? interval = null, TimeSpan? transactionTimeout = null)
        => KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            new HandlingRecorder(),
            o =>
            {
                if (transactionTimeout is { } timeout)
                {
                    // librdkafka wants a record's delivery to time out no later than its transaction.
                    o.Publisher.TransactionTimeout = timeout;
                    o.Publisher.Properties["message.timeout.ms"] = ((long)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, input);
                consumer.ExactlyOnce = true;
                consumer.Ordering = OrderingMode.Key;
                consumer.TransactionBatchSize = batchSize;
                consumer.TransactionInterval = interval ?? TimeSpan.FromMilliseconds(100);
                o.Consumers.Add(consumer);
            },
            logs: logs);

    /// <summary>The offsets committed by the group's transactions, summed over its partitions (from the status board).</summary>
    private static long CommittedOffsets(IHost host)
        => host.Services.GetRequiredService<IConsumerStatus>().Groups.Sum(g => g.Partitions.Sum(p => p.Committed ?? 0));

    private static List<long> Booked(TopicReader reader, Guid run)
        => [.. reader.Snapshot().Select(r => KafkaSerializer.Deserialize<TransferBooked>(r.Value)).Where(b => b.Run == run).Select(b => b.Sequence)];
}

[KafkaMessage("it.transfer-requested")]
public sealed partial record TransferRequested(Guid Run, [property: MessageKey] string Account, long Sequence, string OutputTopic);

[KafkaMessage("it.transfer-booked")]
public sealed partial record TransferBooked(Guid Run, [property: MessageKey] string Account, long Sequence);

/// <summary>Transforms a request into a booking, published through the injected publisher (so into the group's transaction).</summary>
public sealed class TransferHandler(IMessagePublisher publisher) : IHandle<TransferRequested>
{
    public async ValueTask HandleAsync(TransferRequested message, MessageContext context, CancellationToken cancellationToken)
    {
        TransferCalls.Record(message.Run, message.Sequence);
        if (TransferCalls.DelayOf(message.Run) is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }

        await publisher.PublishAsync(new TransferBooked(message.Run, message.Account, message.Sequence), message.OutputTopic, cancellationToken: cancellationToken);
    }
}

[KafkaMessage("it.transfer-refused")]
public sealed partial record TransferRefused(Guid Run, [property: MessageKey] string Account, long Sequence);

/// <summary>Refuses odd sequences (dead-lettered at once: a permanent failure) and books even ones, the first handling of a held one after its hold.</summary>
public sealed class RefuseTransfer : IHandle<TransferRefused>
{
    public async ValueTask HandleAsync(TransferRefused message, MessageContext context, CancellationToken cancellationToken)
    {
        TransferCalls.Record(message.Run, message.Sequence);
        if (TransferCalls.TakeHold(message.Run, message.Sequence) is { } hold)
        {
            // Not cancellable on purpose: the transaction's drain must time out on it.
            await Task.Delay(hold, CancellationToken.None);
        }

        if (message.Sequence % 2 == 1)
        {
            throw new PermanentFailureException($"transfer {message.Sequence} is refused");
        }
    }
}

internal static class TransferCalls
{
    private static readonly ConcurrentDictionary<(Guid, long), TimeSpan> s_holds = new();

    /// <summary>The first handling of <paramref name="sequence"/> takes <paramref name="hold"/> and succeeds.</summary>
    public static void HoldFirst(Guid run, long sequence, TimeSpan hold) => s_holds[(run, sequence)] = hold;

    public static TimeSpan? TakeHold(Guid run, long sequence) => s_holds.TryRemove((run, sequence), out var hold) ? hold : null;

    private static readonly ConcurrentDictionary<Guid, ConcurrentQueue<long>> s_handled = new();
    private static readonly ConcurrentDictionary<Guid, TimeSpan> s_delays = new();

    public static void Record(Guid run, long sequence) => s_handled.GetOrAdd(run, _ => new()).Enqueue(sequence);

    public static List<long> Handled(Guid run) => s_handled.TryGetValue(run, out var calls) ? [.. calls] : [];

    public static void SlowDown(Guid run, TimeSpan delay) => s_delays[run] = delay;

    public static TimeSpan? DelayOf(Guid run) => s_delays.TryGetValue(run, out var delay) ? delay : null;
}
