using Confluent.Kafka;
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

/// <summary>
/// Removes the values of secret client properties (<c>sasl.password</c>, any <c>*.password</c> or <c>*secret*</c>
/// property of the service, its publisher or its consumer groups) from text leaving the service.
/// </summary>
internal sealed class SecretRedactor
{
    private const string Mask = "***";
    private readonly string[] _secrets;

    public SecretRedactor(KafkaTypedOptions options)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        Collect(options.Properties, secrets);
        Collect(options.Publisher.Properties, secrets);
        foreach (var consumer in options.Consumers)
        {
            Collect(consumer.Properties, secrets);
        }

        // Longest first, so that a secret containing another is masked whole.
        _secrets = [.. secrets.OrderByDescending(s => s.Length)];
    }

    public static bool IsSecret(string property)
        => property.EndsWith("password", StringComparison.OrdinalIgnoreCase) || property.Contains("secret", StringComparison.OrdinalIgnoreCase);

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    private static void Collect(Dictionary<string, string> properties, HashSet<string> secrets)
    {
        foreach (var (key, value) in properties)
        {
            if (IsSecret(key) && !string.IsNullOrEmpty(value))
            {
                secrets.Add(value);
            }
        }
    }
}
