using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Publishing;

namespace KafkaTyped.Consuming;

/// <summary>
/// The default <see cref="IDeadLetterSink"/>: publishes the original key, value and headers plus the
/// <see cref="DeadLetterHeaders"/> through the service's <see cref="RecordProducer"/> (acks=all, idempotent) and
/// completes when the broker acknowledged the record. In an exactly-once group it publishes into the member's
/// transaction instead (<see cref="HandlingTransaction.Current"/>), the one that commits the record's offset: an aborted
/// transaction takes the dead letter back with the offset, and the record is handled (and dead-lettered) again.
/// Configured secrets are removed from exception text first.
/// </summary>
internal sealed class KafkaDeadLetterSink(RecordProducer producer, SecretRedactor redactor) : IDeadLetterSink
{
    public Task SendAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var message = new Message<byte[], byte[]>
        {
            Key = deadLetter.Record.Message.Key,
            Value = deadLetter.Record.Message.Value,
            Headers = DeadLetterHeaders.Create(deadLetter, redactor.Redact),
        };
        var records = HandlingTransaction.Current is { } handling ? handling.Records : producer;
        return records.ProduceAsync(deadLetter.Topic, message, cancellationToken);
    }
}
