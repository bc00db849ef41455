using System.Diagnostics;
using Confluent.Kafka;
using CsCheck;
using KafkaTyped.CloudEvents;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static KafkaTyped.Tests.Consuming.MessageProcessorTests;

namespace KafkaTyped.Tests.Consuming;

/// <summary>
/// The bounded fuzzing run of the envelope readers (docs/reliability.md#fuzzing): headers, keys, timestamps and payloads
/// from any producer are read or skipped as poison, never thrown out of the consumer's per-record stages.
/// </summary>
public sealed class EnvelopePropertyTests
{
    private static readonly string[] Names =
    [
        CloudEventHeaders.SpecVersion, CloudEventHeaders.Id, CloudEventHeaders.Type, CloudEventHeaders.Source,
        CloudEventHeaders.Time, CloudEventHeaders.ContentType, CloudEventHeaders.TraceParent, CloudEventHeaders.TraceState, "x-other",
    ];

    private static readonly byte[][] KnownValues =
        [
            "order-placed"u8.ToArray(), "stock-counted"u8.ToArray(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray(),
            "application/json"u8.ToArray(), "application/vnd.kafkatyped.envelope+json"u8.ToArray(), "application/cloudevents+json"u8.ToArray(),
            "application/x-msgpack"u8.ToArray(), "Application/JSON; charset=utf-8"u8.ToArray(), "application/problem+json"u8.ToArray(),
        ];

    private static readonly Gen<byte[]?> Value = Gen.OneOf(
        Gen.Byte.Array[0, 64].Select(v => (byte[]?)v),
        Gen.Int[0, KnownValues.Length - 1].Select(i => (byte[]?)KnownValues[i]),
        Gen.Bool.Select(_ => (byte[]?)null));

    private static readonly Gen<(string Name, byte[]? Value)[]> HeaderLists =
        Gen.Select(Gen.Int[0, Names.Length - 1].Select(i => Names[i]), Value).Array[0, 8];

    private static Headers ToHeaders((string Name, byte[]? Value)[] list)
    {
        var headers = new Headers();
        foreach (var (name, value) in list)
        {
            headers.Add(name, value);
        }

        return headers;
    }

    [Fact]
    public void The_header_readers_answer_the_last_value_and_never_throw() => HeaderLists.Sample(
        list =>
        {
            var headers = ToHeaders(list);
            foreach (var name in Names)
            {
                var last = Array.FindLastIndex(list, h => h.Name == name);
                Assert.Equal(last >= 0, CloudEventHeaders.TryGetLast(headers, name, out var value));
                Assert.Equal(last >= 0 ? list[last].Value ?? [] : [], value);
            }

            _ = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id);
            _ = CloudEventHeaders.TryGetTraceContext(headers, out ActivityContext _);
        },
        iter: 5_000);

    [Fact]
    public void Finding_ce_type_allocates_nothing() => HeaderLists.Sample(
        list =>
        {
            var headers = ToHeaders(list);
            CloudEventHeaders.TryGetLast(headers, CloudEventHeaders.Type, out _);
            var before = GC.GetAllocatedBytesForCurrentThread();
            CloudEventHeaders.TryGetLast(headers, CloudEventHeaders.Type, out _);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        },
        iter: 2_000,
        threads: 1);

    [Fact]
    public void Any_record_timestamp_reads_as_a_time() => Gen.Long.Sample(
        milliseconds => Assert.InRange(
            RouteChain.ToDateTimeOffset(new Timestamp(milliseconds, TimestampType.CreateTime)), DateTimeOffset.MinValue, DateTimeOffset.MaxValue),
        iter: 10_000);

    [Fact]
    public async Task Any_record_is_handled_or_skipped_as_poison_never_thrown()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Calls>().AddSingleton<OrderPlacedHandler>().AddSingleton<StockCountedHandler>();
        var table = new HandRouteTable(new HandRoute<OrderPlaced, OrderPlacedHandler>(), new HandRoute<StockCounted, StockCountedHandler>());
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var registry = RouteRegistry.Create([table], new HandlerRegistrations(services), provider);
        var processor = new MessageProcessor(
            registry, provider, new ConsumerOptions { GroupId = "g", RetryInitialDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero }, NullLogger.Instance, TimeProvider.System, new RecordingDeadLetterSink());

        var valid = KafkaTyped.Serialization.KafkaSerializer.Serialize(new OrderPlaced(Guid.NewGuid(), "ada", 7));
        // MessagePack, and JSON in each of its three shapes (plain, typed envelope, structured mode), whole, truncated, or
        // with random bytes where the type id goes (found so: an escaped type that is not text).
        var json = KafkaTyped.Serialization.KafkaSerializer.Serialize(new OrderPlaced(Guid.NewGuid(), "ada", 7), KafkaTyped.MessageFormat.Json);
        byte[][] wholes =
        [
            valid, json, [.. "{\"type\":\"order-placed\",\"payload\":"u8, .. json, (byte)'}'],
            [.. "{\"specversion\":\"1.0\",\"type\":\"order-placed\",\"data\":"u8, .. json, (byte)'}'],
        ];
        var payloads = Gen.OneOf(
            Gen.Byte.Array[0, 64],
            Gen.Int[0, wholes.Length - 1].Select(i => wholes[i]),
            Gen.Select(Gen.Int[0, wholes.Length - 1], Gen.Double[0, 1], (i, cut) => wholes[i][..(int)(wholes[i].Length * cut)]),
            Gen.Select(Gen.Byte.Array[0, 12], Gen.Bool, (type, escaped) => (byte[])[.. "{\"type\":\""u8, .. escaped ? "\\\""u8 : [], .. type, .. "\",\"payload\":"u8, .. json, (byte)'}']));
        var records = Gen.Select(HeaderLists, payloads, Gen.Byte.Array[0, 16].Null(), Gen.Long, (headers, payload, key, timestamp) =>
        {
            var record = Records.At("orders", 0, 0, ToHeaders(headers), payload, key);
            record.Message.Timestamp = new Timestamp(timestamp, TimestampType.CreateTime);
            return record;
        });

        await records.SampleAsync(
            async record =>
            {
                var outcome = await processor.ProcessAsync(record, TestContext.Current.CancellationToken);
                Assert.True(Enum.IsDefined(outcome), $"outcome {outcome}");
            },
            iter: 3_000,
            threads: 1);
    }
}
