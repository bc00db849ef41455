using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Tests.Transactions;

/// <summary>
/// How a handler's publish finds its exactly-once group's transaction (docs/exactly-once.md): the record's handling is
/// ambient only while its processing runs, and refuses publishes once it ended or once the transaction it began in was
/// aborted. No broker is needed: the checks come before the producer is asked anything.
/// </summary>
public sealed class HandlingTransactionTests : IDisposable
{
    private readonly ExactlyOnceMember _member = new(new TransactionalProducer(
        new KafkaTypedOptions { BootstrapServers = "127.0.0.1:1" }, "svc", "svc-orders-1", [], NullLogger.Instance, TimeProvider.System));

    public void Dispose() => _member.Dispose();

    [Fact]
    public async Task The_handling_is_current_only_while_the_record_is_processed()
    {
        var inner = new CapturingProcessor();
        var processor = new TransactionalRecordProcessor(inner, _member);
        Assert.Null(HandlingTransaction.Current);

        await processor.ProcessAsync(Record(), TestContext.Current.CancellationToken);

        Assert.NotNull(inner.Seen);
        Assert.Null(HandlingTransaction.Current); // restored for the caller (the group's executor loop)
        var ended = Assert.Throws<InvalidOperationException>(() => inner.Seen!.Records);
        Assert.Contains("after its handling had ended", ended.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_publish_after_the_transaction_was_aborted_is_refused()
    {
        var inner = new CapturingProcessor { OnProcess = () => _member.Discarded() };
        var processor = new TransactionalRecordProcessor(inner, _member);

        await processor.ProcessAsync(Record(), TestContext.Current.CancellationToken);

        Assert.Contains("was aborted", inner.PublishError?.Message, StringComparison.Ordinal);
    }

    private static ConsumeResult<byte[], byte[]> Record() => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("orders", 0, 7),
        Message = new Message<byte[], byte[]> { Key = [], Value = [], Headers = [] },
    };

    private sealed class CapturingProcessor : IRecordProcessor
    {
        public HandlingTransaction? Seen { get; private set; }

        public Exception? PublishError { get; private set; }

        public Action? OnProcess { get; init; }

        public async ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            await Task.Yield(); // the ambient handling flows across awaits
            Seen = HandlingTransaction.Current;
            if (OnProcess is { } onProcess)
            {
                onProcess();
                PublishError = Xunit.Record.Exception(() => Seen!.Records);
            }

            return MessageOutcome.Handled;
        }
    }
}
