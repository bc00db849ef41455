using System.Diagnostics;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// The stages of one route in one consumer group, built once at start-up: deserialize -> for each handler its
/// <see cref="HandlerStage{TMessage}"/> (retry -> handle -> outcome). The typed boundary is crossed once per record, by
/// the virtual call into <see cref="RouteChain{TMessage}"/>.
/// </summary>
internal abstract class RouteChain
{
    /// <summary>Whether anyone traces or times message processing; when not, the dispatch skips that work entirely.</summary>
    internal static bool IsObserved => KafkaTypedTelemetry.Source.HasListeners() || KafkaTypedTelemetry.ProcessDuration.Enabled;

    /// <summary>
    /// Deserializes and handles a routed record whose message is <paramref name="payload"/> (the value, or the payload of
    /// its JSON envelope) in <paramref name="format"/>; completes when its offset may be completed, throws only when cancelled.
    /// </summary>
    public abstract ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, ReadOnlyMemory<byte> payload, MessageFormat format, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="ProcessAsync"/> for a replayed record addressed to one handler (<see cref="ReplayHeaders.Handler"/>,
    /// its full type name): only that handler runs; a record addressed to a handler this route does not have is skipped.
    /// </summary>
    public abstract ValueTask<MessageOutcome> ProcessReplayAsync(ConsumeResult<byte[], byte[]> record, ReadOnlyMemory<byte> payload, MessageFormat format, string handler, CancellationToken cancellationToken);

    /// <summary>The context of one delivery attempt; a value, so creating it allocates nothing.</summary>
    internal static MessageContext CreateContext(ConsumeResult<byte[], byte[]> record, string typeId, string groupId, int attempt) => new()
    {
        Topic = record.Topic,
        Partition = record.Partition.Value,
        Offset = record.Offset.Value,
        Key = record.Message.Key,
        TypeId = typeId,
        Timestamp = ToDateTimeOffset(record.Message.Timestamp),
        Headers = record.Message.Headers,
        ConsumerGroup = groupId,
        Attempt = attempt,
    };

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
}

/// <inheritdoc/>
/// <typeparam name="TMessage">The message type.</typeparam>
internal sealed class RouteChain<TMessage> : RouteChain
{
    private readonly MessageRoute<TMessage> _route;
    private readonly ConsumerStages _stages;
    private readonly HandlerStage<TMessage>[] _handlers;
    private readonly bool _scoped;

    // The common case taken without a state machine: one singleton handler that does not deduplicate.
    private readonly IHandle<TMessage>? _onlySingleton;

    public RouteChain(MessageRoute<TMessage> route, ConsumerStages stages, HandlerStage<TMessage>[] handlers, bool scoped)
    {
        _route = route;
        _stages = stages;
        _handlers = handlers;
        _scoped = scoped;
        _onlySingleton = handlers is [{ Deduplication: null } only] ? only.Singleton : null;
    }

    public override ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, ReadOnlyMemory<byte> payload, MessageFormat format, CancellationToken cancellationToken)
    {
        // Deserialize; a payload that is not a valid encoding is poison, dead-lettered rather than stopping the partition.
        if (!TryDeserialize(record, payload, format, out var message, out var poison, cancellationToken))
        {
            return poison;
        }

        // One singleton handler, nobody tracing or timing, and a handler that completes synchronously (the usual no-I/O
        // or cached case) finish here without a state machine or an allocation; anything else, including a failure to
        // retry, continues in the general path.
        if (_onlySingleton is { } handler && !IsObserved)
        {
            ValueTask pending;
            try
            {
                pending = handler.HandleAsync(message, CreateContext(record, _route.TypeId, _stages.GroupId, attempt: 1), cancellationToken);
            }
            catch (Exception ex)
            {
                pending = ValueTask.FromException(ex);
            }

            if (pending.IsCompletedSuccessfully)
            {
                pending.GetAwaiter().GetResult(); // returns a pooled IValueTaskSource to its pool
                return new(MessageOutcome.Handled);
            }

            return HandleAsync(record, message, pending, cancellationToken);
        }

        return HandleAsync(record, message, firstAttempt: null, cancellationToken);
    }

    public override ValueTask<MessageOutcome> ProcessReplayAsync(ConsumeResult<byte[], byte[]> record, ReadOnlyMemory<byte> payload, MessageFormat format, string handler, CancellationToken cancellationToken)
    {
        var only = Array.FindIndex(_handlers, h => string.Equals(h.HandlerName, handler, StringComparison.Ordinal));
        if (only < 0)
        {
            Log.ReplayForMissingHandler(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, _route.TypeId, handler, _stages.GroupId);
            return new(_stages.Rejections.Skip(record, "replay_for_missing_handler", _route.TypeId, failed: true, MessageOutcome.SkippedReplay));
        }

        return TryDeserialize(record, payload, format, out var message, out var poison, cancellationToken)
            ? HandleAsync(record, message, firstAttempt: null, cancellationToken, only)
            : poison;
    }

    private bool TryDeserialize(ConsumeResult<byte[], byte[]> record, ReadOnlyMemory<byte> payload, MessageFormat format, out TMessage message, out ValueTask<MessageOutcome> poison, CancellationToken cancellationToken)
    {
        try
        {
            message = _route.Deserialize(payload, format);
            poison = default;
            return true;
        }
        catch (Exception ex)
        {
            Log.InvalidPayload(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, _route.TypeId, ex);
            message = default!;
            poison = _stages.Rejections.PoisonAsync(record, DeadLetterReason.InvalidPayload, "invalid_payload", ex, _route.TypeId, cancellationToken);
            return false;
        }
    }

    /// <summary>
    /// Every handler in route order (or only the one at <paramref name="only"/>), each with its own retry; a scope per
    /// record for scoped handlers, tracing and timing.
    /// </summary>
    private async ValueTask<MessageOutcome> HandleAsync(ConsumeResult<byte[], byte[]> record, TMessage message, ValueTask? firstAttempt, CancellationToken cancellationToken, int only = -1)
    {
        // A started first attempt was begun unobserved: it is not traced or timed halfway.
        using var activity = firstAttempt is null ? StartActivity(record) : null;

        // Read the clock only when someone listens to the duration histogram: a clock read is a system call on some
        // virtual machines (42-53 ns where the benchmarks ran idle, several times that under load), more than the
        // rest of the dispatch.
        var started = firstAttempt is null && KafkaTypedTelemetry.ProcessDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        var outcome = MessageOutcome.Handled;
        AsyncServiceScope? scope = _scoped ? _stages.Scopes.CreateAsyncScope() : null;
        try
        {
            for (var i = 0; i < _handlers.Length; i++)
            {
                if (only >= 0 && i != only)
                {
                    continue;
                }

                var handled = await _handlers[i].RunAsync(
                    record, _route.TypeId, message, scope?.ServiceProvider, i == 0 ? firstAttempt : null, cancellationToken).ConfigureAwait(false);
                if (!handled)
                {
                    outcome = MessageOutcome.DeadLettered;
                    activity?.SetStatus(ActivityStatusCode.Error, "dead-lettered");
                }
            }
        }
        finally
        {
            if (scope is { } created)
            {
                await created.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (started != 0)
        {
            KafkaTypedTelemetry.ProcessDuration.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic), _stages.GroupTag);
        }

        return outcome;
    }

    private Activity? StartActivity(ConsumeResult<byte[], byte[]> record)
        => KafkaTypedTelemetry.Source.HasListeners() ? MessagingTracing.StartProcess(record, _stages.GroupId, _route.TypeId) : null;
}
