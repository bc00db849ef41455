using Confluent.Kafka;

namespace KafkaTyped.Consuming;

/// <summary>The worker's part in exactly-once groups (<see cref="ConsumerOptions.ExactlyOnce"/>): the transactional committer and the rewind after an abort.</summary>
internal sealed partial class ConsumerGroupWorker
{
    private readonly ExactlyOnceMember? _exactlyOnce;

    /// <summary>The committer of the group: <see cref="TransactionalOffsetCommitter"/> for an exactly-once group, else <see cref="StoredOffsetCommitter"/>.</summary>
    private IOffsetCommitter CreateCommitter(IGroupConsumer consumer)
        => _exactlyOnce is { } member
            ? new TransactionalOffsetCommitter(consumer, member, _options, member.Producer.Timeout, _logger, _timeProvider, _abort.Token, RewindPartition, _executor.FlushBatch)
            : new StoredOffsetCommitter(consumer, _options, _logger, _timeProvider, _abort.Token);

    /// <summary>The committer, for tests.</summary>
    internal IOffsetCommitter? Committer => _committer;

    /// <summary>
    /// After an aborted transaction: replaces the partition's state by a fresh one (cancelling whatever of the old one
    /// still runs: its output was aborted) and seeks the consumer back to <paramref name="position"/>, so that the
    /// records of the aborted batch are delivered and handled again. Poll thread only.
    /// </summary>
    /// <returns>The new state, or <see langword="null"/> when the partition is not assigned to this member any more.</returns>
    private PartitionState? RewindPartition(PartitionState partition, TopicPartitionOffset position)
    {
        var topicPartition = partition.TopicPartition;
        if (!_partitions.TryGetValue(topicPartition, out var current) || !ReferenceEquals(current, partition))
        {
            return null;
        }

        _partitions.Remove(topicPartition);
        ShutdownPartitions([partition], TimeSpan.Zero);
        ResumeReleased(_consumer!, [partition]);
        ClosePartitions([partition]);
        Task? predecessor = _retiring.Remove(topicPartition, out var retiring) && !retiring.IsCompleted ? retiring : null;
        var fresh = new PartitionState(topicPartition, _options.LaneCapacity, _executor, _timeProvider, predecessor);
        _partitions.Add(topicPartition, fresh);
        PublishSnapshot();
        try
        {
            _consumer!.Seek(position);
        }
        catch (KafkaException ex)
        {
            // Reading on from where the consumer is would skip the aborted records: the member fails instead, and its
            // partitions are read again from their committed offsets.
            throw new InvalidOperationException($"Consumer group '{_groupId}' could not seek {topicPartition.Topic}[{topicPartition.Partition.Value}] back to {position.Offset.Value} after an aborted transaction: {ex.Error.Reason}", ex);
        }

        return fresh;
    }
}
