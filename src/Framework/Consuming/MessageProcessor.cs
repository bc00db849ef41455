using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using KafkaTyped.Serialization;
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
internal sealed partial class MessageProcessor : IRecordProcessor
{
    private readonly RouteRegistry _routes;
    private readonly ConsumerStages _stages;
    private readonly RouteChain[] _chains;

    // Per route (by binding index), how its records are admitted in this group; the strategy of records the poll thread
    // cannot route by their ce_type header; and the one strategy of every record when all routes share it.
    private readonly DispatchStrategy[] _strategies;
    private readonly DispatchStrategy _unrouted;
    private readonly DispatchStrategy? _uniform;

    public MessageProcessor(
        RouteRegistry routes, IServiceProvider rootServices, ConsumerOptions options, ILogger logger, TimeProvider timeProvider, IDeadLetterSink deadLetters, IRetryJitter? jitter = null)
    {
        _routes = routes;
        _schemaRegistry = SchemaRegistry.SchemaRegistrySource.Resolve(rootServices);
        _stages = new ConsumerStages(options, rootServices.GetRequiredService<IServiceScopeFactory>(), logger, timeProvider, jitter ?? SharedRandomJitter.Instance, deadLetters, rootServices.GetService<SecretRedactor>(), rootServices);
        var bindings = routes.Bindings;
        _chains = new RouteChain[bindings.Count];
        for (var i = 0; i < _chains.Length; i++)
        {
            _chains[i] = bindings[i].CreateChain(_stages);
        }

        _unrouted = DispatchStrategy.For(options.Ordering ?? OrderingMode.Partition);
        _strategies = new DispatchStrategy[bindings.Count];
        for (var i = 0; i < _strategies.Length; i++)
        {
            _strategies[i] = RouteOrdering.StrategyFor(bindings[i].Route, options);
        }

        _uniform = Array.TrueForAll(_strategies, s => ReferenceEquals(s, _unrouted)) ? _unrouted : null;
    }

    /// <summary>
    /// The route's ordering in this group (see <see cref="RouteOrdering"/>). A record without a <c>ce_type</c> header
    /// (a JSON envelope routed by its type field, or poison) or of an unknown type takes the group's
    /// <see cref="ConsumerOptions.Ordering"/>, else partition order, which orders it after everything any mode would.
    /// </summary>
    public DispatchStrategy StrategyOf(ConsumeResult<byte[], byte[]> record)
    {
        if (_uniform is { } uniform)
        {
            return uniform;
        }

        return CloudEventHeaders.TryGetLast(record.Message.Headers, CloudEventHeaders.Type, out var typeId) && _routes.Find(typeId) is { } binding
            ? _strategies[binding.Index]
            : _unrouted;
    }

    public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        if (KafkaTypedTelemetry.ConsumedMessages.Enabled)
        {
            KafkaTypedTelemetry.ConsumedMessages.Add(1, KafkaTypedTelemetry.SystemTag, new("messaging.destination.name", record.Topic), _stages.GroupTag);
        }

        // One pass over the headers for ce_type, content-type and whether the record is an addressed replay.
        var headers = record.Message.Headers;
        var replayed = ReadEnvelope(headers, out var typeHeader, out var contentType);

        // Two returns, each of a call and nothing else, so that the chain's ValueTask is handed back as it came. With the
        // common case among the general path's returns, the JIT merged them into one and copied each result through
        // three temporaries, a third of this method's time on the dispatch benchmark (docs/benchmarks.md).
        if (!replayed && CommonChain(record, typeHeader, contentType) is { } chain)
        {
            return chain.ProcessAsync(record, record.Message.Value, MessageFormat.MessagePack, cancellationToken);
        }

        return ProcessOtherAsync(record, replayed, typeHeader, contentType, cancellationToken);
    }

    /// <summary>
    /// The chain of a record on the common path: a known <c>ce_type</c>, MessagePack by its <c>content-type</c>, within
    /// <see cref="ConsumerOptions.MaxPayloadBytes"/>; else <see langword="null"/>, and <see cref="ProcessOtherAsync"/> decides.
    /// </summary>
    private RouteChain? CommonChain(ConsumeResult<byte[], byte[]> record, byte[]? typeHeader, byte[]? contentType)
    {
        if (typeHeader is null || CloudEventHeaders.ClassifyContentType(contentType) is not CloudEventHeaders.ValueKind.MessagePack
            || IsTooLarge(record.Message.Value))
        {
            return null;
        }

        return _routes.Find(typeHeader) is { } binding ? _chains[binding.Index] : null;
    }

    /// <summary>
    /// Every record <see cref="CommonChain"/> does not take (replays, other formats, envelopes, poison, unknown types),
    /// with what <see cref="ReadEnvelope"/> found in its headers.
    /// </summary>
    private ValueTask<MessageOutcome> ProcessOtherAsync(
        ConsumeResult<byte[], byte[]> record, bool replayed, byte[]? typeHeader, byte[]? contentType, CancellationToken cancellationToken)
    {
        var headers = record.Message.Headers;

        // A replayed dead letter addressed to another group is not this group's business, whatever it holds: it is skipped
        // before anything else, so that even poison input replayed to one group is not dead-lettered again by the others.
        string? replayHandler = null;
        if (replayed
            && ReplayHeaders.TryReadAddress(headers, out var replayGroup, out replayHandler)
            && replayGroup is not null && !string.Equals(replayGroup, _stages.GroupId, StringComparison.Ordinal))
        {
            Log.ReplayForOtherGroup(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, replayGroup, _stages.GroupId);
            return new(_stages.Rejections.Skip(record, "replay_for_other_group", typeId: null, failed: false, MessageOutcome.SkippedReplay));
        }

        // Read the envelope: the ce_type header, and the value's size before anything decodes it.
        var value = record.Message.Value;
        var kind = CloudEventHeaders.ClassifyContentType(contentType);
        if (typeHeader is { } typeId && kind is not CloudEventHeaders.ValueKind.Structured)
        {
            if (IsTooLarge(value))
            {
                return PayloadTooLarge(record, value!, cancellationToken);
            }

            return kind switch
            {
                CloudEventHeaders.ValueKind.MessagePack => Dispatch(record, typeId, value, MessageFormat.MessagePack, replayHandler, cancellationToken),
                CloudEventHeaders.ValueKind.Json => Dispatch(record, typeId, value, MessageFormat.Json, replayHandler, cancellationToken),
                CloudEventHeaders.ValueKind.JsonEnvelope => DispatchEnvelope(record, typeId, JsonEnvelope.PayloadProperty, replayHandler, cancellationToken),
                CloudEventHeaders.ValueKind.Avro => DispatchAvro(record, typeId, value, replayHandler, cancellationToken),
                _ => UnsupportedContentType(record, typeId, cancellationToken),
            };
        }

        if (kind is CloudEventHeaders.ValueKind.Structured || JsonEnvelope.LooksLikeObject(value))
        {
            // No ce_type header: a CloudEvents structured-mode event, or the typed envelope {"type":...,"payload":{...}}
            // of services that route by a type field. Their type field routes the record as ce_type does.
            if (IsTooLarge(value))
            {
                return PayloadTooLarge(record, value!, cancellationToken);
            }

            return DispatchEnvelope(
                record, typeId: null, kind is CloudEventHeaders.ValueKind.Structured ? JsonEnvelope.DataProperty : JsonEnvelope.PayloadProperty, replayHandler, cancellationToken);
        }

        Log.MissingTypeId(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
        return _stages.Rejections.PoisonAsync(record, DeadLetterReason.MissingType, "missing_type", exception: null, typeId: null, cancellationToken);
    }

    /// <summary>
    /// The last <c>ce_type</c> and <c>content-type</c> values of <paramref name="headers"/> (<see langword="null"/> when
    /// absent), and whether any header is a <see cref="ReplayHeaders"/> one; one pass, from the last header back.
    /// </summary>
    private static bool ReadEnvelope(Headers? headers, out byte[]? type, out byte[]? contentType)
    {
        type = null;
        contentType = null;
        var replayed = false;
        if (headers is null)
        {
            return false;
        }

        for (var i = headers.Count - 1; i >= 0; i--)
        {
            var header = headers[i];
            var key = header.Key;
            if (type is null && string.Equals(key, CloudEventHeaders.Type, StringComparison.Ordinal))
            {
                type = header.GetValueBytes() ?? [];
            }
            else if (contentType is null && string.Equals(key, CloudEventHeaders.ContentType, StringComparison.Ordinal))
            {
                contentType = header.GetValueBytes() ?? [];
            }
            else if (!replayed && key.StartsWith(ReplayHeaders.Prefix, StringComparison.Ordinal))
            {
                replayed = true;
            }
        }

        return replayed;
    }

    /// <summary>Routes by <paramref name="typeId"/> and runs the route's chain on <paramref name="payload"/>.</summary>
    private ValueTask<MessageOutcome> Dispatch(
        ConsumeResult<byte[], byte[]> record, ReadOnlySpan<byte> typeId, ReadOnlyMemory<byte> payload, MessageFormat format, string? replayHandler, CancellationToken cancellationToken)
    {
        // Route.
        var binding = _routes.Find(typeId);
        if (binding is null)
        {
            var unknown = Encoding.UTF8.GetString(typeId);
            Log.UnknownTypeId(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, unknown);
            return _stages.Options.DeadLetterUnknownTypes
                ? _stages.Rejections.PoisonAsync(record, DeadLetterReason.UnknownType, "unknown_type", exception: null, unknown, cancellationToken)
                : new(_stages.Rejections.Skip(record, "unknown_type", unknown, failed: true, MessageOutcome.SkippedUnknownType));
        }

        // The typed stages, in the route's chain for this group (only the addressed handler for a replay that names one).
        return replayHandler is null
            ? _chains[binding.Index].ProcessAsync(record, payload, format, cancellationToken)
            : _chains[binding.Index].ProcessReplayAsync(record, payload, format, replayHandler, cancellationToken);
    }

    /// <summary>
    /// Finds the type and the payload of a JSON envelope and dispatches the payload; routed by <paramref name="typeId"/>
    /// when a header gave one, else by the envelope's type. A value that is not an envelope is dead-lettered: missing type
    /// when it is well-formed JSON without a string type or an object payload, invalid payload when it is broken JSON.
    /// </summary>
    private ValueTask<MessageOutcome> DispatchEnvelope(
        ConsumeResult<byte[], byte[]> record, byte[]? typeId, ReadOnlySpan<byte> property, string? replayHandler, CancellationToken cancellationToken)
    {
        var value = record.Message.Value;
        Span<byte> typeBuffer = stackalloc byte[JsonEnvelope.MaxTypeIdBytes];
        var result = JsonEnvelope.TryRead(value, property, typeBuffer, out var envelopeType, out var range, out var error);
        if (result == JsonEnvelope.Result.Found)
        {
            return Dispatch(record, typeId ?? envelopeType, value.AsMemory()[range], MessageFormat.Json, replayHandler, cancellationToken);
        }

        if (result == JsonEnvelope.Result.Malformed)
        {
            var name = typeId is null ? null : Encoding.UTF8.GetString(typeId);
            Log.InvalidPayload(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, name ?? "(json envelope)", error!);
            return _stages.Rejections.PoisonAsync(record, DeadLetterReason.InvalidPayload, "invalid_payload", error, name, cancellationToken);
        }

        if (typeId is not null)
        {
            // A header routes the record, but the value is not the envelope its content-type announces.
            var invalid = new System.Text.Json.JsonException("The value is not a {\"type\":...,\"payload\":{...}} envelope.");
            var name = Encoding.UTF8.GetString(typeId);
            Log.InvalidPayload(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, name, invalid);
            return _stages.Rejections.PoisonAsync(record, DeadLetterReason.InvalidPayload, "invalid_payload", invalid, name, cancellationToken);
        }

        Log.MissingTypeId(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
        return _stages.Rejections.PoisonAsync(record, DeadLetterReason.MissingType, "missing_type", exception: null, typeId: null, cancellationToken);
    }

    private bool IsTooLarge(byte[]? value) => value is not null && value.Length > _stages.Options.MaxPayloadBytes;

    private ValueTask<MessageOutcome> PayloadTooLarge(ConsumeResult<byte[], byte[]> record, byte[] value, CancellationToken cancellationToken)
    {
        Log.PayloadTooLarge(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, value.Length, _stages.Options.MaxPayloadBytes);
        return _stages.Rejections.PoisonAsync(record, DeadLetterReason.PayloadTooLarge, "payload_too_large", exception: null, typeId: null, cancellationToken);
    }

    private ValueTask<MessageOutcome> UnsupportedContentType(ConsumeResult<byte[], byte[]> record, ReadOnlySpan<byte> typeId, CancellationToken cancellationToken)
    {
        CloudEventHeaders.TryGetLast(record.Message.Headers, CloudEventHeaders.ContentType, out var contentType);
        var error = new NotSupportedException($"The content-type '{Encoding.UTF8.GetString(contentType)}' is not a format KafkaTyped reads (application/x-msgpack, application/json, application/vnd.kafkatyped.envelope+json, application/cloudevents+json, application/avro).");
        var name = Encoding.UTF8.GetString(typeId);
        Log.InvalidPayload(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, name, error);
        return _stages.Rejections.PoisonAsync(record, DeadLetterReason.InvalidPayload, "invalid_payload", error, name, cancellationToken);
    }
}
