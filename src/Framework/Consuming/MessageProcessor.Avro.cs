using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.SchemaRegistry;
using KafkaTyped.Serialization;

namespace KafkaTyped.Consuming;

/// <summary>Avro records: the writer schema a record names is fetched from the registry (once per id) before it is dispatched.</summary>
internal sealed partial class MessageProcessor
{
    private readonly ISchemaRegistry? _schemaRegistry;

    /// <summary>
    /// Dispatches an <c>application/avro</c> record with its value in the Schema Registry framing (or its id in the
    /// <c>__value_schema_id</c> header, then prefixed to the value here). A schema id this process does not know yet is
    /// fetched first; invalid framing, ids the registry does not know and writer schemas that do not resolve to the
    /// handler's type fail in the route's deserializer, which dead-letters the record as <c>invalid-payload</c>.
    /// </summary>
    private ValueTask<MessageOutcome> DispatchAvro(ConsumeResult<byte[], byte[]> record, byte[] typeId, byte[]? value, string? replayHandler, CancellationToken cancellationToken)
    {
        value ??= [];
        var header = AvroFraming.SchemaIdHeader(record.Message.Headers);
        byte[] framed = header is null ? value : [.. header, .. value];

        if (_schemaRegistry is null
            || !AvroFraming.TryRead(framed, schemaIdHeader: null, out var id, out _, out _)
            || AvroWriterSchemas.Contains(id))
        {
            return Dispatch(record, typeId, framed, MessageFormat.Avro, replayHandler, cancellationToken);
        }

        return FetchThenDispatchAsync(record, typeId, framed, id, replayHandler, cancellationToken);
    }

    private async ValueTask<MessageOutcome> FetchThenDispatchAsync(
        ConsumeResult<byte[], byte[]> record, byte[] typeId, byte[] framed, SchemaId id, string? replayHandler, CancellationToken cancellationToken)
    {
        string? schema;
        try
        {
            schema = await _schemaRegistry!.GetSchemaAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (SchemaRegistryException ex)
        {
            // The registry did not answer after its retries: the record cannot be read, and is dead-lettered with the cause
            // (logged, counted and traced as every invalid payload is).
            var name = System.Text.Encoding.UTF8.GetString(typeId);
            Log.InvalidPayload(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, name, ex);
            return await _stages.Rejections.PoisonAsync(record, DeadLetterReason.InvalidPayload, "invalid_payload", ex, name, cancellationToken).ConfigureAwait(false);
        }

        if (schema is not null)
        {
            AvroWriterSchemas.Add(id, schema);
        }

        return await Dispatch(record, typeId, framed, MessageFormat.Avro, replayHandler, cancellationToken).ConfigureAwait(false);
    }
}
