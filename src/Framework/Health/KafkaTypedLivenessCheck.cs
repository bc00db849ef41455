using System.Globalization;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Health;

/// <summary>
/// Liveness: what a restart would cure. Unhealthy when a consumer group's poll loop has not polled within
/// <see cref="KafkaTypedHealthCheckOptions.PollLimit"/> (default its <c>max.poll.interval.ms</c>), when a record has
/// stayed not completed for longer than <see cref="KafkaTypedHealthCheckOptions.StuckRecordLimit"/>, when a group stopped
/// on a fatal error, or when the producer failed fatally.
/// </summary>
internal sealed class KafkaTypedLivenessCheck(
    IConsumerStatus status, Func<RecordProducer?> producer, IOptions<KafkaTypedHealthCheckOptions> options, TimeProvider timeProvider) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var group in status.Groups)
        {
            HealthData.AddGroup(data, group, now);
            if (group.State == ConsumerMemberState.Faulted)
            {
                problems.Add($"consumer group '{group.GroupId}' stopped on a fatal error");
            }

            var pollLimit = settings.PollLimit ?? group.MaxPollInterval;
            if (group.State is ConsumerMemberState.Joining or ConsumerMemberState.Assigned && group.LastPoll is { } lastPoll && now - lastPoll > pollLimit)
            {
                problems.Add($"consumer group '{group.GroupId}' has not polled for {HealthData.Seconds(now - lastPoll)} s (limit {HealthData.Seconds(pollLimit)} s)");
            }

            foreach (var partition in group.Partitions)
            {
                if (partition.OldestInFlightAge > settings.StuckRecordLimit)
                {
                    HealthData.AddPartition(data, group, partition);
                    problems.Add(
                        $"consumer group '{group.GroupId}': a record of {partition.Topic}[{partition.Partition}] has not completed for {HealthData.Seconds(partition.OldestInFlightAge)} s (limit {HealthData.Seconds(settings.StuckRecordLimit)} s)");
                }
            }
        }

        if (producer() is { FatalError: { } fatal })
        {
            data["producer.error"] = fatal.Code.ToString();
            problems.Add($"the producer failed fatally: {fatal.Reason} ({fatal.Code})");
        }

        return Task.FromResult(HealthData.Result(context, problems, data, "every poll loop polls, no record is stuck, the producer works"));
    }
}

/// <summary>The data and descriptions both checks report: flat keys of strings and numbers, for a JSON health response.</summary>
internal static class HealthData
{
    public static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    public static void AddGroup(Dictionary<string, object> data, ConsumerGroupStatus group, DateTimeOffset now)
    {
        var prefix = group.GroupId;
        data[prefix + ".state"] = group.State.ToString();
        data[prefix + ".partitions"] = group.Partitions.Count;
        data[prefix + ".in_flight"] = group.InFlight;
        if (group.LastPoll is { } lastPoll)
        {
            data[prefix + ".last_poll_age_s"] = Math.Round(Math.Max(0, (now - lastPoll).TotalSeconds), 3);
        }

        long lag = 0;
        var lagKnown = false;
        foreach (var partition in group.Partitions)
        {
            if (partition.Lag is { } partitionLag)
            {
                lag += partitionLag;
                lagKnown = true;
            }
        }

        if (lagKnown)
        {
            data[prefix + ".lag"] = lag;
        }
    }

    public static void AddPartition(Dictionary<string, object> data, ConsumerGroupStatus group, PartitionStatus partition)
    {
        var prefix = $"{group.GroupId}.{partition.Topic}[{partition.Partition.ToString(CultureInfo.InvariantCulture)}]";
        if (partition.Lag is { } lag)
        {
            data[prefix + ".lag"] = lag;
        }

        data[prefix + ".in_flight"] = partition.InFlight;
        data[prefix + ".buffered"] = partition.Buffered;
        data[prefix + ".paused"] = partition.Paused;
        data[prefix + ".oldest_in_flight_age_s"] = Math.Round(partition.OldestInFlightAge.TotalSeconds, 3);
    }

    public static HealthCheckResult Result(HealthCheckContext context, List<string> problems, Dictionary<string, object> data, string healthy)
        => problems.Count == 0
            ? HealthCheckResult.Healthy(healthy, data)
            : new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data);
}
