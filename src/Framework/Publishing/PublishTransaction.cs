using Confluent.Kafka;

namespace KafkaTyped.Publishing;

/// <summary>
/// The publisher's transactional producer (<see cref="PublisherOptions.TransactionalId"/>) and the gate that lets one
/// transaction be open at a time. Created when the host starts (so a misconfigured producer fails the start); its
/// transactions are initialised at the first <see cref="IMessagePublisher.BeginTransactionAsync"/>, so that a service
/// starts while Kafka is unreachable, as with the idempotent publisher.
/// </summary>
internal sealed class PublisherTransactions : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _waitLimit;

    public PublisherTransactions(TransactionalProducer producer, TimeSpan waitLimit)
    {
        Producer = producer;
        _waitLimit = waitLimit;
    }

    public TransactionalProducer Producer { get; }

    public async ValueTask<IPublishTransaction> BeginAsync(KafkaMessagePublisher publisher, CancellationToken cancellationToken)
    {
        if (!await _gate.WaitAsync(_waitLimit, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException(
                $"A transaction of '{Producer.TransactionalId}' is still open after {KafkaTypedOptions.SectionName}:Publisher:TransactionTimeout ({_waitLimit}): one transaction is open at a time; commit, abort or dispose the open one first.");
        }

        try
        {
            // InitTransactions (the first time) and BeginTransaction block: off the caller's thread.
            await Task.Run(() => Producer.Begin(cancellationToken), cancellationToken).ConfigureAwait(false);
            return new PublishTransaction(publisher, this);
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    public void Release() => _gate.Release();

    public void Dispose()
    {
        Producer.Dispose();
        _gate.Dispose();
    }
}

/// <summary>One open transaction of <see cref="PublisherTransactions"/>; ends (and frees the gate) on commit, abort or dispose.</summary>
internal sealed class PublishTransaction : IPublishTransaction
{
    private readonly KafkaMessagePublisher _publisher;
    private readonly PublisherTransactions _owner;
    private readonly RecordProducer _records;
    private int _ended;

    public PublishTransaction(KafkaMessagePublisher publisher, PublisherTransactions owner)
    {
        _publisher = publisher;
        _owner = owner;
        _records = owner.Producer.Records;
    }

    public Task<PublishResult> PublishAsync<T>(T message, string? topic = null, Headers? headers = null, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>
    {
        ThrowIfEnded();
        return _publisher.PublishThroughAsync(_records, message, topic, headers, cancellationToken);
    }

    public void Publish<T>(T message, string? topic = null, Headers? headers = null) where T : IKafkaMessage<T>
    {
        ThrowIfEnded();
        _publisher.PublishThrough(_records, message, topic, headers);
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (!TryEnd())
        {
            throw new InvalidOperationException("The transaction was committed or aborted already.");
        }

        try
        {
            var producer = _owner.Producer;
            var (outcome, error) = await Task.Run(() => (producer.Commit(out var e), e), CancellationToken.None).ConfigureAwait(false);
            switch (outcome)
            {
                case TransactionOutcome.Aborted:
                    throw new TransactionAbortedException(
                        $"Committing the transaction of '{producer.TransactionalId}' failed and it was aborted: {error?.Reason} ({error?.Code}). Nothing of it is visible; publish again in a new transaction.",
                        error ?? new Error(ErrorCode.Unknown),
                        null);
                case TransactionOutcome.Fenced:
                    throw producer.Fenced("CommitTransaction", null, error);
            }
        }
        finally
        {
            _owner.Release();
        }
    }

    public async Task AbortAsync(CancellationToken cancellationToken = default)
    {
        if (!TryEnd())
        {
            return;
        }

        try
        {
            var producer = _owner.Producer;
            var (aborted, error) = await Task.Run(() => (producer.Abort(out var e), e), CancellationToken.None).ConfigureAwait(false);
            if (!aborted)
            {
                throw producer.Fenced("AbortTransaction", null, error);
            }
        }
        finally
        {
            _owner.Release();
        }
    }

    /// <summary>Aborts a transaction that was neither committed nor aborted; a fenced producer is not reported here (its transaction is lost anyway).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await AbortAsync().ConfigureAwait(false);
        }
        catch (ProducerFencedException)
        {
            // Disposing must not throw; the broker aborts what the fenced producer left open, and the producer was rebuilt.
        }
    }

    private bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    private void ThrowIfEnded()
    {
        if (Volatile.Read(ref _ended) != 0)
        {
            throw new InvalidOperationException("The transaction was committed or aborted already; begin a new one.");
        }
    }
}

/// <summary>The container's singleton holding the publisher's <see cref="PublisherTransactions"/> (none without a transactional id); disposes it with the container.</summary>
internal sealed class PublisherTransactionsHolder(PublisherTransactions? transactions) : IDisposable
{
    public PublisherTransactions? Transactions { get; } = transactions;

    public void Dispose() => Transactions?.Dispose();
}
