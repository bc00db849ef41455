using KafkaTyped.Consuming;

namespace KafkaTyped.Publishing;

/// <summary>The publisher's transactions: its own (<see cref="IPublishTransaction"/>) and an exactly-once group's.</summary>
internal sealed partial class KafkaMessagePublisher
{
    /// <summary>The transactional producer and its gate, when <see cref="PublisherOptions.TransactionalId"/> is set.</summary>
    internal PublisherTransactions? Transactions { get; init; }

    public ValueTask<IPublishTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Transactions is not { } transactions)
        {
            throw new InvalidOperationException(
                $"Transactions need a transactional producer: set {KafkaTypedOptions.SectionName}:Publisher:TransactionalId (unique per running instance).");
        }

        return transactions.BeginAsync(this, cancellationToken);
    }

    /// <summary>
    /// The producer of a publish call that names no transaction: the transaction of the exactly-once group whose handler
    /// is making the call (<see cref="HandlingTransaction.Current"/>), else the service's idempotent producer.
    /// </summary>
    private RecordProducer RecordsForCall() => HandlingTransaction.Current is { } handling ? handling.Records : _records;
}
