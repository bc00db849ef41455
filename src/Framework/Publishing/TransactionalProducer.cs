using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Publishing;

/// <summary>How a transaction ended.</summary>
internal enum TransactionOutcome
{
    Committed,

    /// <summary>An abortable error: the transaction was aborted; its input must be processed again.</summary>
    Aborted,

    /// <summary>Fenced or fatal: the producer was rebuilt and the transaction is lost (the broker aborts it).</summary>
    Fenced,
}

/// <summary>The transaction calls an exactly-once group member makes; <see cref="TransactionalProducer"/>, or a fake in unit tests.</summary>
internal interface ITransactionalProducer : IDisposable
{
    string TransactionalId { get; }

    /// <summary>The transactions' timeout and the limit of retries.</summary>
    TimeSpan Timeout { get; }

    /// <summary>Whether a transaction is open.</summary>
    bool InTransaction { get; }

    /// <summary>The producer the open transaction's records are written through.</summary>
    RecordProducer Records { get; }

    /// <summary>Initialises transactions once and begins one.</summary>
    void Begin(CancellationToken cancellationToken = default);

    /// <summary>Adds consumed offsets to the open transaction.</summary>
    TransactionOutcome SendOffsets(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, out Error? error);

    /// <summary>Commits the open transaction; on an abortable error aborts it, on a fatal one rebuilds the producer.</summary>
    TransactionOutcome Commit(out Error? error);

    /// <summary>Aborts the open transaction; <see langword="false"/> when the producer was fenced or failed fatally.</summary>
    bool Abort(out Error? error);
}

/// <summary>
/// A transactional producer (one <c>transactional.id</c>) over a <see cref="RecordProducer"/> whose records go into the
/// open transaction, with the error handling librdkafka prescribes (INTRODUCTION.md, "Transactional Producer"):
/// retriable errors are retried within <see cref="PublisherOptions.TransactionTimeout"/>, an abortable error (one that
/// requires an abort, such as <c>UNKNOWN_SERVER_ERROR</c> on <c>EndTxn</c>) aborts, and a fatal one (fencing) destroys
/// the producer and builds a new one with the same id, whose <c>InitTransactions</c> aborts what the old one left open.
/// Not thread-safe: its owner calls it from one thread at a time (the publisher's transaction gate, a group's poll thread).
/// </summary>
internal sealed class TransactionalProducer : ITransactionalProducer
{
    private static readonly TimeSpan s_retryBackoff = TimeSpan.FromMilliseconds(50);

    private readonly Func<RecordProducer> _create;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _timeout;
    private RecordProducer? _records;
    private bool _initialised;
    private bool _open;
    private bool _disposed;

    public TransactionalProducer(
        KafkaTypedOptions options, string serviceName, string transactionalId, IEnumerable<IDeliveryFailureHandler> failureHandlers, ILogger logger, TimeProvider timeProvider)
    {
        TransactionalId = transactionalId;
        _logger = logger;
        _timeProvider = timeProvider;
        _timeout = options.Publisher.TransactionTimeout;
        var config = ClientConfigFactory.CreateTransactionalProducerConfig(options, serviceName, transactionalId);
        var handlers = failureHandlers.ToArray();

        // A fatal error is handled where the transaction call reports it (the producer is rebuilt), never by stopping the host.
        _create = () => new RecordProducer(options, serviceName, handlers, logger, timeProvider, onFatal: null, config);
        _records = _create(); // configuration errors fail here, at start-up
    }

    public string TransactionalId { get; }

    /// <summary><see cref="PublisherOptions.TransactionTimeout"/>: the transactions' timeout and the limit of retries.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>Whether a transaction is open.</summary>
    public bool InTransaction => _open;

    /// <summary>The producer the open transaction's records are written through.</summary>
    public RecordProducer Records => _records ?? throw new ObjectDisposedException(nameof(TransactionalProducer));

    /// <summary>Initialises transactions once (fencing an older producer with the same id, aborting what it left open) and begins one.</summary>
    /// <exception cref="TimeoutException">The coordinator could not be reached within the transaction timeout.</exception>
    /// <exception cref="ProducerFencedException">Fenced or fatal while initialising; the producer was rebuilt.</exception>
    public void Begin(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialised)
        {
            Initialise(cancellationToken);
        }

        try
        {
            Records.Client.BeginTransaction();
        }
        catch (KafkaException ex)
        {
            Rebuild("BeginTransaction", ex.Error);
            throw Fenced("BeginTransaction", ex);
        }

        _open = true;
    }

    /// <summary>Adds consumed offsets to the open transaction (committed with it); retriable errors are retried.</summary>
    /// <returns><see cref="TransactionOutcome.Committed"/> when added; otherwise the transaction was aborted or lost.</returns>
    public TransactionOutcome SendOffsets(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, out Error? error)
    {
        var list = offsets as IReadOnlyCollection<TopicPartitionOffset> ?? [.. offsets];
        return Run("SendOffsetsToTransaction", client => client.SendOffsetsToTransaction(list, groupMetadata, _timeout), out error);
    }

    /// <summary>Commits the open transaction (retrying retriable errors); on an abortable error aborts it, on a fatal one rebuilds the producer.</summary>
    public TransactionOutcome Commit(out Error? error)
    {
        var outcome = Run("CommitTransaction", client => client.CommitTransaction(_timeout), out error);
        if (outcome == TransactionOutcome.Committed)
        {
            _open = false;
        }

        return outcome;
    }

    /// <summary>Aborts the open transaction (nothing when none is open), retrying retriable and abortable errors; fatal rebuilds the producer.</summary>
    /// <returns><see langword="false"/> when the producer was fenced or failed fatally (the broker aborts the transaction).</returns>
    public bool Abort(out Error? error)
    {
        error = null;
        if (!_open)
        {
            return true;
        }

        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            try
            {
                Records.Client.AbortTransaction(_timeout);
                _open = false;
                return true;
            }
            catch (KafkaException ex) when (!ex.Error.IsFatal && ex is KafkaRetriableException or KafkaTxnRequiresAbortException
                && _timeProvider.GetElapsedTime(started) < _timeout)
            {
                // An abort that failed abortably (EndTxn UNKNOWN_SERVER_ERROR) is started over by librdkafka: call it again.
                Log.TransactionRetrying(_logger, TransactionalId, "AbortTransaction", ex.Error.Reason, ex.Error.Code);
                Thread.Sleep(s_retryBackoff);
            }
            catch (KafkaException ex)
            {
                error = ex.Error;
                Rebuild("AbortTransaction", ex.Error);
                return false;
            }
        }
    }

    /// <summary>An exception for a fenced or fatal producer (already rebuilt).</summary>
    public ProducerFencedException Fenced(string operation, Exception? inner, Error? error = null)
    {
        var cause = error ?? (inner as KafkaException)?.Error ?? new Error(ErrorCode.Local_Fatal);
        return new ProducerFencedException(
            $"The transactional producer '{TransactionalId}' was fenced by another producer with the same transactional.id, or failed fatally, during {operation}: {cause.Reason} ({cause.Code}). Its transaction is lost; the producer was rebuilt.",
            cause,
            inner);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_open)
        {
            // Best effort: a producer that is going away leaves nothing half-open for the coordinator to time out.
            try
            {
                _records?.Client.AbortTransaction(TimeSpan.FromSeconds(5));
            }
            catch (KafkaException)
            {
                // The broker aborts it at transaction.timeout.ms, or the next producer with this id does at InitTransactions.
            }
        }

        _records?.Dispose();
        _records = null;
    }

    private void Initialise(CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                Records.Client.InitTransactions(_timeout);
                _initialised = true;
                Log.TransactionsInitialised(_logger, TransactionalId);
                return;
            }
            catch (KafkaException ex) when (ex is KafkaRetriableException && !ex.Error.IsFatal && _timeProvider.GetElapsedTime(started) < _timeout)
            {
                Log.TransactionRetrying(_logger, TransactionalId, "InitTransactions", ex.Error.Reason, ex.Error.Code);
                Thread.Sleep(s_retryBackoff);
            }
            catch (KafkaException ex) when (ex is KafkaRetriableException || ex.Error.Code == ErrorCode.Local_TimedOut)
            {
                throw new TimeoutException($"The transactional producer '{TransactionalId}' could not initialise its transactions within {KafkaTypedOptions.SectionName}:Publisher:TransactionTimeout ({_timeout}): {ex.Error.Reason}.", ex);
            }
            catch (KafkaException ex)
            {
                Rebuild("InitTransactions", ex.Error);
                throw Fenced("InitTransactions", ex);
            }
        }
    }

    private TransactionOutcome Run(string operation, Action<IProducer<byte[], byte[]>> call, out Error? error)
    {
        error = null;
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            try
            {
                call(Records.Client);
                return TransactionOutcome.Committed;
            }
            catch (KafkaException ex) when (ex is KafkaRetriableException && !ex.Error.IsFatal && _timeProvider.GetElapsedTime(started) < _timeout)
            {
                // Resumable: calling again continues the operation librdkafka carries on in the background.
                Log.TransactionRetrying(_logger, TransactionalId, operation, ex.Error.Reason, ex.Error.Code);
                Thread.Sleep(s_retryBackoff);
            }
            catch (KafkaException ex) when (!ex.Error.IsFatal && ex is KafkaTxnRequiresAbortException or KafkaRetriableException)
            {
                error = ex.Error;
                Log.TransactionAborted(_logger, TransactionalId, operation, ex.Error.Reason, ex.Error.Code);
                return Abort(out var abortError) ? TransactionOutcome.Aborted : Lost(abortError ?? ex.Error, out error);
            }
            catch (KafkaException ex)
            {
                // Fatal, or neither retriable nor abortable: librdkafka says to treat it as fatal.
                error = ex.Error;
                Rebuild(operation, ex.Error);
                return TransactionOutcome.Fenced;
            }
        }
    }

    private static TransactionOutcome Lost(Error cause, out Error? error)
    {
        error = cause;
        return TransactionOutcome.Fenced;
    }

    private void Rebuild(string operation, Error error)
    {
        Log.TransactionProducerFenced(_logger, TransactionalId, operation, error.Reason, error.Code);
        var old = _records;
        _records = null;
        _open = false;
        _initialised = false;
        try
        {
            old?.Dispose();
        }
        catch (KafkaException)
        {
            // A fenced producer may fail its flush; its records are reported failed and the transaction is lost anyway.
        }

        _records = _create();
    }
}
