using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// The part of a Kafka consumer that <see cref="ConsumerGroupWorker"/> uses, so that the worker can be driven by a fake
/// in unit tests. Every call happens on the worker's poll thread; the rebalance and commit callbacks are raised from
/// inside <see cref="Consume"/> and <see cref="Close"/>, on that thread.
/// </summary>
internal interface IGroupConsumer : IDisposable
{
    void Subscribe(IEnumerable<string> topics);

    /// <summary>Leaves the group (raising the revoke callback on a later poll); a <see cref="Subscribe"/> after it joins again.</summary>
    void Unsubscribe();

    ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout);

    void Pause(IEnumerable<TopicPartition> partitions);

    void Resume(IEnumerable<TopicPartition> partitions);

    /// <summary>Records an offset for librdkafka's next background commit (a local call).</summary>
    void StoreOffset(TopicPartitionOffset offset);

    /// <summary>Commits synchronously.</summary>
    void Commit(IEnumerable<TopicPartitionOffset> offsets);

    /// <summary>The partition's low and high watermarks as last reported by fetches (a local call), or <see cref="Offset.Unset"/> values.</summary>
    WatermarkOffsets GetWatermarkOffsets(TopicPartition partition);

    /// <summary>Moves the fetch position of an assigned partition (<see cref="IConsumer{TKey,TValue}.Seek"/>).</summary>
    void Seek(TopicPartitionOffset offset);

    /// <summary>Leaves the group (raising the revoke callback) and stops the client.</summary>
    void Close();

    /// <summary>The member's group metadata (generation, member id) for <c>SendOffsetsToTransaction</c>; <see langword="null"/> when unknown.</summary>
    IConsumerGroupMetadata? GroupMetadata => null;
}

/// <summary>The callbacks a <see cref="IGroupConsumer"/> raises on the poll thread.</summary>
internal sealed class GroupConsumerCallbacks
{
    public required Action<List<TopicPartition>> Assigned { get; init; }

    public required Action<List<TopicPartitionOffset>> Revoked { get; init; }

    public required Action<List<TopicPartitionOffset>> Lost { get; init; }

    public required Action<CommittedOffsets> Committed { get; init; }
}

/// <summary>Creates the consumer of a group; replaced by a fake in unit tests of the worker.</summary>
internal interface IGroupConsumerFactory
{
    /// <exception cref="ArgumentException">The configuration is invalid (as are <see cref="KafkaException"/> and <see cref="InvalidOperationException"/>).</exception>
    IGroupConsumer Create(ConsumerConfig config, GroupConsumerCallbacks callbacks, ILogger logger, string clientName);
}

/// <summary>Creates Confluent.Kafka consumers.</summary>
internal sealed class KafkaGroupConsumerFactory : IGroupConsumerFactory
{
    public static readonly KafkaGroupConsumerFactory Instance = new();

    public IGroupConsumer Create(ConsumerConfig config, GroupConsumerCallbacks callbacks, ILogger logger, string clientName)
    {
        var builder = new ConsumerBuilder<byte[], byte[]>(config)
            .SetErrorHandler(LibrdkafkaLog.ErrorHandler<IConsumer<byte[], byte[]>>(logger, clientName))
            .SetLogHandler(LibrdkafkaLog.LogHandler<IConsumer<byte[], byte[]>>(logger))
            .SetPartitionsAssignedHandler((_, partitions) => callbacks.Assigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => callbacks.Revoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => callbacks.Lost(partitions))
            .SetOffsetsCommittedHandler((_, committed) => callbacks.Committed(committed));
        if (LibrdkafkaStatistics.Enabled(config))
        {
            builder.SetStatisticsHandler(LibrdkafkaStatistics.Handler<IConsumer<byte[], byte[]>>());
        }

        return new KafkaGroupConsumer(builder.Build());
    }

    private sealed class KafkaGroupConsumer(IConsumer<byte[], byte[]> consumer) : IGroupConsumer
    {
        // Read while the handle lives: after Close the client can no longer tell its name.
        private readonly string _name = consumer.Name;

        public void Subscribe(IEnumerable<string> topics) => consumer.Subscribe(topics);

        public void Unsubscribe() => consumer.Unsubscribe();

        public ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout) => consumer.Consume(timeout);

        public void Pause(IEnumerable<TopicPartition> partitions) => consumer.Pause(partitions);

        public void Resume(IEnumerable<TopicPartition> partitions) => consumer.Resume(partitions);

        public void StoreOffset(TopicPartitionOffset offset) => consumer.StoreOffset(offset);

        public void Commit(IEnumerable<TopicPartitionOffset> offsets) => consumer.Commit(offsets);

        public WatermarkOffsets GetWatermarkOffsets(TopicPartition partition) => consumer.GetWatermarkOffsets(partition);

        public void Seek(TopicPartitionOffset offset) => consumer.Seek(offset);

        public void Close() => consumer.Close();

        public IConsumerGroupMetadata? GroupMetadata => consumer.ConsumerGroupMetadata;

        public void Dispose()
        {
            consumer.Dispose();
            LibrdkafkaStatistics.Forget(_name); // after the last statistics callback
        }
    }
}
