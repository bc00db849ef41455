using System.Diagnostics;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Publishing;

/// <summary>
/// Produces records given as bytes (key, value, headers) over the one Confluent.Kafka producer of the service: the
/// path every publish takes. <see cref="KafkaMessagePublisher"/> builds typed records and hands them here; the
/// dead-letter sink, the outbox relay and the replay tool write records they already hold.
/// </summary>
/// <remarks>
/// One produce call and one queue-full policy for both ways of publishing: when librdkafka's local queue is full, the
/// call waits for room for up to <see cref="PublisherOptions.QueueFullTimeout"/>, then fails with
/// <see cref="PublishException"/> (<c>Local_QueueFull</c>). Failures carry the record's <c>ce_type</c> and <c>ce_id</c>
/// headers (empty when the record has none).
/// </remarks>
internal sealed class RecordProducer : IDisposable
{
    private static readonly TimeSpan s_queueFullWait = TimeSpan.FromMilliseconds(10);

    /// <summary>Set while this thread runs the failure handlers, on librdkafka's delivery-report thread.</summary>
    [ThreadStatic]
    private static bool t_reportingFailures;

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly PublisherOptions _options;
    private readonly IDeliveryFailureHandler[] _failureHandlers;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly InFlight _inFlight = new();
    private int _disposed;
    private Error? _fatalError;
    private readonly Lock _adminLock = new();
    private IAdminClient? _admin;

    public RecordProducer(
        KafkaTypedOptions options,
        string serviceName,
        IEnumerable<IDeliveryFailureHandler> failureHandlers,
        ILogger logger,
        TimeProvider timeProvider,
        Action? onFatal = null,
        ProducerConfig? config = null)
    {
        _options = options.Publisher;
        _failureHandlers = [.. failureHandlers];
        _logger = logger;
        _timeProvider = timeProvider;

        config ??= ClientConfigFactory.CreateProducerConfig(options, serviceName);
        try
        {
            var builder = new ProducerBuilder<byte[], byte[]>(config)
                .SetErrorHandler(LibrdkafkaLog.ErrorHandler<IProducer<byte[], byte[]>>(_logger, config.ClientId ?? serviceName, error => OnFatal(error, onFatal)))
                .SetLogHandler(LibrdkafkaLog.LogHandler<IProducer<byte[], byte[]>>(_logger));
            if (LibrdkafkaStatistics.Enabled(config))
            {
                builder.SetStatisticsHandler(LibrdkafkaStatistics.Handler<IProducer<byte[], byte[]>>());
            }

            _producer = builder.Build();
        }
        catch (Exception ex) when (ex is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"The Kafka producer could not be created from {KafkaTypedOptions.SectionName}:Properties and {KafkaTypedOptions.SectionName}:Publisher:Properties: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Produces a record and completes with its delivery report when the broker acknowledged it (with the configured
    /// <c>acks</c>); faults with <see cref="PublishException"/> when it was not delivered.
    /// </summary>
    public Task<DeliveryReport<byte[], byte[]>> ProduceAsync(string topic, Message<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);

        // Before the record is handed over: a caller who retries a cancelled publish must not publish it twice.
        cancellationToken.ThrowIfCancellationRequested();
        var delivery = new AwaitedDelivery(this, topic, record);
        return TryProduce(delivery)
            ? delivery.Task.WaitAsync(cancellationToken)
            : ProduceWhenRoomAsync(delivery, cancellationToken);
    }

    /// <summary>
    /// Hands a record to the client and returns; a failed delivery is logged, counted and passed to every
    /// <see cref="IDeliveryFailureHandler"/>.
    /// </summary>
    public void Produce(string topic, Message<byte[], byte[]> record)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var delivery = _inFlight.AddFireAndForget(this, topic, record);
        delivery.Started = SendTimestamp();
        if (TryProduceTracked(delivery))
        {
            return;
        }

        var deadline = QueueFullDeadline(topic, record);
        do
        {
            WaitForRoom(deadline, delivery);
        }
        while (!TryProduce(delivery));
    }

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    /// <summary>The fatal error the producer stopped on, or <see langword="null"/> while it works; any thread.</summary>
    public Error? FatalError => Volatile.Read(ref _fatalError);

    /// <summary>
    /// Asks a broker for the cluster's metadata over the producer's connections (the readiness check); throws
    /// <see cref="KafkaException"/> when none answered within <paramref name="timeout"/>. Blocks the calling thread.
    /// </summary>
    public Metadata GetMetadata(TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        IAdminClient admin;
        lock (_adminLock)
        {
            admin = _admin ??= new DependentAdminClientBuilder(_producer.Handle).Build();
        }

        return admin.GetMetadata(timeout);
    }

    /// <summary>The Confluent.Kafka producer, for the transaction calls of a transactional one.</summary>
    internal IProducer<byte[], byte[]> Client => _producer;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            var remaining = _producer.Flush(_options.FlushTimeout);
            if (remaining > 0)
            {
                // Confluent drops the delivery reports of a disposed producer (and offers no purge): awaiting callers
                // would wait forever and failure handlers would never hear of batched records. Fail what is left now,
                // as librdkafka fails a record whose message.timeout.ms passed: it may still have been written.
                Log.FlushIncomplete(_logger, remaining, _options.FlushTimeout);
                var error = new Error(
                    ErrorCode.Local_MsgTimedOut,
                    $"Not acknowledged within {KafkaTypedOptions.SectionName}:Publisher:FlushTimeout ({_options.FlushTimeout}) when the publisher was disposed; it may still have been written.");
                foreach (var delivery in _inFlight.Close())
                {
                    delivery.Fail(error);
                }
            }
        }
        finally
        {
            lock (_adminLock)
            {
                // Before the producer whose handle it uses.
                _admin?.Dispose();
            }

            var name = _producer.Name;
            _producer.Dispose();
            LibrdkafkaStatistics.Forget(name); // after the last statistics callback
        }
    }

    private async Task<DeliveryReport<byte[], byte[]>> ProduceWhenRoomAsync(AwaitedDelivery delivery, CancellationToken cancellationToken)
    {
        var deadline = QueueFullDeadline(delivery.Topic, delivery.Record);
        do
        {
            await WaitForRoomAsync(deadline, delivery, cancellationToken).ConfigureAwait(false);
        }
        while (!TryProduce(delivery));

        return await delivery.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands the record to librdkafka; <see langword="false"/> when its local queue is full.</summary>
    private bool TryProduce(Delivery delivery)
    {
        _inFlight.Add(delivery);
        return TryProduceTracked(delivery);
    }

    /// <summary>Produces a tracked delivery (tracked before librdkafka can report it); untracks it when librdkafka did not take it.</summary>
    private bool TryProduceTracked(Delivery delivery)
    {
        try
        {
            _producer.Produce(delivery.Topic, delivery.Record, delivery.Handler);
            return true;
        }
        catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            _inFlight.Remove(delivery, recycle: false);
            return false;
        }
        catch (Exception ex)
        {
            _inFlight.Remove(delivery, recycle: false);
            if (ex is ProduceException<byte[], byte[]> produce)
            {
                throw Failed(delivery, produce.Error, ex);
            }

            throw;
        }
    }

    private long QueueFullDeadline(string topic, Message<byte[], byte[]> record)
    {
        Log.QueueFull(_logger, CloudEventHeaders.GetString(record.Headers, CloudEventHeaders.Type) ?? topic);
        return _timeProvider.GetTimestamp() + (long)(_options.QueueFullTimeout.TotalSeconds * _timeProvider.TimestampFrequency);
    }

    private void WaitForRoom(long deadline, Delivery delivery)
    {
        // Only librdkafka's delivery thread makes room, by serving reports; a failure handler that publishes runs on
        // that thread, so waiting there could never succeed.
        if (t_reportingFailures)
        {
            throw Failed(delivery, new Error(ErrorCode.Local_QueueFull), null);
        }

        // Waits without serving delivery reports (no Flush or Poll): callbacks never run on the caller's thread.
        ThrowIfPast(deadline, delivery);
        Thread.Sleep(s_queueFullWait);
    }

    private async Task WaitForRoomAsync(long deadline, Delivery delivery, CancellationToken cancellationToken)
    {
        ThrowIfPast(deadline, delivery);
        await Task.Delay(s_queueFullWait, _timeProvider, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfPast(long deadline, Delivery delivery)
    {
        if (_timeProvider.GetTimestamp() >= deadline)
        {
            throw Failed(delivery, new Error(ErrorCode.Local_QueueFull), null);
        }
    }

    /// <summary>A send that failed before or instead of its delivery report: counted, timed, and the exception its caller gets.</summary>
    private static PublishException Failed(Delivery delivery, Error error, Exception? inner)
    {
        var topic = delivery.Topic;
        var headers = delivery.Record.Headers;
        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", topic), new("error.type", error.Code.ToString()));
        RecordSendDuration(delivery.Started, topic, error);
        var typeId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Type) ?? string.Empty;
        var messageId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id) ?? string.Empty;
        return new PublishException(topic, typeId, messageId, error, inner);
    }

    private static void Delivered(string topic, long started)
    {
        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", topic));
        RecordSendDuration(started, topic, error: null);
    }

    /// <summary>The clock when someone listens to the operation duration, else 0: the clock is read only for them.</summary>
    private static long SendTimestamp() => KafkaTypedTelemetry.OperationDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>The <c>send</c> operation's duration, from the hand-off to the client to the delivery report (or the failure).</summary>
    private static void RecordSendDuration(long started, string topic, Error? error)
    {
        if (started == 0)
        {
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var operation = new KeyValuePair<string, object?>("messaging.operation.name", "send");
        var type = new KeyValuePair<string, object?>("messaging.operation.type", "send");
        var destination = new KeyValuePair<string, object?>("messaging.destination.name", topic);
        if (error is null)
        {
            KafkaTypedTelemetry.OperationDuration.Record(elapsed, KafkaTypedTelemetry.SystemTag, operation, type, destination);
        }
        else
        {
            var tags = new TagList { KafkaTypedTelemetry.SystemTag, operation, type, destination, new("error.type", error.Code.ToString()) };
            KafkaTypedTelemetry.OperationDuration.Record(elapsed, in tags);
        }
    }

    private void ReportFailure(string topic, Message<byte[], byte[]> record, long started, Error error)
    {
        var headers = record.Headers ?? [];
        var typeId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Type) ?? string.Empty;
        var messageId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id) ?? string.Empty;
        Log.DeliveryFailed(_logger, typeId, messageId, topic, error.Reason, error.Code);
        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", topic), new("error.type", error.Code.ToString()));
        RecordSendDuration(started, topic, error);
        KafkaTypedTelemetry.DeliveryFailures.Add(1, KafkaTypedTelemetry.SystemTag, new("error.type", error.Code.ToString()));
        if (_failureHandlers.Length == 0)
        {
            return;
        }

        var failure = new DeliveryFailure(topic, typeId, messageId, record.Key, record.Value, headers, error);
        t_reportingFailures = true;
        try
        {
            foreach (var handler in _failureHandlers)
            {
                try
                {
                    handler.OnDeliveryFailed(failure);
                }
                catch (Exception ex)
                {
                    Log.DeliveryFailureHandlerFailed(_logger, messageId, ex);
                }
            }
        }
        finally
        {
            t_reportingFailures = false;
        }
    }

    private void OnFatal(Error error, Action? stopApplication)
    {
        // On librdkafka's thread, and never a call into the client: log, then stop the application from the pool.
        Volatile.Write(ref _fatalError, error);
        Log.ProducerFatal(_logger, error.Reason, error.Code);
        if (stopApplication is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static stop => stop(), stopApplication, preferLocal: false);
        }
    }

    /// <summary>A record handed to librdkafka and not yet reported: what <see cref="Dispose"/> fails when the flush deadline passed.</summary>
    private abstract class Delivery
    {
        protected Delivery(RecordProducer owner) => Owner = owner;

        public RecordProducer Owner { get; }

        public string Topic { get; set; } = string.Empty;

        public Message<byte[], byte[]> Record { get; set; } = null!;

        /// <summary>When the record was handed over (<see cref="Stopwatch.GetTimestamp"/>), or 0 when its send is not timed.</summary>
        public long Started { get; set; }

        /// <summary>The delivery-report callback, created once per delivery object.</summary>
        public Action<DeliveryReport<byte[], byte[]>> Handler { get; protected init; } = null!;

        // The in-flight list's links, guarded by its lock.
        internal Delivery? Previous { get; set; }

        internal Delivery? Next { get; set; }

        internal bool Tracked { get; set; }

        /// <summary>Reports a failure librdkafka will not report (its producer is being disposed).</summary>
        public abstract void Fail(Error error);
    }

    /// <summary>
    /// An awaited record: the task its caller awaits and the callback that completes it. Continuations run
    /// asynchronously, never on librdkafka's delivery thread.
    /// </summary>
    private sealed class AwaitedDelivery : Delivery
    {
        private readonly TaskCompletionSource<DeliveryReport<byte[], byte[]>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AwaitedDelivery(RecordProducer owner, string topic, Message<byte[], byte[]> record)
            : base(owner)
        {
            Topic = topic;
            Record = record;
            Started = SendTimestamp();
            Handler = OnDelivered;
        }

        public Task<DeliveryReport<byte[], byte[]>> Task => _completion.Task;

        public override void Fail(Error error) => _completion.TrySetException(Failed(this, error, null));

        private void OnDelivered(DeliveryReport<byte[], byte[]> report)
        {
            if (!Owner._inFlight.Remove(this, recycle: false))
            {
                return;
            }

            if (report.Error.IsError)
            {
                Fail(report.Error);
                return;
            }

            Delivered(report.Topic, Started);
            _completion.TrySetResult(report);
        }
    }

    /// <summary>A fire-and-forget record; reused for another record once reported, so batched publishing allocates nothing for it.</summary>
    private sealed class FireAndForgetDelivery : Delivery
    {
        public FireAndForgetDelivery(RecordProducer owner)
            : base(owner) => Handler = OnDelivered;

        public override void Fail(Error error) => Owner.ReportFailure(Topic, Record, Started, error);

        private void OnDelivered(DeliveryReport<byte[], byte[]> report)
        {
            // Read before untracking: this object goes back to the pool then, and may carry another record at once. The
            // record is this object's own, not the report's: reports carry only their status (the client does not
            // copy the record back), see ClientConfigFactory.ProducerDefaults.
            var topic = Topic;
            var record = Record;
            var started = Started;
            if (!Owner._inFlight.Remove(this, recycle: true))
            {
                return;
            }

            if (report.Error.IsError)
            {
                Owner.ReportFailure(topic, record, started, report.Error);
                return;
            }

            Delivered(report.Topic, started);
        }
    }

    /// <summary>
    /// The deliveries librdkafka holds, as a list linked through them under one lock (nothing allocated per record),
    /// plus the pool of reported fire-and-forget deliveries. Exactly one of the delivery report and
    /// <see cref="Close"/> takes each delivery.
    /// </summary>
    private sealed class InFlight
    {
        private readonly Lock _lock = new();
        private Delivery? _head;
        private FireAndForgetDelivery? _free;
        private bool _closed;

        public void Add(Delivery delivery)
        {
            lock (_lock)
            {
                Link(delivery);
            }
        }

        /// <summary>Untracks a delivery; <see langword="false"/> when it was not tracked (already failed by <see cref="Close"/>).</summary>
        public bool Remove(Delivery delivery, bool recycle)
        {
            lock (_lock)
            {
                if (!delivery.Tracked)
                {
                    return false;
                }

                Unlink(delivery);
                if (recycle && !_closed && delivery is FireAndForgetDelivery reusable)
                {
                    reusable.Record = null!;
                    reusable.Next = _free;
                    _free = reusable;
                }

                return true;
            }
        }

        /// <summary>Tracks a fire-and-forget record in a reused delivery (a new one when none is free); one lock for both.</summary>
        public FireAndForgetDelivery AddFireAndForget(RecordProducer owner, string topic, Message<byte[], byte[]> record)
        {
            lock (_lock)
            {
                var delivery = _free ?? new FireAndForgetDelivery(owner);
                _free = (FireAndForgetDelivery?)delivery.Next;
                delivery.Topic = topic;
                delivery.Record = record;
                Link(delivery);
                return delivery;
            }
        }

        /// <summary>Untracks and returns every delivery still held; later reports of them are ignored.</summary>
        public List<Delivery> Close()
        {
            lock (_lock)
            {
                _closed = true;
                _free = null;
                var left = new List<Delivery>();
                while (_head is { } delivery)
                {
                    Unlink(delivery);
                    left.Add(delivery);
                }

                return left;
            }
        }

        private void Link(Delivery delivery)
        {
            delivery.Previous = null;
            delivery.Next = _head;
            if (_head is not null)
            {
                _head.Previous = delivery;
            }

            _head = delivery;
            delivery.Tracked = true;
        }

        private void Unlink(Delivery delivery)
        {
            if (delivery.Previous is { } previous)
            {
                previous.Next = delivery.Next;
            }
            else
            {
                _head = delivery.Next;
            }

            if (delivery.Next is { } next)
            {
                next.Previous = delivery.Previous;
            }

            delivery.Previous = null;
            delivery.Next = null;
            delivery.Tracked = false;
        }
    }
}
