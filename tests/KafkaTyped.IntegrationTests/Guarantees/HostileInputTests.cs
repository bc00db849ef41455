using System.Text;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/architecture.md#guarantees: bad input never crashes the consumer nor blocks a partition. Records are written with a raw Confluent
/// producer (as a buggy or hostile producer would) between valid messages on one partition: a missing type and a payload
/// that does not decode are logged, counted and dead-lettered to &lt;topic&gt;.dlq with their reason; an unknown type is
/// skipped by default and dead-lettered when the group says so; the committed offset moves past them (docs/failures.md).
/// </summary>
public sealed class HostileInputTests(ClusterFixture cluster)
{
    private const int MissingType = 205;
    private const int UnknownType = 206;
    private const int InvalidPayload = 207;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hostile_records_between_valid_messages_are_logged_counted_and_dead_lettered_and_the_partition_keeps_going()
    {
        var topic = ClusterFixture.NewTopicName("hostile");
        var group = ClusterFixture.NewGroupId("hostile");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        var recorder = new HandlingRecorder();
        var logs = new LogCapture();
        using var metrics = new MetricCapture();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)), logs.AddTo);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();

        var valid = KafkaSerializer.Serialize(new OrderPlaced("order-1", 99, "customer"));
        byte[] Be32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        var hostile = new (string What, string? TypeId, byte[]? Value, int ExpectedEvent)[]
        {
            ("garbage (a never-used MessagePack byte)", MessageContract.TypeIdOf<OrderPlaced>(), [0xc1, 0x00, 0xff], InvalidPayload),
            ("truncated payload", MessageContract.TypeIdOf<OrderPlaced>(), valid[..(valid.Length / 2)], InvalidPayload),
            ("random bytes", MessageContract.TypeIdOf<OrderPlaced>(), [.. Enumerable.Range(0, 64).Select(i => (byte)((i * 73) + 11))], InvalidPayload),
            ("object header: array32 of 2^31 members", MessageContract.TypeIdOf<OrderPlaced>(), [0xdd, .. Be32(0x8000_0000), 0xa1, 0x61], InvalidPayload),
            ("object header: array32 of 2^32-1 members", MessageContract.TypeIdOf<OrderPlaced>(), [0xdd, .. Be32(0xffff_ffff)], InvalidPayload),
            ("string member: str32 of 2^31 bytes", MessageContract.TypeIdOf<OrderPlaced>(), [0x93, 0xdb, .. Be32(0x8000_0000), 0x61, 0x62], InvalidPayload),
            ("string member: str32 of 2^32-1 bytes", MessageContract.TypeIdOf<OrderPlaced>(), [0x93, 0xdb, .. Be32(0xffff_ffff), 0x61], InvalidPayload),
            ("list member: array32 of 2^31 elements", MessageContract.TypeIdOf<OrderLines>(), [0x93, 0xa1, 0x61, 0x01, 0xdd, .. Be32(0x8000_0000), 0xa1, 0x61], InvalidPayload),
            ("binary where a string is expected: bin32 of 2^31 bytes", MessageContract.TypeIdOf<OrderPlaced>(), [0x93, 0xc6, .. Be32(0x8000_0000)], InvalidPayload),
            ("a trailing member nested 100000 arrays deep", MessageContract.TypeIdOf<OrderPlaced>(), [0x94, .. valid[1..], .. Enumerable.Repeat((byte)0x91, 100_000), 0xc0], InvalidPayload),
            ("no ce_type header", null, valid, MissingType),
            ("unknown type id", "it.no-such-type", valid, UnknownType),
            ("type id of invalid UTF-8", "\uFFFF", valid, UnknownType),
            ("empty value", MessageContract.TypeIdOf<OrderPlaced>(), [], InvalidPayload),
            ("null value", MessageContract.TypeIdOf<OrderPlaced>(), null, InvalidPayload),
            ("null value and no headers", null, null, MissingType),
        };

        // valid 0, hostile 0, valid 1, hostile 1, ..., valid N: every hostile record sits between two valid messages.
        var expectedEvents = new Dictionary<long, (string What, int Event)>();
        var sent = new Dictionary<long, (byte[]? Value, Headers Headers)>();
        for (var i = 0; i < hostile.Length; i++)
        {
            await publisher.PublishAsync(new OrderPlaced("order-1", i, "customer"), topic, cancellationToken: Ct);
            var (what, typeId, value, expectedEvent) = hostile[i];
            var headers = new Headers();
            if (typeId == "\uFFFF")
            {
                headers.Add("ce_type", [0xff, 0xfe, 0xc3]);
            }
            else if (typeId is not null)
            {
                headers.Add("ce_type", Encoding.UTF8.GetBytes(typeId));
            }

            var delivered = await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "order-1"u8.ToArray(), Value = value, Headers = headers }, Ct);
            expectedEvents.Add(delivered.Offset.Value, (what, expectedEvent));
            sent.Add(delivered.Offset.Value, (value, headers));
        }

        await publisher.PublishAsync(new OrderPlaced("order-1", hostile.Length, "customer"), topic, cancellationToken: Ct);
        var validCount = hostile.Length + 1;

        using var offsets = new GroupOffsets(cluster, group);
        var end = offsets.End(topic, 0);
        Assert.Equal(validCount + hostile.Length, end);

        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= validCount, Deadline, $"the {validCount} valid messages to be handled", Ct);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == end, Deadline, $"the committed offset to reach the end of the partition ({end})", Ct);

        // Every valid message, in order, once; the consumer is still running (the last one came after every hostile record).
        Assert.Equal(Enumerable.Range(0, validCount).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
        Assert.DoesNotContain(logs.Entries, e => e.EventId is 212 or 217); // consumer fatal, lane failed

        // Each hostile record logged once, with its reason and offset, and none of them made the reader allocate without bound.
        foreach (var (offset, (what, expectedEvent)) in expectedEvents)
        {
            var entries = logs.Entries.Where(e => e["Offset"] is long o && o == offset && e.EventId is MissingType or UnknownType or InvalidPayload).ToList();
            var entry = Assert.Single(entries);
            Assert.True(expectedEvent == entry.EventId, $"{what} at offset {offset}: logged event {entry.EventId} ({entry.Message}), expected {expectedEvent}");
            Assert.Equal(topic, entry["Topic"]);
            if (entry.Exception is { } exception)
            {
                Assert.False(exception is OutOfMemoryException or InsufficientExecutionStackException or StackOverflowException, $"{what}: {exception}");
                TestContext.Current.SendDiagnosticMessage($"{what}: {exception.GetType().Name}: {exception.Message}");
            }
        }

        // Counted: every record (valid or not) is counted as consumed for this topic, and each hostile one is skipped
        // once by this group, with its reason.
        Assert.Equal(end, metrics.Sum("messaging.client.consumed.messages", "messaging.destination.name", topic));
        var skipped = metrics.Of("kafkatyped.consume.skipped").Where(m => Equals(m.Tags["messaging.consumer.group.name"], group)).ToList();
        Assert.Equal(expectedEvents.Values.Count(e => e.Event == InvalidPayload), skipped.Where(m => Equals(m.Tags["reason"], "invalid_payload")).Sum(m => m.Value));
        Assert.Equal(expectedEvents.Values.Count(e => e.Event == MissingType), skipped.Where(m => Equals(m.Tags["reason"], "missing_type")).Sum(m => m.Value));
        Assert.Equal(expectedEvents.Values.Count(e => e.Event == UnknownType), skipped.Where(m => Equals(m.Tags["reason"], "unknown_type")).Sum(m => m.Value));

        // Dead-lettered: every record but the unknown types, once, with its reason, original key, value and headers.
        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var expectedDeadLetters = expectedEvents.Where(e => e.Value.Event != UnknownType).ToDictionary(e => e.Key, e => e.Value);
        var records = await deadLetters.ReadAsync(expectedDeadLetters.Count, Deadline, Ct);
        Assert.Equal(expectedDeadLetters.Count, records.Count);
        foreach (var record in records)
        {
            var offset = long.Parse(DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.OriginalOffset), System.Globalization.CultureInfo.InvariantCulture);
            var (what, expectedEvent) = expectedDeadLetters[offset];
            Assert.Equal(expectedEvent == MissingType ? "missing-type" : "invalid-payload", DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.Reason));
            Assert.Equal(topic, DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.OriginalTopic));
            Assert.Equal(group, DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.ConsumerGroup));
            Assert.Equal("0", DeadLetterTopic.Text(record.Message.Headers, DeadLetterHeaders.Attempts));
            Assert.Equal("order-1"u8.ToArray(), record.Message.Key);
            Assert.True((sent[offset].Value ?? []).AsSpan().SequenceEqual(record.Message.Value ?? []), $"{what}: the value is written unchanged");
            Assert.Equal(
                sent[offset].Headers.Select(h => (h.Key, Convert.ToHexString(h.GetValueBytes()))),
                record.Message.Headers.Where(h => !h.Key.StartsWith("kt-dlq-", StringComparison.Ordinal)).Select(h => (h.Key, Convert.ToHexString(h.GetValueBytes()))));
        }

        Assert.Equal(expectedDeadLetters.Keys.Order(), records.Select(r => long.Parse(DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.OriginalOffset), System.Globalization.CultureInfo.InvariantCulture)));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Unknown_types_and_oversized_values_are_dead_lettered_when_the_group_says_so_and_good_records_are_handled()
    {
        var topic = ClusterFixture.NewTopicName("hostile-unknown");
        var group = ClusterFixture.NewGroupId("hostile-unknown");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.DeadLetterUnknownTypes = true;
            consumer.MaxPayloadBytes = 1024;
            o.Consumers.Add(consumer);
        });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();
        var oversized = new byte[1025];
        KafkaSerializer.Serialize(new OrderPlaced("order-1", 0, "customer")).CopyTo(oversized, 0);

        await publisher.PublishAsync(new OrderPlaced("order-1", 0, "customer"), topic, cancellationToken: Ct);
        await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = [0x90], Headers = new Headers { { "ce_type", "it.no-such-type"u8.ToArray() } } }, Ct);
        await publisher.PublishAsync(new OrderPlaced("order-1", 1, "customer"), topic, cancellationToken: Ct);
        await raw.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = oversized, Headers = new Headers { { "ce_type", Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<OrderPlaced>()) } } }, Ct);
        await publisher.PublishAsync(new OrderPlaced("order-1", 2, "customer"), topic, cancellationToken: Ct);

        await host.StartAsync(Ct);
        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var records = await deadLetters.ReadAsync(2, Deadline, Ct);
        await Wait.UntilAsync(() => recorder.Count >= 3, Deadline, "the good records to be handled", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 5, Deadline, "the committed offset to reach the end (5)", Ct);
        await host.StopAsync(Ct);

        Assert.Equal([0L, 1, 2], recorder.Snapshot().Select(h => h.Sequence));
        Assert.Equal(["unknown-type", "payload-too-large"], records.Select(r => DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.Reason)));
        Assert.Equal(["1", "3"], records.Select(r => DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.OriginalOffset)));
        Assert.Equal(oversized, records[1].Message.Value);
    }

    [Fact]
    public async Task A_record_with_a_timestamp_outside_the_range_of_DateTime_is_handled_and_does_not_stop_its_partition()
    {
        // Kafka takes any 64-bit CreateTime from a producer; .NET's DateTime ends at year 9999.
        var topic = ClusterFixture.NewTopicName("hostile-timestamp");
        var group = ClusterFixture.NewGroupId("hostile-timestamp");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        var recorder = new HandlingRecorder();
        var logs = new LogCapture();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)), logs.AddTo);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        using var raw = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build();

        await publisher.PublishAsync(new OrderPlaced("order-1", 0, "customer"), topic, cancellationToken: Ct);
        foreach (var (sequence, milliseconds) in new[] { (1L, 253_402_300_800_000L), (2L, long.MaxValue), (3L, -62_135_596_800_001L) })
        {
            await raw.ProduceAsync(
                topic,
                new Message<byte[]?, byte[]?>
                {
                    Key = "order-1"u8.ToArray(),
                    Value = KafkaSerializer.Serialize(new OrderPlaced("order-1", sequence, "customer")),
                    Headers = new Headers { { "ce_type", Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<OrderPlaced>()) } },
                    Timestamp = new Timestamp(milliseconds, TimestampType.CreateTime),
                },
                Ct);
        }

        await publisher.PublishAsync(new OrderPlaced("order-1", 4, "customer"), topic, cancellationToken: Ct);

        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= 5 || logs.WithEventId(217).Count > 0, Deadline, "the messages to be handled", Ct);
        Assert.Empty(logs.WithEventId(217).Select(e => e.Exception?.ToString())); // the lane must not fail
        Assert.Equal([0L, 1, 2, 3, 4], recorder.Snapshot().Select(h => h.Sequence));
        await host.StopAsync(Ct);
    }
}
