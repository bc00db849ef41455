using Confluent.Kafka;

namespace KafkaTyped.Tool.Kafka;

/// <summary>
/// Reads a topic from given positions up to the end it had when the read started (its high watermarks then), so a
/// command over a topic that is still written to ends; through the real client, assigned partitions, no group join.
/// </summary>
internal sealed class TopicReader : IDisposable
{
    private readonly KafkaSettings _settings;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;

    public TopicReader(KafkaSettings settings, string groupId = KafkaSettings.ReaderGroup)
    {
        _settings = settings;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings.ReaderConfig(groupId))
            .SetErrorHandler((_, _) => { }) // transient errors are retried by librdkafka; fatal ones surface from Consume
            .SetLogHandler((_, _) => { })
            .Build();
    }

    public IConsumer<byte[]?, byte[]?> Consumer => _consumer;

    /// <summary>The partitions of <paramref name="topic"/>; <see cref="ExitCodes.NotFound"/> when it does not exist.</summary>
    public static IReadOnlyList<TopicPartition> Partitions(KafkaSettings settings, string topic)
    {
        using var admin = new AdminClientBuilder(settings.AdminConfig()).SetLogHandler((_, _) => { }).Build();
        Metadata metadata;
        try
        {
            // The metadata of every topic: asking for one by name makes a broker with auto.create.topics.enable create it.
            metadata = admin.GetMetadata(settings.Timeout);
        }
        catch (KafkaException ex)
        {
            throw new ToolException(ExitCodes.KafkaError, $"Kafka at {settings.BootstrapServers} did not answer for topic '{topic}': {ex.Error.Reason}");
        }

        var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        return Check(settings, topic, found);
    }

    /// <summary>The partitions of every topic but Kafka's internal ones.</summary>
    public static IReadOnlyList<TopicPartition> AllPartitions(KafkaSettings settings)
    {
        using var admin = new AdminClientBuilder(settings.AdminConfig()).SetLogHandler((_, _) => { }).Build();
        try
        {
            return [.. admin.GetMetadata(settings.Timeout).Topics
                .Where(t => !t.Topic.StartsWith("__", StringComparison.Ordinal) && !t.Error.IsError)
                .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))];
        }
        catch (KafkaException ex)
        {
            throw new ToolException(ExitCodes.KafkaError, $"Kafka at {settings.BootstrapServers} did not answer: {ex.Error.Reason}");
        }
    }

    private static IReadOnlyList<TopicPartition> Check(KafkaSettings settings, string topic, TopicMetadata? found)
    {
        if (found is null || found.Error.Code == ErrorCode.UnknownTopicOrPart || found.Partitions.Count == 0)
        {
            throw new ToolException(ExitCodes.NotFound, $"Topic '{topic}' does not exist on {settings.BootstrapServers}.");
        }

        if (found.Error.IsError)
        {
            throw new ToolException(ExitCodes.KafkaError, $"Topic '{topic}': {found.Error.Reason} ({found.Error.Code}).");
        }

        return [.. found.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(p => p.Partition.Value)];
    }

    public WatermarkOffsets Watermarks(TopicPartition partition)
    {
        try
        {
            return _consumer.QueryWatermarkOffsets(partition, _settings.Timeout);
        }
        catch (KafkaException ex)
        {
            throw new ToolException(ExitCodes.KafkaError, $"Could not read the offsets of {partition}: {ex.Error.Reason}");
        }
    }

    /// <summary>The offsets this reader's group committed on <paramref name="partitions"/> (<see cref="Offset.Unset"/> where none).</summary>
    public IReadOnlyList<TopicPartitionOffset> Committed(IReadOnlyList<TopicPartition> partitions)
    {
        try
        {
            return _consumer.Committed(partitions, _settings.Timeout);
        }
        catch (KafkaException ex)
        {
            throw new ToolException(ExitCodes.KafkaError, $"Could not read the committed offsets of group '{_consumer.Name}': {ex.Error.Reason}");
        }
    }

    /// <summary>
    /// Every record from <paramref name="starts"/> (a concrete offset, or <see cref="Offset.Beginning"/>/<see cref="Offset.Unset"/>
    /// for the start of the partition) up to the end each partition has now, partition by partition in offset order
    /// within a partition.
    /// </summary>
    public IEnumerable<ConsumeResult<byte[]?, byte[]?>> ReadToEnd(IReadOnlyList<TopicPartitionOffset> starts, CancellationToken cancellationToken)
    {
        var ends = new Dictionary<int, long>();
        var assignment = new List<TopicPartitionOffset>();
        foreach (var start in starts)
        {
            var watermarks = Watermarks(start.TopicPartition);
            var from = start.Offset.Value < 0 ? watermarks.Low.Value : Math.Max(start.Offset.Value, watermarks.Low.Value);
            if (from < watermarks.High.Value)
            {
                ends[start.Partition.Value] = watermarks.High.Value;
                assignment.Add(new TopicPartitionOffset(start.TopicPartition, from));
            }
        }

        if (assignment.Count == 0)
        {
            yield break;
        }

        _consumer.Assign(assignment);
        try
        {
            while (ends.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ConsumeResult<byte[]?, byte[]?>? result;
                try
                {
                    result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    throw new ToolException(ExitCodes.KafkaError, $"Reading {ex.ConsumerRecord?.TopicPartitionOffset?.ToString() ?? "the topic"} failed: {ex.Error.Reason}");
                }

                if (result is null || !ends.TryGetValue(result.Partition.Value, out var end))
                {
                    continue;
                }

                if (result.IsPartitionEOF || result.Offset.Value >= end)
                {
                    ends.Remove(result.Partition.Value);
                    continue;
                }

                if (result.Offset.Value >= end - 1)
                {
                    ends.Remove(result.Partition.Value);
                }

                yield return result;
            }
        }
        finally
        {
            _consumer.Unassign();
        }
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
