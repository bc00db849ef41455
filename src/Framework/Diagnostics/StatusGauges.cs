using System.Diagnostics.Metrics;
using KafkaTyped.Outbox;

namespace KafkaTyped.Diagnostics;

/// <summary>
/// The observations behind KafkaTyped's observable gauges: every live <see cref="IConsumerStatus"/> and outbox relay of
/// the process (a process may run several hosts). Read only when a listener collects, so a service nobody measures
/// pays nothing; the snapshots are those of <see cref="IConsumerStatus"/>, taken without locks of the poll loop.
/// </summary>
internal static class StatusGauges
{
    private static readonly Lock s_lock = new();
    private static IConsumerStatus[] s_consumers = [];
    private static OutboxRelayStatus[] s_outboxes = [];

    public static void Register(IConsumerStatus status)
    {
        _ = KafkaTypedTelemetry.ConsumerLag; // creates the gauges with the instruments, so listeners see them
        lock (s_lock)
        {
            s_consumers = [.. s_consumers, status];
        }
    }

    public static void Unregister(IConsumerStatus status)
    {
        lock (s_lock)
        {
            s_consumers = Array.FindAll(s_consumers, s => !ReferenceEquals(s, status));
        }
    }

    public static void Register(OutboxRelayStatus status)
    {
        _ = KafkaTypedTelemetry.ConsumerLag;
        lock (s_lock)
        {
            s_outboxes = [.. s_outboxes, status];
        }
    }

    public static void Unregister(OutboxRelayStatus status)
    {
        lock (s_lock)
        {
            s_outboxes = Array.FindAll(s_outboxes, s => !ReferenceEquals(s, status));
        }
    }

    /// <summary>Per assigned partition: the high watermark minus the committed offset, where both are known.</summary>
    public static IEnumerable<Measurement<long>> Lag()
    {
        foreach (var (group, partition) in Partitions())
        {
            if (partition.Lag is { } lag)
            {
                yield return new(lag, PartitionTags(group, partition));
            }
        }
    }

    /// <summary>Per assigned partition: records being handled now.</summary>
    public static IEnumerable<Measurement<int>> InFlight()
    {
        foreach (var (group, partition) in Partitions())
        {
            yield return new(partition.InFlight, PartitionTags(group, partition));
        }
    }

    /// <summary>Per assigned partition: records fetched and waiting for a handler.</summary>
    public static IEnumerable<Measurement<int>> Buffered()
    {
        foreach (var (group, partition) in Partitions())
        {
            yield return new(partition.Buffered, PartitionTags(group, partition));
        }
    }

    /// <summary>Per consumer group: partitions paused because their lane is full.</summary>
    public static IEnumerable<Measurement<int>> Paused()
    {
        foreach (var status in Volatile.Read(ref s_consumers))
        {
            foreach (var group in status.Groups)
            {
                var paused = 0;
                foreach (var partition in group.Partitions)
                {
                    paused += partition.Paused ? 1 : 0;
                }

                yield return new(paused, KafkaTypedTelemetry.SystemTag, new("messaging.consumer.group.name", group.GroupId));
            }
        }
    }

    /// <summary>Per outbox relay: seconds since it last drained the outbox (0 while it keeps up).</summary>
    public static IEnumerable<Measurement<double>> OutboxBehind()
    {
        foreach (var outbox in Volatile.Read(ref s_outboxes))
        {
            yield return new(outbox.Behind.TotalSeconds);
        }
    }

    /// <summary>Per outbox relay: unsent messages at its last count, when the store counts them.</summary>
    public static IEnumerable<Measurement<long>> OutboxBacklog()
    {
        foreach (var outbox in Volatile.Read(ref s_outboxes))
        {
            if (outbox.Backlog is { } backlog)
            {
                yield return new(backlog);
            }
        }
    }

    private static IEnumerable<(ConsumerGroupStatus Group, PartitionStatus Partition)> Partitions()
    {
        foreach (var status in Volatile.Read(ref s_consumers))
        {
            foreach (var group in status.Groups)
            {
                foreach (var partition in group.Partitions)
                {
                    yield return (group, partition);
                }
            }
        }
    }

    private static KeyValuePair<string, object?>[] PartitionTags(ConsumerGroupStatus group, PartitionStatus partition) =>
    [
        KafkaTypedTelemetry.SystemTag,
        new("messaging.consumer.group.name", group.GroupId),
        new("messaging.destination.name", partition.Topic),
        new("messaging.destination.partition.id", partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
