using System.Text;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>Reads a dead-letter topic from its beginning with a plain Confluent consumer (no group commits), as an operator's tool would.</summary>
public sealed class DeadLetterTopic(ClusterFixture cluster, string topic) : IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer = Subscribe(cluster, topic);
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _records = [];

    public static string Text(Headers headers, string key) => headers.TryGetLastBytes(key, out var value) ? Encoding.UTF8.GetString(value) : "(absent)";

    /// <summary>Reads until <paramref name="count"/> records arrived (failing after <paramref name="timeout"/>), then returns every record read.</summary>
    public async Task<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>> ReadAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Wait.UntilAsync(
            () =>
            {
                while (_consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                {
                    _records.Add(record);
                }

                return _records.Count >= count;
            },
            timeout,
            $"{count} record(s) on {topic}",
            cancellationToken);
        return [.. _records];
    }

    /// <summary>Whatever arrived by now, reading for a short while.</summary>
    public IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> ReadAvailable()
    {
        while (_consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } record)
        {
            _records.Add(record);
        }

        return [.. _records];
    }

    public void Dispose() => _consumer.Dispose();

    private static IConsumer<byte[]?, byte[]?> Subscribe(ClusterFixture cluster, string topic)
    {
        var config = cluster.ConsumerConfig(ClusterFixture.NewGroupId("dlq-reader"));
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnableAutoCommit = false;
        config.Set("topic.metadata.refresh.interval.ms", "200");
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(topic);
        return consumer;
    }
}
