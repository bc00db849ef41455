using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Outbox;

/// <summary>
/// Publishes committed outbox messages: claims a batch (the store lets one relay hold a batch at a time), produces its
/// records in sequence order through the service's <see cref="RecordProducer"/> (idempotent, so records of one key keep
/// their order on the partition), and marks the batch sent only when every record was acknowledged. A failed or
/// interrupted batch is released unsent and published again whole, each record with its original bytes and
/// <c>ce_id</c>.
/// </summary>
internal sealed class OutboxRelay(
    IOutboxStore store,
    RecordProducer records,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger,
    TimeProvider timeProvider,
    OutboxRelayStatus status) : BackgroundService
{
    /// <summary>How often the relay counts the backlog (a COUNT over the index of unsent rows).</summary>
    private static readonly TimeSpan s_countInterval = TimeSpan.FromSeconds(5);

    private readonly OutboxOptions _options = options.Value;
    private readonly OutboxRelayStatus _status = status;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Schema on start: a missing table is a start-up failure, not a relay that logs forever.
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextCleanup = timeProvider.GetUtcNow() + _options.CleanupInterval;
        var nextCount = timeProvider.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            // Counted also while batches fail: a backlog that grows during a broker outage is what it is there to show.
            if (timeProvider.GetUtcNow() >= nextCount)
            {
                nextCount = timeProvider.GetUtcNow() + s_countInterval;
                _status.Counted(await CountUnsentAsync(stoppingToken).ConfigureAwait(false));
            }

            TimeSpan wait;
            try
            {
                var published = await PublishBatchAsync(stoppingToken).ConfigureAwait(false);
                _status.BatchPublished(drained: published < _options.BatchSize);
                if (timeProvider.GetUtcNow() >= nextCleanup)
                {
                    nextCleanup = timeProvider.GetUtcNow() + _options.CleanupInterval;
                    var deleted = await store.DeleteSentAsync(timeProvider.GetUtcNow() - _options.RetainSent, stoppingToken).ConfigureAwait(false);
                    Log.OutboxCleanedUp(logger, deleted);
                }

                // A full batch: more may be waiting, so look again at once.
                wait = published >= _options.BatchSize ? TimeSpan.Zero : _options.PollInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _status.BatchFailed();
                Log.OutboxBatchFailed(logger, _options.RetryDelay, ex);
                wait = _options.RetryDelay;
            }

            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // The backlog is diagnostics: a count that fails leaves it unknown, and the next claim reports the database's trouble.
    private async Task<long?> CountUnsentAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await store.CountUnsentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Publishes one batch; returns how many messages it held (0 when none, or another relay holds the outbox).</summary>
    internal async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        var batch = await store.ClaimBatchAsync(_options.BatchSize, cancellationToken).ConfigureAwait(false);
        if (batch is null)
        {
            return 0;
        }

        await using (batch.ConfigureAwait(false))
        {
            var messages = batch.Messages;
            if (messages.Count == 0)
            {
                return 0;
            }

            // Handed to librdkafka in sequence order, all before the first is awaited: one batch on the wire, and the
            // idempotent producer keeps that order per partition also when it retries.
            var deliveries = new Task<DeliveryReport<byte[], byte[]>>[messages.Count];
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                var record = new Message<byte[], byte[]> { Key = message.Key!, Value = message.Value, Headers = OutboxHeaders.Decode(message.Headers) };
                deliveries[i] = records.ProduceAsync(message.Topic, record, cancellationToken);
            }

            // Not marked sent unless every record was acknowledged: a failure releases the batch and it is published
            // again whole (consumers deduplicate the repeats by ce_id).
            await Task.WhenAll(deliveries).ConfigureAwait(false);
            await batch.CompleteAsync(timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            Log.OutboxBatchPublished(logger, messages.Count, messages[0].Sequence, messages[^1].Sequence);
            return messages.Count;
        }
    }
}
