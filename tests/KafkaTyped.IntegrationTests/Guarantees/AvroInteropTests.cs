using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.SchemaRegistry;
using KafkaTyped.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/avro.md: Avro messages on the embedded cluster. The schema registry is an in-process stand-in
/// (<see cref="InMemorySchemaRegistry"/>), since a real Schema Registry cannot run here; the records are real. Avro
/// messages published by KafkaTyped are framed with magic byte 0 and their registered id and handled in order; a raw
/// producer's record with the id in the <c>__value_schema_id</c> header is handled too; records naming an unknown schema
/// id or GUID, or without the framing, are dead-lettered as invalid-payload and the partition goes on. A record written
/// with an older schema of the type is resolved to the handler's type; one whose schema does not resolve is dead-lettered.
/// </summary>
public sealed class AvroInteropTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Avro_messages_are_framed_with_their_schema_id_and_handled_and_unknown_schema_ids_are_dead_lettered()
    {
        var topic = ClusterFixture.NewTopicName("avro");
        var group = ClusterFixture.NewGroupId("avro");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        var registry = new InMemorySchemaRegistry();
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(
            cluster.BootstrapServers, recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)), kafka: k => k.AddSchemaRegistry(registry));
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();

        async Task<long> Raw(byte[] value, Headers headers)
        {
            headers.Add("ce_type", "it.order-audited"u8.ToArray());
            headers.Add("content-type", "application/avro"u8.ToArray());
            return (await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "order-1"u8.ToArray(), Value = value, Headers = headers }, Ct)).Offset.Value;
        }

        var at = new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);
        var sequence = 0L;
        await publisher.PublishAsync(new OrderAudited("order-1", sequence++, 12.5m, at, "first"), topic, cancellationToken: Ct);
        publisher.Publish(new OrderAudited("order-1", sequence++, 0.01m, at, null), topic);
        Assert.Equal(0, publisher.Flush(TimeSpan.FromSeconds(10)));

        var subject = topic + "-value";
        var id = Assert.Single(registry.Versions(subject));
        Assert.Equal(KafkaSerializer.AvroSchema<OrderAudited>(), await registry.GetSchemaAsync(SchemaId.FromId(id), Ct));

        // The id in the header, the value the body alone: as newer Confluent serializers write.
        var body = KafkaSerializer.Serialize(new OrderAudited("order-1", sequence++, 3m, at, "header"), MessageFormat.Avro);
        var idHeader = new byte[5];
        BinaryPrimitives.WriteInt32BigEndian(idHeader.AsSpan(1), id);
        await Raw(body, new Headers { { "__value_schema_id", idHeader } });

        // An id the registry does not know, a schema GUID it does not know, and a value without the framing.
        var deadLettered = new List<long>();
        var unknownId = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(unknownId.AsSpan(1), id + 1000);
        body.CopyTo(unknownId, 5);
        deadLettered.Add(await Raw(unknownId, []));
        deadLettered.Add(await Raw([1, .. Guid.NewGuid().ToByteArray(), .. body], []));
        deadLettered.Add(await Raw([7, .. body], []));
        await publisher.PublishAsync(new OrderAudited("order-1", sequence++, 1m, at, "last"), topic, cancellationToken: Ct);

        using var offsets = new GroupOffsets(cluster, group);
        var end = offsets.End(topic, 0);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= sequence, Deadline, $"the {sequence} valid records to be handled", Ct);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == end, Deadline, $"the committed offset to reach the end of the partition ({end})", Ct);
        Assert.Equal(Enumerable.Range(0, (int)sequence).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));

        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var records = await deadLetters.ReadAsync(deadLettered.Count, Deadline, Ct);
        Assert.Equal(
            deadLettered.Select(o => (o.ToString(System.Globalization.CultureInfo.InvariantCulture), "invalid-payload")),
            records.Select(r => (DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.OriginalOffset), DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.Reason))));
        Assert.Contains($"schema id {id + 1000}, which the schema registry does not know", DeadLetterTopic.Text(records[0].Message.Headers, DeadLetterHeaders.ExceptionMessage));
        Assert.Contains("magic byte 0x07", DeadLetterTopic.Text(records[2].Message.Headers, DeadLetterHeaders.ExceptionMessage));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_record_written_with_an_older_schema_is_resolved_to_the_handlers_type_and_an_unresolvable_one_is_dead_lettered()
    {
        var topic = ClusterFixture.NewTopicName("avro-older");
        var group = ClusterFixture.NewGroupId("avro-older");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        var registry = new InMemorySchemaRegistry();
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(
            cluster.BootstrapServers, recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)), kafka: k => k.AddSchemaRegistry(registry));
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();

        // A process caches writer schemas by id, as it talks to one registry; this test's registry is one of several in
        // the process, so its ids start after those the other tests' registries hand out.
        for (var i = 0; i < 100; i++)
        {
            await registry.RegisterAsync("unused-value", $$"""{"type":"fixed","name":"Unused{{i}}","size":1}""", Ct);
        }

        // The subject's first version, as an older producer registered it: no note, the sequence an int.
        var subject = topic + "-value";
        const string Older = """{"type":"record","name":"OrderAudited","namespace":"KafkaTyped.IntegrationTests.Messaging","fields":[{"name":"orderId","type":"string"},{"name":"sequence","type":"int"},{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":29,"scale":14}},{"name":"at","type":{"type":"long","logicalType":"timestamp-micros"}}]}""";
        var olderId = await registry.RegisterAsync(subject, Older, Ct);

        // A schema the type cannot read: its required orderId is missing and has no default.
        var unresolvableId = await registry.RegisterAsync(subject, """{"type":"record","name":"OrderAudited","fields":[{"name":"sequence","type":"long"}]}""", Ct);

        async Task<long> Raw(int schemaId, byte[] body)
        {
            var value = new byte[5 + body.Length];
            BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(1), schemaId);
            body.CopyTo(value, 5);
            Headers headers = new() { { "ce_type", "it.order-audited"u8.ToArray() }, { "content-type", "application/avro"u8.ToArray() } };
            return (await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "order-1"u8.ToArray(), Value = value, Headers = headers }, Ct)).Offset.Value;
        }

        // The older body, by hand: the fields the newer type shares (the same encoding for an int as for a long), without the note.
        var at = new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);
        await publisher.PublishAsync(new OrderAudited("order-1", 0, 1m, at, "current"), topic, cancellationToken: Ct);
        var olderBody = KafkaSerializer.Serialize(new OrderAudited("order-1", 1, 2.5m, at, null), MessageFormat.Avro)[..^1];
        await Raw(olderId, olderBody);
        var deadLettered = await Raw(unresolvableId, [0x04]);
        await publisher.PublishAsync(new OrderAudited("order-1", 2, 3m, at, "after"), topic, cancellationToken: Ct);

        using var offsets = new GroupOffsets(cluster, group);
        var end = offsets.End(topic, 0);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= 3, Deadline, "the 3 readable records to be handled", Ct);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == end, Deadline, $"the committed offset to reach the end of the partition ({end})", Ct);
        Assert.Equal([(0L, "current"), (1L, null), (2L, "after")], recorder.Snapshot().Select(h => (h.Sequence, h.Detail)));

        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var record = Assert.Single(await deadLetters.ReadAsync(1, Deadline, Ct));
        Assert.Equal(deadLettered.ToString(System.Globalization.CultureInfo.InvariantCulture), DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.OriginalOffset));
        Assert.Equal("invalid-payload", DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.Reason));
        Assert.Contains("the reader's field 'orderId' of record KafkaTyped.IntegrationTests.Messaging.OrderAudited has no default", DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.ExceptionMessage));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_published_Avro_record_carries_magic_zero_its_schema_id_and_the_avro_content_type()
    {
        var topic = ClusterFixture.NewTopicName("avro-raw");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        var registry = new InMemorySchemaRegistry();
        await registry.RegisterAsync("other-value", """{"type":"string"}""", Ct);
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), _ => { }, kafka: k => k.AddSchemaRegistry(registry));
        var message = new OrderAudited("order-1", 3, 12.5m, DateTimeOffset.UnixEpoch, "gift");
        await host.Services.GetRequiredService<IMessagePublisher>().PublishAsync(message, topic, cancellationToken: Ct);

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(cluster.ConsumerConfig(ClusterFixture.NewGroupId("avro-raw"))).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        ConsumeResult<byte[]?, byte[]?>? record = null;
        await Wait.UntilAsync(() => (record = consumer.Consume(TimeSpan.FromMilliseconds(100))) is not null, Deadline, "the published record", Ct);

        var value = record!.Message.Value!;
        Assert.Equal(0, value[0]);
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(1)));
        Assert.Equal(KafkaSerializer.Serialize(message, MessageFormat.Avro), value[5..]);
        Assert.Equal("application/avro", DeadLetterTopic.Text(record.Message.Headers, "content-type"));
        Assert.Equal("order-1", Encoding.UTF8.GetString(record.Message.Key!));
        Assert.Equal(message, KafkaSerializer.DeserializeMessage<OrderAudited>(value, MessageFormat.Avro));
    }
}
