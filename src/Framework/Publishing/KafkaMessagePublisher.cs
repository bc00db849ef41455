using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using KafkaTyped.Serialization;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Publishing;

/// <summary>
/// The <see cref="IMessagePublisher"/> over one Confluent.Kafka producer shared by the whole service (librdkafka
/// batches per partition, so one producer is the fastest and keeps idempotence sequences in one place).
/// </summary>
internal sealed class KafkaMessagePublisher : IMessagePublisher, IDisposable
{
    private static readonly TimeSpan s_queueFullWait = TimeSpan.FromMilliseconds(10);

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly PublisherOptions _options;
    private readonly IDeliveryFailureHandler[] _failureHandlers;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly byte[] _sourceUtf8;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onFireAndForgetDelivered;
    private int _disposed;

    public KafkaMessagePublisher(
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
        _sourceUtf8 = Encoding.UTF8.GetBytes(serviceName);
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

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>
        => PublishAsync(message, topic: null, headers: null, cancellationToken);

    public async Task PublishAsync<T>(T message, string? topic, Headers? headers = null, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var resolvedTopic = ResolveTopic<T>(topic);
        using var activity = StartActivity(resolvedTopic);
        var record = CreateRecord(message, headers, activity, out var messageId);
        activity?.SetTag("messaging.message.id", MessageIdString(messageId));

        var delivered = new TaskCompletionSource<DeliveryReport<byte[], byte[]>>(TaskCreationOptions.RunContinuationsAsynchronously);
        long deadline = 0;
        while (true)
        {
            try
            {
                _producer.Produce(resolvedTopic, record, report => delivered.TrySetResult(report));
                break;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                deadline = WaitForRoomOrThrow<T>(deadline, resolvedTopic, messageId, ex);
                await Task.Delay(s_queueFullWait, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                throw Failed<T>(resolvedTopic, messageId, ex.Error, ex, activity);
            }
        }

        var report = await delivered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (report.Error.IsError)
        {
            throw Failed<T>(resolvedTopic, messageId, report.Error, null, activity);
        }

        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", resolvedTopic));
        activity?.SetTag("messaging.destination.partition.id", report.Partition.Value)
            .SetTag("messaging.kafka.offset", report.Offset.Value);
    }

    public void Publish<T>(T message, string? topic = null, Headers? headers = null) where T : IKafkaMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var resolvedTopic = ResolveTopic<T>(topic);
        using var activity = StartActivity(resolvedTopic);
        var record = CreateRecord(message, headers, activity, out var messageId);
        activity?.SetTag("messaging.message.id", MessageIdString(messageId));

        long deadline = 0;
        while (true)
        {
            try
            {
                _producer.Produce(resolvedTopic, record, _onFireAndForgetDelivered);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                deadline = WaitForRoomOrThrow<T>(deadline, resolvedTopic, messageId, ex);
                _producer.Flush(s_queueFullWait);
            }
            catch (ProduceException<byte[], byte[]> ex)
            {
                throw Failed<T>(resolvedTopic, messageId, ex.Error, ex, activity);
            }
        }
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

    internal string ResolveTopic<T>(string? topic) where T : IKafkaMessage<T>
    {
        var resolved = topic ?? T.DefaultTopic ?? _options.DefaultTopic;
        if (string.IsNullOrEmpty(resolved))
        {
            throw new InvalidOperationException(
                $"No topic to publish '{T.TypeId}' ({typeof(T).FullName}) to: pass a topic to the publish call, declare [KafkaMessage(Topic = ...)] on the type, or set {KafkaTypedOptions.SectionName}:Publisher:DefaultTopic.");
        }

        return resolved;
    }

    /// <summary>
    /// Builds the record of a message: key, payload and CloudEvents headers. <paramref name="messageId"/> is the new
    /// <c>ce_id</c> as its UTF-8 header value; a string is made of it only when needed (<see cref="MessageIdString"/>).
    /// </summary>
    internal Message<byte[], byte[]> CreateRecord<T>(T message, Headers? extraHeaders, Activity? activity, out byte[] messageId) where T : IKafkaMessage<T>
    {
        // Formatted straight into the header's bytes: no string per published message.
        messageId = new byte[36];
        Guid.CreateVersion7().TryFormat(messageId, out _, "D");
        var headers = new Headers();
        CloudEventHeaders.Write(headers, messageId, TypeIdBytes<T>.Value, _sourceUtf8, _timeProvider.GetUtcNow(), activity ?? Activity.Current);
        if (extraHeaders is not null)
        {
            foreach (var header in extraHeaders)
            {
                if (CloudEventHeaders.IsReserved(header.Key))
                {
                    throw new ArgumentException($"The header '{header.Key}' is written by KafkaTyped and cannot be supplied by the caller.", nameof(extraHeaders));
                }

                headers.Add(header.Key, header.GetValueBytes());
            }
        }

        var value = KafkaSerializer.Serialize(message);
        activity?.SetTag("messaging.message.body.size", value.Length);
        return new Message<byte[], byte[]> { Key = T.SerializeKey(message)!, Value = value, Headers = headers };
    }

    /// <summary>A <c>ce_id</c> header value as the string that failures, logs and traces carry.</summary>
    internal static string MessageIdString(byte[] messageId) => Encoding.UTF8.GetString(messageId);

    private static Activity? StartActivity(string topic)
    {
        if (!KafkaTypedTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = KafkaTypedTelemetry.Source.StartActivity("publish " + topic, ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka")
            .SetTag("messaging.operation.name", "publish")
            .SetTag("messaging.operation.type", "send")
            .SetTag("messaging.destination.name", topic);
        return activity;
    }

    private long WaitForRoomOrThrow<T>(long deadline, string topic, byte[] messageId, ProduceException<byte[], byte[]> ex) where T : IKafkaMessage<T>
    {
        var now = _timeProvider.GetTimestamp();
        if (deadline == 0)
        {
            Log.QueueFull(_logger, T.TypeId);
            return now + (long)(_options.QueueFullTimeout.TotalSeconds * _timeProvider.TimestampFrequency);
        }

        if (now >= deadline)
        {
            throw Failed<T>(topic, messageId, ex.Error, ex, null);
        }

        return deadline;
    }

    private static PublishException Failed<T>(string topic, byte[] messageId, Error error, Exception? inner, Activity? activity) where T : IKafkaMessage<T>
    {
        KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", topic), new("error.type", error.Code.ToString()));
        activity?.SetStatus(ActivityStatusCode.Error, error.Reason).SetTag("error.type", error.Code.ToString());
        return new PublishException(topic, T.TypeId, MessageIdString(messageId), error, inner);
    }

    private void OnFireAndForgetDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (!report.Error.IsError)
        {
            KafkaTypedTelemetry.SentMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", report.Topic));
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
}
