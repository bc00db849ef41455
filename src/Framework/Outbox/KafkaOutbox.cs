using System.Data.Common;
using Confluent.Kafka;
using KafkaTyped.Publishing;

namespace KafkaTyped.Outbox;

/// <summary>
/// The <see cref="IOutbox"/>: builds each record with the publisher's own record building (key, payload, CloudEvents
/// headers with the <c>ce_id</c> fixed now; an Avro value framed with its registered schema id) and hands it to the store
/// in the caller's transaction.
/// </summary>
internal sealed class KafkaOutbox(KafkaMessagePublisher records, IOutboxStore store) : IOutbox
{
    public async Task<string> WriteAsync<T>(T message, DbTransaction transaction, string? topic = null, Headers? headers = null, CancellationToken cancellationToken = default)
        where T : IKafkaMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(transaction);
        var resolvedTopic = records.ResolveTopic<T>(topic);

        // An Avro value is stored framed, as the publisher would publish it: the schema id is registered (once per type
        // and topic, then cached) before the row is written, so the relay needs no registry and publishes the bytes as they are.
        var avroSchemaId = T.Format == MessageFormat.Avro ? await records.AvroSchemaIdAsync<T>(resolvedTopic, cancellationToken).ConfigureAwait(false) : -1;
        var record = records.CreateRecord(message, headers, activity: null, out var messageIdUtf8, avroSchemaId);
        var messageId = KafkaMessagePublisher.MessageIdString(messageIdUtf8);
        await store.AddAsync(
            transaction,
            new OutboxMessage { Topic = resolvedTopic, Key = record.Key, Value = record.Value, Headers = OutboxHeaders.Encode(record.Headers), MessageId = messageId },
            cancellationToken).ConfigureAwait(false);
        return messageId;
    }
}
