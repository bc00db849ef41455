using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// Reads what a consumer group committed (OffsetFetch) and where a partition ends, through a separate consumer with the
/// group's id that never subscribes, so it never joins the group or disturbs its assignment.
/// </summary>
public sealed class GroupOffsets(ConsumerConfig config) : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();

    /// <summary>Reads the offsets of <paramref name="groupId"/> on the fixture's cluster.</summary>
    public GroupOffsets(ClusterFixture cluster, string groupId)
        : this(cluster.ConsumerConfig(groupId))
    {
    }

    /// <summary>The committed offset of a partition: the next offset to read, or -1001 (<see cref="Offset.Unset"/>) when nothing was committed.</summary>
    public long Committed(string topic, int partition)
        => _consumer.Committed([new TopicPartition(topic, partition)], TimeSpan.FromSeconds(10)).Single().Offset.Value;

    /// <summary>The end offset (the offset the next record gets) of a partition.</summary>
    public long End(string topic, int partition)
        => _consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;

    public void Dispose() => _consumer.Dispose();
}
