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

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly PublisherOptions _options;
    private readonly IDeliveryFailureHandler[] _failureHandlers;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onFireAndForgetDelivered;
    private int _disposed;

    public RecordProducer(
        KafkaTypedOptions options,
        string serviceName,
        IEnumerable<IDeliveryFailureHandler> failureHandlers,
        ILogger logger,
        TimeProvider timeProvider)
    {
        _options = options.Publisher;
        _failureHandlers = [.. failureHandlers];
        _logger = logger;
        _timeProvider = timeProvider;
        _onFireAndForgetDelivered = OnFireAndForgetDelivered;

        var config = ClientConfigFactory.CreateProducerConfig(options, serviceName);
        try
        {
            _producer = new ProducerBuilder<byte[], byte[]>(config)
                .SetErrorHandler(LibrdkafkaLog.ErrorHandler<IProducer<byte[], byte[]>>(_logger, config.ClientId ?? serviceName))
                .SetLogHandler(LibrdkafkaLog.LogHandler<IProducer<byte[], byte[]>>(_logger))
                .Build();
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
        var delivery = new PendingDelivery();
        return TryProduce(topic, record, delivery.Handler)
            ? delivery.Task.WaitAsync(cancellationToken)
            : ProduceWhenRoomAsync(topic, record, delivery, cancellationToken);
    }

    /// <summary>
    /// Hands a record to the client and returns; a failed delivery is logged, counted and passed to every
    /// <see cref="IDeliveryFailureHandler"/>.
    /// </summary>
    public void Produce(string topic, Message<byte[], byte[]> record)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (TryProduce(topic, record, _onFireAndForgetDelivered))
        {
            return;
        }

        var deadline = QueueFullDeadline(topic, record);
        do
        {
            WaitForRoom(deadline, topic, record);
        }
        while (!TryProduce(topic, record, _onFireAndForgetDelivered));
    }

    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

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
                Log.FlushIncomplete(_logger, remaining, _options.FlushTimeout);
                KafkaTypedTelemetry.DeliveryFailures.Add(remaining, KafkaTypedTelemetry.SystemTag, new("error.type", "flush_timeout"));
            }
        }
        finally
        {
            _producer.Dispose();
        }
    }

    private async Task<DeliveryReport<byte[], byte[]>> ProduceWhenRoomAsync(string topic, Message<byte[], byte[]> record, PendingDelivery delivery, CancellationToken cancellationToken)
    {
        var deadline = QueueFullDeadline(topic, record);
        do
        {
            await WaitForRoomAsync(deadline, topic, record, cancellationToken).ConfigureAwait(false);
        }
        while (!TryProduce(topic, record, delivery.Handler));

        return await delivery.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands the record to librdkafka; <see langword="false"/> when its local queue is full.</summary>
    private bool TryProduce(string topic, Message<byte[], byte[]> record, Action<DeliveryReport<byte[], byte[]>> onDelivered)
    {
        try
        {
            _producer.Produce(topic, record, onDelivered);
            return true;
        }
        catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
        catch (ProduceException<byte[], byte[]> ex)
        {
            throw Failed(topic, record.Headers, ex.Error, ex);
        }
    }

    private long QueueFullDeadline(string topic, Message<byte[], byte[]> record)
    {
        Log.QueueFull(_logger, CloudEventHeaders.GetString(record.Headers, CloudEventHeaders.Type) ?? topic);
        return _timeProvider.GetTimestamp() + (long)(_options.QueueFullTimeout.TotalSeconds * _timeProvider.TimestampFrequency);
    }

    private void WaitForRoom(long deadline, string topic, Message<byte[], byte[]> record)
    {
        ThrowIfPast(deadline, topic, record);
        _producer.Flush(s_queueFullWait);
    }

    private async Task WaitForRoomAsync(long deadline, string topic, Message<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        ThrowIfPast(deadline, topic, record);
        await Task.Delay(s_queueFullWait, _timeProvider, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfPast(long deadline, string topic, Message<byte[], byte[]> record)
    {
        if (_timeProvider.GetTimestamp() >= deadline)
        {
            throw Failed(topic, record.Headers, new Error(ErrorCode.Local_QueueFull), null);
        }
    }

    private static PublishException Failed(string topic, Headers? headers, Error error, Exception? inner)
    {
        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", topic), new("error.type", error.Code.ToString()));
        var typeId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Type) ?? string.Empty;
        var messageId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id) ?? string.Empty;
        return new PublishException(topic, typeId, messageId, error, inner);
    }

    private static void Delivered(string topic)
        => KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", topic));

    private void OnFireAndForgetDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (!report.Error.IsError)
        {
            Delivered(report.Topic);
            return;
        }

        var headers = report.Message.Headers ?? [];
        var typeId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Type) ?? string.Empty;
        var messageId = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id) ?? string.Empty;
        Log.DeliveryFailed(_logger, typeId, messageId, report.Topic, report.Error.Reason, report.Error.Code);
        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", report.Topic), new("error.type", report.Error.Code.ToString()));
        KafkaTypedTelemetry.DeliveryFailures.Add(1, KafkaTypedTelemetry.SystemTag, new("error.type", report.Error.Code.ToString()));
        if (_failureHandlers.Length == 0)
        {
            return;
        }

        var failure = new DeliveryFailure(report.Topic, typeId, messageId, report.Message.Key, report.Message.Value, headers, report.Error);
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

    /// <summary>
    /// An awaited record: its task and the delivery handler that completes it, created together (one allocation for
    /// both besides the handler delegate). Continuations run asynchronously, never on librdkafka's delivery thread.
    /// </summary>
    private sealed class PendingDelivery : TaskCompletionSource<DeliveryReport<byte[], byte[]>>
    {
        public PendingDelivery()
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Handler = Complete;
        }

        public Action<DeliveryReport<byte[], byte[]>> Handler { get; }

        private void Complete(DeliveryReport<byte[], byte[]> report)
        {
            if (report.Error.IsError)
            {
                TrySetException(Failed(report.Topic, report.Message?.Headers, report.Error, null));
                return;
            }

            Delivered(report.Topic);
            TrySetResult(report);
        }
    }
}
