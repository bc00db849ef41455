using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Publishing;

namespace KafkaTyped.Consuming;

/// <summary>
/// The default <see cref="IDeadLetterSink"/>: publishes the original key, value and headers plus the
/// <see cref="DeadLetterHeaders"/> through the service's <see cref="RecordProducer"/> (acks=all, idempotent) and
/// completes when the broker acknowledged the record. Configured secrets are removed from exception text first.
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
        return producer.ProduceAsync(deadLetter.Topic, message, cancellationToken);
    }
}
