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
/// producer (as a buggy or hostile producer would) between valid messages on one partition; until dead-lettering lands
/// the interim policy of issue 3 applies: logged, counted and skipped, and the committed offset moves past them.
/// </summary>
public sealed class HostileInputTests(ClusterFixture cluster)
{
    private const int MissingType = 205;
    private const int UnknownType = 206;
    private const int InvalidPayload = 207;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hostile_records_between_valid_messages_are_logged_counted_and_skipped_and_the_partition_keeps_going()
    {
        var topic = ClusterFixture.NewTopicName("hostile");
        var group = ClusterFixture.NewGroupId("hostile");
        await cluster.CreateTopicAsync(topic, 1, Ct);
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
            var entries = logs.Entries.Where(e => e["Offset"] is long o && o == offset).ToList();
            var entry = Assert.Single(entries);
            Assert.True(expectedEvent == entry.EventId, $"{what} at offset {offset}: logged event {entry.EventId} ({entry.Message}), expected {expectedEvent}");
            Assert.Equal(topic, entry["Topic"]);
            if (entry.Exception is { } exception)
            {
                Assert.False(exception is OutOfMemoryException or InsufficientExecutionStackException or StackOverflowException, $"{what}: {exception}");
                TestContext.Current.SendDiagnosticMessage($"{what}: {exception.GetType().Name}: {exception.Message}");
            }
        }

        // Counted: every record (valid or not) is counted as consumed for this topic; the skip counter has no topic tag
        // and is process-wide, so it is checked as "at least".
        Assert.Equal(end, metrics.Sum("messaging.client.consumed.messages", "messaging.destination.name", topic));
        var skipped = metrics.Of("kafkatyped.consume.skipped");
        Assert.True(skipped.Where(m => Equals(m.Tags["reason"], "invalid_payload")).Sum(m => m.Value) >= expectedEvents.Values.Count(e => e.Event == InvalidPayload));
        Assert.True(skipped.Where(m => Equals(m.Tags["reason"], "missing_type")).Sum(m => m.Value) >= expectedEvents.Values.Count(e => e.Event == MissingType));
        Assert.True(skipped.Where(m => Equals(m.Tags["reason"], "unknown_type")).Sum(m => m.Value) >= expectedEvents.Values.Count(e => e.Event == UnknownType));

        await host.StopAsync(Ct);
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
