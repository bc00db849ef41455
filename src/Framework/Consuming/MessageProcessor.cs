using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// The per-record stages of a consumer group: route (by <c>ce_type</c>) -> deserialize -> handle (with the interim
/// retry policy). Poison input (no type, unknown type, invalid payload) is logged, counted and skipped, never
/// blocking the partition. Deduplication, retry policies and dead-lettering slot in as further stages here.
/// </summary>
internal sealed class MessageProcessor : IRecordProcessor
{
    private readonly RouteRegistry _routes;
    private readonly IServiceProvider _rootServices;
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly ConsumerOptions _options;
    private readonly string _groupId;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    public MessageProcessor(RouteRegistry routes, IServiceProvider rootServices, ConsumerOptions options, ILogger logger, TimeProvider timeProvider)
    {
        _routes = routes;
        _rootServices = rootServices;
        _scopeFactory = rootServices.GetRequiredService<IServiceScopeFactory>();
        _options = options;
        _groupId = options.GroupId ?? string.Empty;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        KafkaTypedTelemetry.ConsumedMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic));

        // Stage 1: route by the ce_type header.
        if (!CloudEventHeaders.TryGetLast(record.Message.Headers, CloudEventHeaders.Type, out var typeId))
        {
            Log.MissingTypeId(_logger, record.Topic, record.Partition.Value, record.Offset.Value);
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "missing_type"));
            return new(MessageOutcome.SkippedMissingType);
        }

        var binding = _routes.Find(typeId);
        if (binding is null)
        {
            Log.UnknownTypeId(_logger, record.Topic, record.Partition.Value, record.Offset.Value, Encoding.UTF8.GetString(typeId));
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "unknown_type"));
            return new(MessageOutcome.SkippedUnknownType);
        }

        return binding.Route.ProcessAsync(this, record, binding.Scoped, cancellationToken);
    }

    /// <summary>Stages 2 and 3, typed: called back by <see cref="MessageRoute{TMessage}"/>.</summary>
    internal async ValueTask<MessageOutcome> ProcessAsync<TMessage>(MessageRoute<TMessage> route, ConsumeResult<byte[], byte[]> record, bool scoped, CancellationToken cancellationToken)
    {
        // Stage 2: deserialize; a payload that is not a valid encoding is poison, not a reason to stop the partition.
        TMessage message;
        try
        {
            message = route.Deserialize(record.Message.Value ?? ReadOnlyMemory<byte>.Empty);
        }
        catch (Exception ex)
        {
            Log.InvalidPayload(_logger, record.Topic, record.Partition.Value, record.Offset.Value, route.TypeId, ex);
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "invalid_payload"));
            return MessageOutcome.SkippedInvalidPayload;
        }

        // Stage 3: handle, retrying with backoff (interim policy, docs/consumer.md).
        using var activity = StartActivity(record, route.TypeId);
        var started = Stopwatch.GetTimestamp();
        byte[]? messageId = CloudEventHeaders.TryGetLast(record.Message.Headers, CloudEventHeaders.Id, out var id) ? id : null;
        for (var attempt = 1; ; attempt++)
        {
            var context = new MessageContext
            {
                Topic = record.Topic,
                Partition = record.Partition.Value,
                Offset = record.Offset.Value,
                Key = record.Message.Key,
                MessageIdUtf8 = messageId,
                TypeId = route.TypeId,
                Timestamp = ToDateTimeOffset(record.Message.Timestamp),
                Headers = record.Message.Headers ?? [],
                ConsumerGroup = _groupId,
                Attempt = attempt,
            };

            try
            {
                if (scoped)
                {
                    var scope = _scopeFactory.CreateAsyncScope();
                    await using (scope.ConfigureAwait(false))
                    {
                        await route.HandleAsync(message, context, scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    await route.HandleAsync(message, context, _rootServices, cancellationToken).ConfigureAwait(false);
                }

                KafkaTypedTelemetry.ProcessDuration.Record(
                    Stopwatch.GetElapsedTime(started).TotalSeconds, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic));
                return MessageOutcome.Handled;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                KafkaTypedTelemetry.HandlerFailures.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
                if (_options.MaxHandlerAttempts > 0 && attempt >= _options.MaxHandlerAttempts)
                {
                    Log.HandlerFailedAbandoned(_logger, route.TypeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, ex);
                    KafkaTypedTelemetry.AbandonedMessages.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
                    activity?.SetStatus(ActivityStatusCode.Error, ex.Message).SetTag("error.type", ex.GetType().FullName);
                    return MessageOutcome.Abandoned;
                }

                var delay = RetryDelay(attempt, _options.RetryInitialDelay, _options.RetryMaxDelay, Random.Shared.NextDouble());
                Log.HandlerFailedRetrying(_logger, route.TypeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, delay, ex);
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The record's timestamp. Kafka takes any 64-bit CreateTime from a producer, while <see cref="DateTimeOffset"/> ends at
    /// years 1 and 9999 (where <see cref="Timestamp.UtcDateTime"/> throws, which would fail the partition's lane): values
    /// outside that range are clamped to <see cref="DateTimeOffset.MinValue"/> / <see cref="DateTimeOffset.MaxValue"/>.
    /// </summary>
    internal static DateTimeOffset ToDateTimeOffset(Timestamp timestamp)
    {
        const long minMilliseconds = -62_135_596_800_000; // 0001-01-01T00:00:00Z
        const long maxMilliseconds = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
        var milliseconds = timestamp.UnixTimestampMs;
        return milliseconds < minMilliseconds ? DateTimeOffset.MinValue
            : milliseconds > maxMilliseconds ? DateTimeOffset.MaxValue
            : DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    /// <summary>Exponential backoff: initial * 2^(attempt-1), capped, with +/-20% jitter from <paramref name="random"/> in [0, 1).</summary>
    internal static TimeSpan RetryDelay(int attempt, TimeSpan initial, TimeSpan max, double random)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * random)));
    }

    private Activity? StartActivity(ConsumeResult<byte[], byte[]> record, string typeId)
    {
        if (!KafkaTypedTelemetry.Source.HasListeners())
        {
            return null;
        }

        ActivityLink[]? links = CloudEventHeaders.TryGetTraceContext(record.Message.Headers, out var producer) ? [new ActivityLink(producer)] : null;
        var activity = KafkaTypedTelemetry.Source.StartActivity(ActivityKind.Consumer, links: links, name: "process " + record.Topic);
        activity?.SetTag("messaging.system", "kafka")
            .SetTag("messaging.operation.name", "process")
            .SetTag("messaging.operation.type", "process")
            .SetTag("messaging.destination.name", record.Topic)
            .SetTag("messaging.destination.partition.id", record.Partition.Value)
            .SetTag("messaging.kafka.offset", record.Offset.Value)
            .SetTag("messaging.consumer.group.name", _groupId)
            .SetTag("kafkatyped.type_id", typeId);
        return activity;
    }
}
