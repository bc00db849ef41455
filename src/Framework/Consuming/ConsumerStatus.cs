namespace KafkaTyped;

/// <summary>
/// A read-only view of every consumer group this service runs: what each member holds, how far it has got and what it
/// is doing now. Registered as a singleton by <c>AddKafkaTyped</c>; health checks and gauges are built on it.
/// </summary>
/// <remarks>
/// A snapshot is taken on each call and is not kept up to date afterwards. Taking one does not block the poll loop or
/// the handlers: counts are read without locks, so the figures of one partition may be a few records apart.
/// </remarks>
public interface IConsumerStatus
{
    /// <summary>One entry per configured consumer group, in configuration order.</summary>
    IReadOnlyList<ConsumerGroupStatus> Groups { get; }
}

/// <summary>The state of one consumer group member of this service.</summary>
/// <param name="GroupId">The group's <c>group.id</c>.</param>
/// <param name="State">Where the member is in its life.</param>
/// <param name="LastPoll">When the poll loop last returned from the client, or <see langword="null"/> before the first
/// poll.</param>
/// <param name="MaxPollInterval">The group's <c>max.poll.interval.ms</c>: a loop that has not polled for longer has
/// been dropped from the group by its coordinator.</param>
/// <param name="InFlight">Handler calls running now across the group's partitions.</param>
/// <param name="MaxConcurrency">The bound on <paramref name="InFlight"/> (<see cref="ConsumerOptions.MaxConcurrency"/>).</param>
/// <param name="Partitions">The partitions assigned to this member now, ordered by topic and partition.</param>
public sealed record ConsumerGroupStatus(
    string GroupId,
    ConsumerMemberState State,
    DateTimeOffset? LastPoll,
    TimeSpan MaxPollInterval,
    int InFlight,
    int MaxConcurrency,
    IReadOnlyList<PartitionStatus> Partitions);

/// <summary>The state of one assigned partition.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="Committed">The next offset to read after a restart as last committed by this member (the highest
/// contiguous handled offset + 1), or <see langword="null"/> before its first commit.</param>
/// <param name="HighWatermark">The partition's high watermark as last reported by a fetch, or <see langword="null"/>
/// before one.</param>
/// <param name="Buffered">Records fetched and waiting for a handler.</param>
/// <param name="InFlight">Records being handled now.</param>
/// <param name="Paused">Whether fetching is paused because the partition's buffer is full.</param>
/// <param name="OldestInFlightAge">How long ago the oldest record not yet completed (waiting or being handled, the one
/// that holds the committed offset back) was polled, or <see cref="TimeSpan.Zero"/> when none is.</param>
public sealed record PartitionStatus(
    string Topic,
    int Partition,
    long? Committed,
    long? HighWatermark,
    int Buffered,
    int InFlight,
    bool Paused,
    TimeSpan OldestInFlightAge)
{
    /// <summary>
    /// Records in the partition not yet committed by this member: the high watermark minus the committed offset, or
    /// <see langword="null"/> while either is unknown.
    /// </summary>
    public long? Lag => HighWatermark is { } high && Committed is { } committed ? Math.Max(0, high - committed) : null;
}

/// <summary>Where a consumer group member is in its life.</summary>
public enum ConsumerMemberState
{
    /// <summary>Not started yet.</summary>
    Starting,

    /// <summary>Polling, but no assignment received yet (joining, or rebalancing with nothing held).</summary>
    Joining,

    /// <summary>Polling and holding an assignment, which may be empty when the group has more members than
    /// partitions.</summary>
    Assigned,

    /// <summary>Draining and leaving the group.</summary>
    Stopping,

    /// <summary>Stopped after a graceful stop.</summary>
    Stopped,

    /// <summary>Stopped by a fatal error (see the group's fatal-error policy); the service is no longer consuming.</summary>
    Faulted,
}
