using Confluent.Kafka;
using KafkaTyped.Publishing;

namespace KafkaTyped.Consuming;

/// <summary>
/// The member's transaction as seen by the handling of one record in an exactly-once group: what
/// <see cref="IMessagePublisher"/> (and the default dead-letter sink) publishes into while that record is handled. Set by
/// <see cref="TransactionalRecordProcessor"/> for the duration of the record's processing, as an ambient value of the
/// asynchronous flow, so that the injected singleton publisher, in a singleton or a scoped handler or in any service the
/// handler calls, finds it without being told. Ended when the processing returns: a publish from work the handler left
/// running (a task it did not await) throws instead of writing into a transaction that no longer covers its record.
/// </summary>
internal sealed class HandlingTransaction
{
    private static readonly AsyncLocal<HandlingTransaction?> s_current = new();

    private readonly ExactlyOnceMember _member;
    private readonly int _epoch;
    private volatile bool _ended;

    private HandlingTransaction(ExactlyOnceMember member)
    {
        _member = member;
        _epoch = member.Epoch;
    }

    /// <summary>The transaction of the record being handled on this asynchronous flow, or <see langword="null"/>.</summary>
    public static HandlingTransaction? Current => s_current.Value;

    /// <summary>The producer of the member's open transaction (begun on the first publish of a batch).</summary>
    /// <exception cref="InvalidOperationException">The record's handling already ended, or its transaction was aborted meanwhile.</exception>
    public RecordProducer Records
    {
        get
        {
            if (_ended)
            {
                throw new InvalidOperationException(
                    "A handler of an exactly-once consumer group published after its handling had ended (from work it did not await): the message would not be covered by the transaction of the record it belongs to, so it is refused.");
            }

            return _member.OpenTransaction(_epoch);
        }
    }

    /// <summary>Makes a new handling the current one of this flow (and of what it awaits); restored when the caller's async method returns.</summary>
    public static HandlingTransaction Enter(ExactlyOnceMember member)
    {
        var handling = new HandlingTransaction(member);
        s_current.Value = handling;
        return handling;
    }

    public void End() => _ended = true;
}

/// <summary>
/// The processor of an exactly-once group: runs the group's <see cref="MessageProcessor"/> with the record's
/// <see cref="HandlingTransaction"/> current, so that what its handlers publish goes into the member's transaction.
/// </summary>
internal sealed class TransactionalRecordProcessor(IRecordProcessor inner, ExactlyOnceMember member) : IRecordProcessor
{
    public DispatchStrategy StrategyOf(ConsumeResult<byte[], byte[]> record) => inner.StrategyOf(record);

    public async ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        var handling = HandlingTransaction.Enter(member);
        try
        {
            return await inner.ProcessAsync(record, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            handling.End();
        }
    }
}

/// <summary>
/// The transactional producer of one member of an exactly-once group (its own <c>transactional.id</c>), shared by the
/// handlers that publish into its open transaction and the committer that commits it with the consumed offsets. A
/// transaction is begun by the first publish (or the commit) after the previous one ended; the committer ends it only
/// when no handler of the group runs, so a publish never meets a transaction that is being committed.
/// </summary>
internal sealed class ExactlyOnceMember : IDisposable
{
    private readonly Lock _lock = new();

    public ExactlyOnceMember(ITransactionalProducer producer) => Producer = producer;

    public ITransactionalProducer Producer { get; }

    /// <summary>
    /// Counts the transactions that ended without a commit (aborted, or lost with a fenced producer). A handling that began
    /// before one of them belongs to a record that is handled again: its later publishes are refused rather than written
    /// into the next transaction.
    /// </summary>
    public int Epoch => Volatile.Read(ref _epoch);

    private int _epoch;

    /// <summary>Marks the end of a transaction that was not committed (see <see cref="Epoch"/>).</summary>
    public void Discarded() => Interlocked.Increment(ref _epoch);

    /// <summary>Records published into the open transaction, or handled in it: whether there is anything to commit.</summary>
    public bool InTransaction
    {
        get
        {
            lock (_lock)
            {
                return Producer.InTransaction;
            }
        }
    }

    /// <summary>The producer of the open transaction, beginning one (and initialising transactions, the first time) when none is open.</summary>
    /// <param name="epoch">The <see cref="Epoch"/> the caller's handling began in.</param>
    public RecordProducer OpenTransaction(int epoch)
    {
        lock (_lock)
        {
            if (epoch != Epoch)
            {
                throw new InvalidOperationException(
                    "The transaction this record's handling published into was aborted: the record is handled again from its partition's committed offset, and this publish is refused.");
            }

            if (!Producer.InTransaction)
            {
                Producer.Begin();
            }

            return Producer.Records;
        }
    }

    /// <summary>Runs a transaction call (commit, abort, offsets) under the lock that beginning takes.</summary>
    public T Locked<T>(Func<ITransactionalProducer, T> call)
    {
        lock (_lock)
        {
            return call(Producer);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Producer.Dispose();
        }
    }
}
