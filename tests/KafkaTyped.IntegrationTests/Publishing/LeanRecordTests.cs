using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Publishing;

/// <summary>
/// docs/publisher.md#lean-records: a publisher writing only the required CloudEvents attributes. On the wire a
/// MessagePack record has the four required headers and a JSON one also its content type; a KafkaTyped consumer
/// handles the lean records in order and commits past them.
/// </summary>
public sealed class LeanRecordTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_with_only_the_required_attributes_are_consumed_like_full_ones()
    {
        var topic = ClusterFixture.NewTopicName("lean");
        var group = ClusterFixture.NewGroupId("lean");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + "-json", 1, Ct);
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            o.Publisher.CloudEventsAttributes = CloudEventsAttributes.Required;
            o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic));
        });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await publisher.PublishAsync(new OrderPlaced("order-1", 0, "c-1"), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new PaymentCaptured("order-1", 1, 1250), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new OrderShipped("order-1", 2, "dhl"), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new OrderNoted("order-1", 3, 12.5m, "gift"), topic + "-json", cancellationToken: Ct);

        using (var raw = new ConsumerBuilder<byte[]?, byte[]?>(cluster.ConsumerConfig(ClusterFixture.NewGroupId("lean-raw"))).Build())
        {
            raw.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning), new TopicPartitionOffset(topic + "-json", 0, Offset.Beginning)]);
            var records = new List<ConsumeResult<byte[]?, byte[]?>>();
            await Wait.UntilAsync(
                () =>
                {
                    if (raw.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
                    {
                        records.Add(record);
                    }

                    return records.Count == 4;
                },
                Deadline,
                "the four published records",
                Ct);
            Assert.All(records.Where(r => r.Topic == topic), r => Assert.Equal(["ce_specversion", "ce_id", "ce_type", "ce_source"], r.Message.Headers.Select(h => h.Key)));
            var json = Assert.Single(records, r => r.Topic != topic);
            Assert.Equal(["ce_specversion", "ce_id", "ce_type", "ce_source", "content-type"], json.Message.Headers.Select(h => h.Key));
            Assert.Equal("application/vnd.kafkatyped.envelope+json", DeadLetterTopic.Text(json.Message.Headers, "content-type"));
        }

        using var offsets = new GroupOffsets(cluster, group);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= 3, Deadline, "the three records to be handled", Ct);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 3, Deadline, "the committed offset to pass the three records", Ct);

        var handled = recorder.Snapshot();
        Assert.Equal([0L, 1L, 2L], handled.Select(h => h.Sequence));
        Assert.Equal(["OrderPlacedHandler", "PaymentCapturedHandler", "OrderShippedHandler"], handled.Select(h => h.Handler));
        await host.StopAsync(Ct);
    }
}
