using Confluent.Kafka;
using KafkaTyped.Diagnostics;

namespace KafkaTyped.Consuming;

/// <summary>
/// The outcome stage of a record given up: hands it to the <see cref="IDeadLetterSink"/> and completes only when the
/// sink stored it. A sink failure is logged and retried with backoff until it succeeds or the lane is cancelled
/// (revoke, shutdown), so a record is never dropped and its offset is never committed before it is stored.
/// </summary>
internal sealed class DeadLetterStage(ConsumerStages stages, IDeadLetterSink sink)
{
    /// <summary>Dead-letters poison input: no handler was called.</summary>
    public async ValueTask<MessageOutcome> PoisonAsync(ConsumeResult<byte[], byte[]> record, DeadLetterReason reason, Exception? exception, CancellationToken cancellationToken)
    {
        await SendAsync(record, reason, exception, handler: null, attempts: 0, topic: stages.Options.DeadLetterTopic, cancellationToken).ConfigureAwait(false);
        return MessageOutcome.DeadLettered;
    }

    /// <summary>Dead-letters a record a handler failed on its last attempt.</summary>
    public ValueTask HandlerFailedAsync(ConsumeResult<byte[], byte[]> record, Type handler, HandlerPolicy policy, int attempts, Exception exception, CancellationToken cancellationToken)
        => SendAsync(record, DeadLetterReason.HandlerFailed, exception, handler.FullName ?? handler.Name, attempts, policy.DeadLetterTopic, cancellationToken);

    private async ValueTask SendAsync(
        ConsumeResult<byte[], byte[]> record, DeadLetterReason reason, Exception? exception, string? handler, int attempts, string? topic, CancellationToken cancellationToken)
    {
        var deadLetter = new DeadLetter
        {
            Topic = topic ?? record.Topic + ".dlq",
            Record = record,
            Reason = reason,
            ConsumerGroup = stages.GroupId,
            Exception = exception,
            Handler = handler,
            Attempts = attempts,
            Time = stages.TimeProvider.GetUtcNow(),
        };
        var reasonText = DeadLetterHeaders.ReasonText(reason);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await sink.SendAsync(deadLetter, cancellationToken).ConfigureAwait(false);
                Log.DeadLettered(stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, deadLetter.Topic, reasonText, handler ?? "-");
                KafkaTypedTelemetry.DeadLetteredMessages.Add(1, new("reason", reasonText), new("messaging.consumer.group.name", stages.GroupId));
                MessagingTracing.Event("kafkatyped.dead_lettered", "kafkatyped.dead_letter.reason", reasonText, "kafkatyped.dead_letter.topic", deadLetter.Topic);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var delay = stages.InfrastructureRetryDelay(attempt);
                Log.DeadLetterFailed(stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, deadLetter.Topic, attempt, delay, stages.Redactor.ForLog(ex));
                await Task.Delay(delay, stages.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
