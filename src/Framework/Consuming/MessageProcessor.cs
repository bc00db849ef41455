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
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly ConsumerOptions _options;
    private readonly string _groupId;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    public MessageProcessor(RouteRegistry routes, IServiceProvider rootServices, ConsumerOptions options, ILogger logger, TimeProvider timeProvider)
    {
        _routes = routes;
        _scopeFactory = rootServices.GetRequiredService<IServiceScopeFactory>();
        _options = options;
        _groupId = options.GroupId ?? string.Empty;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>Whether anyone traces or times message processing; when not, the dispatch skips that work entirely.</summary>
    internal static bool IsObserved => KafkaTypedTelemetry.Source.HasListeners() || KafkaTypedTelemetry.ProcessDuration.Enabled;

    public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        if (KafkaTypedTelemetry.ConsumedMessages.Enabled)
        {
            KafkaTypedTelemetry.ConsumedMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic));
        }

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

        // Stages 2 and 3 run typed, in the route's binding, which calls back for anything beyond the fast path.
        return binding.ProcessAsync(this, record, cancellationToken);
    }

    /// <summary>The context of one delivery attempt; a value, so creating it allocates nothing.</summary>
    internal MessageContext CreateContext(ConsumeResult<byte[], byte[]> record, string typeId, int attempt) => new()
    {
        Topic = record.Topic,
        Partition = record.Partition.Value,
        Offset = record.Offset.Value,
        Key = record.Message.Key,
        TypeId = typeId,
        Timestamp = ToDateTimeOffset(record.Message.Timestamp),
        Headers = record.Message.Headers,
        ConsumerGroup = _groupId,
        Attempt = attempt,
    };

    /// <summary>Logs and counts a payload that is not a valid encoding of its routed type.</summary>
    internal MessageOutcome InvalidPayload(ConsumeResult<byte[], byte[]> record, string typeId, Exception exception)
    {
        Log.InvalidPayload(_logger, record.Topic, record.Partition.Value, record.Offset.Value, typeId, exception);
        KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "invalid_payload"));
        return MessageOutcome.SkippedInvalidPayload;
    }

    /// <summary>
    /// Stage 3 in general: a DI scope per attempt for scoped handlers, several handlers in order, tracing and timing,
    /// and the interim retry policy (docs/consumer.md). <paramref name="firstAttempt"/> is a first attempt the fast path
    /// of <see cref="RouteBinding{TMessage}"/> already started and that did not complete synchronously.
    /// </summary>
    internal async ValueTask<MessageOutcome> HandleAsync<TMessage>(
        RouteBinding<TMessage> binding, ConsumeResult<byte[], byte[]> record, TMessage message, ValueTask? firstAttempt, CancellationToken cancellationToken)
    {
        // A started first attempt was begun unobserved: it is not traced or timed halfway.
        using var activity = firstAttempt is null ? StartActivity(record, binding.TypeId) : null;
        // Read the clock only when someone listens to the duration histogram: a clock read is a system call on some
        // virtual machines (42-53 ns where the benchmarks ran idle, several times that under load), more than the
        // rest of the dispatch.
        var started = firstAttempt is null && KafkaTypedTelemetry.ProcessDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (attempt == 1 && firstAttempt is { } pending)
                {
                    await pending.ConfigureAwait(false);
                }
                else
                {
                    var context = CreateContext(record, binding.TypeId, attempt);
                    if (binding.Scoped)
                    {
                        var scope = _scopeFactory.CreateAsyncScope();
                        await using (scope.ConfigureAwait(false))
                        {
                            await binding.InvokeAsync(message, context, scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    else
                    {
                        await binding.InvokeAsync(message, context, scope: null, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (started != 0)
                {
                    KafkaTypedTelemetry.ProcessDuration.Record(
                        Stopwatch.GetElapsedTime(started).TotalSeconds, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic));
                }

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
                    Log.HandlerFailedAbandoned(_logger, binding.TypeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, ex);
                    KafkaTypedTelemetry.AbandonedMessages.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
                    activity?.SetStatus(ActivityStatusCode.Error, ex.Message).SetTag("error.type", ex.GetType().FullName);
                    return MessageOutcome.Abandoned;
                }

                var delay = RetryDelay(attempt, _options.RetryInitialDelay, _options.RetryMaxDelay, Random.Shared.NextDouble());
                Log.HandlerFailedRetrying(_logger, binding.TypeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, delay, ex);
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
