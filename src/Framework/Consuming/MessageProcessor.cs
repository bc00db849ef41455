using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// The per-record stages of a consumer group: read the envelope (<c>ce_type</c>, payload size) -> route -> the route's
/// <see cref="RouteChain"/> (deserialize -> per handler: retry -> handle -> outcome). Poison input (no type, a value
/// above <see cref="ConsumerOptions.MaxPayloadBytes"/>, an invalid payload) is dead-lettered at once, never blocking the
/// partition; an unknown type is skipped and counted unless the group dead-letters it. See <c>docs/failures.md</c>. A
/// replayed dead letter (<see cref="ReplayHeaders"/>) addressed to another group is skipped first; one addressed to a
/// handler runs that handler only (<c>docs/cli.md</c>).
/// </summary>
internal sealed class MessageProcessor : IRecordProcessor
{
    private readonly RouteRegistry _routes;
    private readonly ConsumerStages _stages;
    private readonly RouteChain[] _chains;

    public MessageProcessor(
        RouteRegistry routes, IServiceProvider rootServices, ConsumerOptions options, ILogger logger, TimeProvider timeProvider, IDeadLetterSink deadLetters, IRetryJitter? jitter = null)
    {
        _routes = routes;
        _stages = new ConsumerStages(options, rootServices.GetRequiredService<IServiceScopeFactory>(), logger, timeProvider, jitter ?? SharedRandomJitter.Instance, deadLetters);
        var bindings = routes.Bindings;
        _chains = new RouteChain[bindings.Count];
        for (var i = 0; i < _chains.Length; i++)
        {
            _chains[i] = bindings[i].CreateChain(_stages);
        }
    }

    public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        if (KafkaTypedTelemetry.ConsumedMessages.Enabled)
        {
            KafkaTypedTelemetry.ConsumedMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic));
        }

        // A replayed dead letter addressed to another group is not this group's business, whatever it holds: it is skipped
        // before anything else, so that even poison input replayed to one group is not dead-lettered again by the others.
        string? replayHandler = null;
        if (ReplayHeaders.TryReadAddress(record.Message.Headers, out var replayGroup, out replayHandler)
            && replayGroup is not null && !string.Equals(replayGroup, _stages.GroupId, StringComparison.Ordinal))
        {
            Log.ReplayForOtherGroup(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, replayGroup, _stages.GroupId);
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "replay_for_other_group"));
            return new(MessageOutcome.SkippedReplay);
        }

        // Read the envelope: the ce_type header, and the value's size before anything decodes it.
        if (!CloudEventHeaders.TryGetLast(record.Message.Headers, CloudEventHeaders.Type, out var typeId))
        {
            Log.MissingTypeId(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "missing_type"));
            return _stages.DeadLetters.PoisonAsync(record, DeadLetterReason.MissingType, exception: null, cancellationToken);
        }

        if (record.Message.Value is { } value && value.Length > _stages.Options.MaxPayloadBytes)
        {
            Log.PayloadTooLarge(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, value.Length, _stages.Options.MaxPayloadBytes);
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "payload_too_large"));
            return _stages.DeadLetters.PoisonAsync(record, DeadLetterReason.PayloadTooLarge, exception: null, cancellationToken);
        }

        // Route.
        var binding = _routes.Find(typeId);
        if (binding is null)
        {
            Log.UnknownTypeId(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, Encoding.UTF8.GetString(typeId));
            KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", "unknown_type"));
            return _stages.Options.DeadLetterUnknownTypes
                ? _stages.DeadLetters.PoisonAsync(record, DeadLetterReason.UnknownType, exception: null, cancellationToken)
                : new(MessageOutcome.SkippedUnknownType);
        }

        // The typed stages, in the route's chain for this group (only the addressed handler for a replay that names one).
        return replayHandler is null
            ? _chains[binding.Index].ProcessAsync(record, cancellationToken)
            : _chains[binding.Index].ProcessReplayAsync(record, replayHandler, cancellationToken);
    }
}
