namespace KafkaTyped;

/// <summary>
/// Writes dead-lettered records. The default publishes them to Kafka through the service's producer (acks=all,
/// idempotent) with the <see cref="DeadLetterHeaders"/>; register your own as a singleton to send them elsewhere.
/// </summary>
/// <remarks>
/// The record's offset completes only when <see cref="SendAsync"/> completed successfully. When it throws, the consumer
/// logs the failure and calls it again with backoff, keeping the partition waiting; the record is never dropped.
/// </remarks>
public interface IDeadLetterSink
{
    /// <summary>Writes <paramref name="deadLetter"/>; completes when it is stored durably.</summary>
    /// <param name="deadLetter">The record and why it is dead-lettered.</param>
    /// <param name="cancellationToken">Cancelled when the partition is revoked or the consumer stops.</param>
    /// <returns>A task that completes when the record is stored.</returns>
    Task SendAsync(DeadLetter deadLetter, CancellationToken cancellationToken);
}
