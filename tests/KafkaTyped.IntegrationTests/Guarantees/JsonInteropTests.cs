using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/serialization.md#json: a KafkaTyped service beside services that write JSON. A raw Confluent producer (as a Go
/// service would) writes typed envelopes {"type":...,"payload":{...}} without any header, a CloudEvents structured-mode
/// event and a header-routed JSON record between MessagePack records on one partition: every one reaches its handler in
/// order; broken JSON is dead-lettered as invalid-payload and the partition goes on. The other way, a JsonEnvelope
/// message published by KafkaTyped is read by a raw consumer as plain JSON.
/// </summary>
public sealed class JsonInteropTests(ClusterFixture cluster)
{
    private const int MissingType = 205;
    private const int InvalidPayload = 207;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Seed_envelopes_without_headers_between_MessagePack_records_reach_their_handlers_and_broken_json_is_dead_lettered()
    {
        var topic = ClusterFixture.NewTopicName("json-seed");
        var group = ClusterFixture.NewGroupId("json-seed");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        var recorder = new HandlingRecorder();
        var logs = new LogCapture();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)), logs.AddTo);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();

        async Task<long> Raw(string value, Headers? headers = null)
            => (await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "order-1"u8.ToArray(), Value = Encoding.UTF8.GetBytes(value), Headers = headers ?? [] }, Ct)).Offset.Value;

        var deadLettered = new Dictionary<long, string>();
        var sequence = 0L;
        await publisher.PublishAsync(new OrderPlaced("order-1", sequence++, "c-1"), topic, cancellationToken: Ct);
        await Raw($$$"""{"type":"it.order-placed","payload":{"orderId":"order-1","sequence":{{{sequence++}}},"customer":"c-1"}}""");
        await publisher.PublishAsync(new PaymentCaptured("order-1", sequence++, 1250), topic, cancellationToken: Ct);
        // Properties in another order, unknown ones, white space, escapes: still an envelope.
        await Raw($$""" { "payload" : { "amountCents" : 99, "sequence" : {{sequence++}}, "orderId" : "order-1", "extra" : [1, {"a": null}] }, "version": 2, "type" : "it.payment\u002dcaptured" } """);
        // CloudEvents structured mode.
        await Raw(
            $$$"""{"specversion":"1.0","id":"e-1","source":"go-billing","type":"it.order-shipped","datacontenttype":"application/json","data":{"orderId":"order-1","sequence":{{{sequence++}}},"carrier":"dhl"}}""",
            new Headers { { "content-type", "application/cloudevents+json; charset=utf-8"u8.ToArray() } });
        // Binary mode with a JSON value.
        await Raw(
            $$"""{"orderId":"order-1","sequence":{{sequence++}},"customer":"c-2"}""",
            new Headers { { "ce_type", "it.order-placed"u8.ToArray() }, { "content-type", "application/json"u8.ToArray() } });

        // Broken JSON between valid records.
        deadLettered.Add(await Raw("""{"type":"it.order-placed","payload":{"orderId":"order-1","sequence":"""), "invalid-payload");
        await publisher.PublishAsync(new OrderPlaced("order-1", sequence++, "c-1"), topic, cancellationToken: Ct);
        deadLettered.Add(await Raw("""{"type":"it.order-placed","payload":{"x":""" + new string('[', 100_000) + new string(']', 100_000) + "}}"), "invalid-payload");
        deadLettered.Add(await Raw("""{"type":"it.order-placed","payload":{"orderId":7,"sequence":1,"customer":"c"}}"""), "invalid-payload");
        deadLettered.Add(await Raw("""{"hello":"world"}"""), "missing-type");
        await publisher.PublishAsync(new OrderPlaced("order-1", sequence++, "c-1"), topic, cancellationToken: Ct);

        using var offsets = new GroupOffsets(cluster, group);
        var end = offsets.End(topic, 0);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= sequence, Deadline, $"the {sequence} valid records to be handled", Ct);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == end, Deadline, $"the committed offset to reach the end of the partition ({end})", Ct);

        var handled = recorder.Snapshot();
        Assert.Equal(Enumerable.Range(0, (int)sequence).Select(i => (long)i), handled.Select(h => h.Sequence));
        Assert.Equal(
            ["OrderPlacedHandler", "OrderPlacedHandler", "PaymentCapturedHandler", "PaymentCapturedHandler", "OrderShippedHandler", "OrderPlacedHandler", "OrderPlacedHandler", "OrderPlacedHandler"],
            handled.Select(h => h.Handler));

        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var records = await deadLetters.ReadAsync(deadLettered.Count, Deadline, Ct);
        Assert.Equal(
            deadLettered.Select(d => (d.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Value)),
            records.Select(r => (DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.OriginalOffset), DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.Reason))));
        foreach (var (offset, reason) in deadLettered)
        {
            var entry = Assert.Single(logs.Entries, e => e["Offset"] is long o && o == offset && e.EventId is MissingType or InvalidPayload);
            Assert.Equal(reason == "missing-type" ? MissingType : InvalidPayload, entry.EventId);
        }

        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_JsonEnvelope_message_published_by_KafkaTyped_is_plain_json_to_a_raw_consumer_and_is_read_back_by_KafkaTyped()
    {
        var topic = ClusterFixture.NewTopicName("json-publish");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), _ => { });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await publisher.PublishAsync(new OrderNoted("order-1", 3, 12.5m, "gift"), topic, cancellationToken: Ct);

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(cluster.ConsumerConfig(ClusterFixture.NewGroupId("json-raw"))).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        ConsumeResult<byte[]?, byte[]?>? record = null;
        await Wait.UntilAsync(() => (record = consumer.Consume(TimeSpan.FromMilliseconds(100))) is not null, Deadline, "the published record", Ct);

        using var document = JsonDocument.Parse(record!.Message.Value);
        var root = document.RootElement;
        Assert.Equal(["type", "payload"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("it.order-noted", root.GetProperty("type").GetString());
        var payload = root.GetProperty("payload");
        Assert.Equal(["orderId", "sequence", "amount", "note"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Equal("order-1", payload.GetProperty("orderId").GetString());
        Assert.Equal(3, payload.GetProperty("sequence").GetInt64());
        Assert.Equal(12.5m, payload.GetProperty("amount").GetDecimal());
        Assert.Equal("order-1", Encoding.UTF8.GetString(record.Message.Key!));
        Assert.Equal("application/vnd.kafkatyped.envelope+json", DeadLetterTopic.Text(record.Message.Headers, "content-type"));
        Assert.Equal("it.order-noted", DeadLetterTopic.Text(record.Message.Headers, "ce_type"));

        // And KafkaTyped reads it back, whether or not the headers survive (a JSON service may forward the value alone).
        Assert.Equal(new OrderNoted("order-1", 3, 12.5m, "gift"), KafkaTyped.Serialization.KafkaSerializer.DeserializeMessage<OrderNoted>(record.Message.Value, MessageFormat.JsonEnvelope));
    }
}
