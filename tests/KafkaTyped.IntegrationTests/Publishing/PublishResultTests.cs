using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Publishing;

/// <summary>
/// docs/publisher.md#what-publishasync-returns: the result of an awaited publish names the partition and offset the
/// broker wrote the record at and the record's <c>ce_id</c>, as a reader of the topic sees them.
/// </summary>
public sealed class PublishResultTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_publish_returns_where_the_broker_wrote_the_record_and_its_id()
    {
        var topic = ClusterFixture.NewTopicName("publish-result");
        await cluster.CreateTopicAsync(topic, 3, Ct);
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), _ => { });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var results = new List<PublishResult>();
        for (var i = 0; i < 9; i++)
        {
            results.Add(await publisher.PublishAsync(new OrderPlaced($"order-{i}", i, "c-1"), topic, cancellationToken: Ct));
        }

        using var raw = new ConsumerBuilder<byte[]?, byte[]?>(cluster.ConsumerConfig(ClusterFixture.NewGroupId("publish-result-raw"))).Build();
        raw.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        await Wait.UntilAsync(
            () =>
            {
                if (raw.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
                {
                    records.Add(record);
                }

                return records.Count == results.Count;
            },
            Deadline,
            "the nine published records",
            Ct);

        Assert.Equal(results.Count, results.Select(r => r.MessageId).Distinct().Count());
        foreach (var result in results)
        {
            Assert.Equal(topic, result.Topic);
            var written = Assert.Single(records, r => r.Partition == result.Partition && r.Offset == result.Offset);
            Assert.Equal(result.MessageId, DeadLetterTopic.Text(written.Message.Headers, "ce_id"));
        }
    }
}
