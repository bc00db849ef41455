using Confluent.Kafka;

namespace KafkaTyped.Consuming;

/// <summary>
/// What the worker keeps for one assigned partition: its lane (with its offset tracker) and the offset last stored for
/// librdkafka to commit. Whether it is paused is the worker's list of paused partitions. Owned and touched by the poll thread only (the lane's tracker is thread-safe).
/// </summary>
internal sealed class PartitionState(PartitionLane lane)
{
    public TopicPartition TopicPartition => Lane.TopicPartition;

    /// <summary>The partition's ordered work queue and its processing loop.</summary>
    public PartitionLane Lane { get; } = lane;

    /// <summary>Dispatched and not yet completed offsets of the partition.</summary>
    public OffsetTracker Tracker => Lane.Tracker;

    /// <summary>The last offset stored for the partition (librdkafka commits it), or -1.</summary>
    public long LastStored { get; set; } = -1;
}
