using System.Diagnostics;
using Confluent.Kafka;
using KafkaTyped.Diagnostics;

namespace KafkaTyped.Consuming;

/// <summary>
/// The outcome stage of a record no handler runs for (no type, an unknown type, an invalid or too large payload, a replay
/// addressed elsewhere): counted by reason, given a <c>process</c> span of its own in the producer's trace when someone
/// listens (so that a poisoned record's trace does not end at its send span), and dead-lettered when it is poison.
/// </summary>
internal sealed class RejectionStage(ConsumerStages stages)
{
    /// <summary>Counts and traces poison input, and dead-letters it (see <see cref="DeadLetterStage.PoisonAsync"/>).</summary>
    public ValueTask<MessageOutcome> PoisonAsync(
        ConsumeResult<byte[], byte[]> record, DeadLetterReason reason, string skipReason, Exception? exception, string? typeId, CancellationToken cancellationToken)
    {
        Count(skipReason);
        return KafkaTypedTelemetry.Source.HasListeners()
            ? TracedPoisonAsync(record, reason, skipReason, exception, typeId, cancellationToken)
            : stages.DeadLetters.PoisonAsync(record, reason, exception, cancellationToken);
    }

    /// <summary>Counts and traces a record skipped without dead-lettering it; returns <paramref name="outcome"/>.</summary>
    public MessageOutcome Skip(ConsumeResult<byte[], byte[]> record, string skipReason, string? typeId, bool failed, MessageOutcome outcome)
    {
        Count(skipReason);
        if (KafkaTypedTelemetry.Source.HasListeners())
        {
            // Started and stopped here, on the caller's flow: the current activity is put back as it was.
            var previous = Activity.Current;
            MessagingTracing.StartRejected(record, stages.GroupId, skipReason, typeId, failed)?.Dispose();
            Activity.Current = previous;
        }

        return outcome;
    }

    private void Count(string skipReason)
        => KafkaTypedTelemetry.SkippedMessages.Add(1, new KeyValuePair<string, object?>("reason", skipReason), stages.GroupTag);

    /// <summary>The span is current while the record is dead-lettered, so that the dead-letter event lands on it.</summary>
    private async ValueTask<MessageOutcome> TracedPoisonAsync(
        ConsumeResult<byte[], byte[]> record, DeadLetterReason reason, string skipReason, Exception? exception, string? typeId, CancellationToken cancellationToken)
    {
        using var activity = MessagingTracing.StartRejected(record, stages.GroupId, skipReason, typeId, failed: true);
        return await stages.DeadLetters.PoisonAsync(record, reason, exception, cancellationToken).ConfigureAwait(false);
    }
}
