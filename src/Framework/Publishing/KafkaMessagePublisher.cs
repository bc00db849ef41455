using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using KafkaTyped.SchemaRegistry;
using KafkaTyped.Serialization;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Publishing;

/// <summary>
/// The <see cref="IMessagePublisher"/> over one Confluent.Kafka producer shared by the whole service (librdkafka
/// batches per partition, so one producer is the fastest and keeps idempotence sequences in one place).
/// </summary>
internal sealed partial class KafkaMessagePublisher : IMessagePublisher, IDisposable
{
    private readonly RecordProducer _records;
    private readonly bool _ownsRecords;
    private readonly PublisherOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly byte[] _sourceUtf8;
    private readonly AvroSchemaIds _avroSchemaIds;
    private int _disposed;

    /// <summary>A publisher over a producer of its own, disposed with it.</summary>
    public KafkaMessagePublisher(
        KafkaTypedOptions options,
        string serviceName,
        IEnumerable<IDeliveryFailureHandler> failureHandlers,
        ILogger logger,
        TimeProvider timeProvider)
        : this(new RecordProducer(options, serviceName, failureHandlers, logger, timeProvider), options, serviceName, timeProvider)
    {
        _ownsRecords = true;
    }

    /// <summary>A publisher over the service's <see cref="RecordProducer"/>, which its owner disposes.</summary>
    public KafkaMessagePublisher(RecordProducer records, KafkaTypedOptions options, string serviceName, TimeProvider timeProvider, ISchemaRegistry? schemaRegistry = null)
    {
        _records = records;
        _avroSchemaIds = new AvroSchemaIds(schemaRegistry, options.SchemaRegistry.SubjectNameStrategy);
        _options = options.Publisher;
        _timeProvider = timeProvider;
        _sourceUtf8 = Encoding.UTF8.GetBytes(serviceName);
    }

    /// <summary>The raw-record path this publisher writes through.</summary>
    internal RecordProducer Records => _records;

    public Task<PublishResult> PublishAsync<T>(T message, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>
        => PublishAsync(message, topic: null, headers: null, cancellationToken);

    public Task<PublishResult> PublishAsync<T>(T message, string? topic, Headers? headers = null, CancellationToken cancellationToken = default) where T : IKafkaMessage<T>
        => PublishThroughAsync(null, message, topic, headers, cancellationToken);

    /// <summary>Publishes through <paramref name="transaction"/>'s producer, or (<see langword="null"/>) the service's or the ambient consume transaction's.</summary>
    internal async Task<PublishResult> PublishThroughAsync<T>(RecordProducer? transaction, T message, string? topic, Headers? headers, CancellationToken cancellationToken) where T : IKafkaMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var resolvedTopic = ResolveTopic<T>(topic);
        var avroSchemaId = T.Format == MessageFormat.Avro ? await _avroSchemaIds.GetAsync<T>(resolvedTopic, cancellationToken).ConfigureAwait(false) : -1;
        using var activity = StartActivity(resolvedTopic);
        var record = CreateRecord(message, headers, activity, out var messageId, avroSchemaId);
        activity?.SetTag("messaging.message.id", MessageIdString(messageId));
        try
        {
            // The record producer times the send (messaging.client.operation.duration), from here to its delivery report.
            var report = await (transaction ?? RecordsForCall()).ProduceAsync(resolvedTopic, record, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("messaging.destination.partition.id", report.Partition.Value.ToString(CultureInfo.InvariantCulture))
                .SetTag("messaging.kafka.offset", report.Offset.Value);
            return new PublishResult(resolvedTopic, report.Partition, report.Offset, messageId);
        }
        catch (PublishException ex) when (activity is not null)
        {
            SetFailed(activity, ex);
            throw;
        }
    }

    public void Publish<T>(T message, string? topic = null, Headers? headers = null) where T : IKafkaMessage<T>
        => PublishThrough(null, message, topic, headers);

    /// <summary>Hands a record to <paramref name="transaction"/>'s producer, or (<see langword="null"/>) the service's or the ambient consume transaction's.</summary>
    internal void PublishThrough<T>(RecordProducer? transaction, T message, string? topic, Headers? headers) where T : IKafkaMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var resolvedTopic = ResolveTopic<T>(topic);
        var avroSchemaId = T.Format == MessageFormat.Avro ? _avroSchemaIds.Get<T>(resolvedTopic) : -1;
        using var activity = StartActivity(resolvedTopic);
        var record = CreateRecord(message, headers, activity, out var messageId, avroSchemaId);
        activity?.SetTag("messaging.message.id", MessageIdString(messageId));

        try
        {
            (transaction ?? RecordsForCall()).Produce(resolvedTopic, record);
        }
        catch (PublishException ex) when (activity is not null)
        {
            SetFailed(activity, ex);
            throw;
        }
    }

    public int Flush(TimeSpan timeout) => _records.Flush(timeout);

    /// <summary>
    /// The schema id an Avro message of <typeparamref name="T"/> is framed with on <paramref name="topic"/>: cached, or
    /// registered now. The outbox asks for it when it writes, so the stored record is the published one.
    /// </summary>
    internal ValueTask<int> AvroSchemaIdAsync<T>(string topic, CancellationToken cancellationToken) where T : IKafkaMessage<T>
        => _avroSchemaIds.GetAsync<T>(topic, cancellationToken);

    /// <summary>Registers <typeparamref name="T"/>'s Avro schema for the topic now (at start-up) rather than on the first publish.</summary>
    internal async ValueTask PrepareAvroAsync<T>(string? topic, CancellationToken cancellationToken) where T : IKafkaMessage<T>
        => await _avroSchemaIds.GetAsync<T>(ResolveTopic<T>(topic), cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsRecords)
        {
            _records.Dispose();
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
    internal Message<byte[], byte[]> CreateRecord<T>(T message, Headers? extraHeaders, Activity? activity, out byte[] messageId, int avroSchemaId = -1) where T : IKafkaMessage<T>
    {
        if (T.Format == MessageFormat.Avro && avroSchemaId < 0)
        {
            throw new InvalidOperationException($"'{T.TypeId}' ({typeof(T).FullName}) is an Avro message: its record needs the schema id it is framed with.");
        }

        // One clock read for the id's timestamp and ce_time; the id is formatted straight into the header's bytes.
        var now = _timeProvider.GetUtcNow();
        messageId = MessageIds.NewUtf8(now);
        var headers = new Headers();
        CloudEventHeaders.Write(headers, messageId, TypeIdBytes<T>.Value, _sourceUtf8, now, activity ?? Activity.Current, T.Format, _options.CloudEventsAttributes);
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

        var value = T.Format == MessageFormat.Avro ? SerializeAvro(message, avroSchemaId) : KafkaSerializer.SerializeMessage(message);
        var key = T.SerializeKey(message);
        if (activity is not null)
        {
            activity.SetTag("messaging.message.body.size", value.Length);
            if (Diagnostics.MessagingTracing.KeyString(key) is { } keyText)
            {
                activity.SetTag("messaging.kafka.message.key", keyText);
            }
        }

        return new Message<byte[], byte[]> { Key = key!, Value = value, Headers = headers };
    }

    private static byte[] SerializeAvro<T>(T message, int schemaId) where T : IKafkaMessage<T>
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        KafkaSerializer.SerializeAvro(message, buffer, schemaId);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A <c>ce_id</c> header value as the string that failures, logs and traces carry.</summary>
    internal static string MessageIdString(byte[] messageId) => Encoding.UTF8.GetString(messageId);

    private static Activity? StartActivity(string topic)
    {
        if (!KafkaTypedTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = KafkaTypedTelemetry.Source.StartActivity("send " + topic, ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka")
            .SetTag("messaging.operation.name", "send")
            .SetTag("messaging.operation.type", "send")
            .SetTag("messaging.destination.name", topic);
        return activity;
    }

    private static void SetFailed(Activity activity, PublishException exception)
        => activity.SetStatus(ActivityStatusCode.Error, exception.Error.Reason).SetTag("error.type", exception.Error.Code.ToString());
}
