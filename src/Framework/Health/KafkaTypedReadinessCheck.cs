using Confluent.Kafka;
using KafkaTyped.Outbox;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Health;

/// <summary>
/// Readiness: whether the service does its work now. Unhealthy when no broker answers a metadata request within
/// <see cref="KafkaTypedHealthCheckOptions.BrokerTimeout"/>, when a consumer group has not joined or holds no assignment
/// (a member holding an empty assignment, in a group with more members than partitions, is idle and ready), or when the
/// outbox relay has not drained the outbox for <see cref="KafkaTypedHealthCheckOptions.OutboxLagLimit"/>.
/// </summary>
internal sealed class KafkaTypedReadinessCheck(
    IConsumerStatus status,
    Func<RecordProducer?> producer,
    OutboxRelayStatus? outbox,
    IOptions<KafkaTypedHealthCheckOptions> options,
    TimeProvider timeProvider) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();

        // The metadata request first: its wait is the check's longest, and the group states read after it are the newer.
        if (producer() is { } records)
        {
            try
            {
                var metadata = await Task.Run(() => records.GetMetadata(settings.BrokerTimeout), cancellationToken).ConfigureAwait(false);
                data["brokers"] = metadata.Brokers.Count;
            }
            catch (KafkaException ex)
            {
                data["brokers"] = 0;
                problems.Add($"no broker answered a metadata request within {HealthData.Seconds(settings.BrokerTimeout)} s: {ex.Error.Reason} ({ex.Error.Code})");
            }
        }

        var now = timeProvider.GetUtcNow();
        foreach (var group in status.Groups)
        {
            HealthData.AddGroup(data, group, now);
            foreach (var partition in group.Partitions)
            {
                HealthData.AddPartition(data, group, partition);
            }

            switch (group.State)
            {
                case ConsumerMemberState.Assigned:
                    break;
                case ConsumerMemberState.Starting or ConsumerMemberState.Joining:
                    problems.Add($"consumer group '{group.GroupId}' holds no assignment (joining the group)");
                    break;
                case ConsumerMemberState.Faulted:
                    problems.Add($"consumer group '{group.GroupId}' stopped on a fatal error");
                    break;
                default:
                    problems.Add($"consumer group '{group.GroupId}' is {group.State.ToString().ToLowerInvariant()}");
                    break;
            }
        }

        if (outbox is not null)
        {
            var behind = outbox.Behind;
            data["outbox.behind_s"] = Math.Round(behind.TotalSeconds, 3);
            data["outbox.consecutive_failures"] = outbox.ConsecutiveFailures;
            if (outbox.Backlog is { } backlog)
            {
                data["outbox.backlog"] = backlog;
            }

            if (behind > settings.OutboxLagLimit)
            {
                problems.Add($"the outbox relay has not caught up for {HealthData.Seconds(behind)} s (limit {HealthData.Seconds(settings.OutboxLagLimit)} s, {outbox.ConsecutiveFailures} failed batches in a row)");
            }
        }

        return HealthData.Result(context, problems, data, "brokers answer, every consumer group holds its assignment");
    }
}
