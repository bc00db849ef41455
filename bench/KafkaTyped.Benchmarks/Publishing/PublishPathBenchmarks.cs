using System.Globalization;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Publishing;
using KafkaTyped.Serialization;
using KafkaTyped.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Benchmarks.Publishing;

/// <summary>
/// The per-message work of a publish before the record is handed to librdkafka (the <c>Produce</c> call itself is the
/// same in both): the publisher's <c>CreateRecord</c> (ce_id UUIDv7, CloudEvents headers, generated serializer into a
/// pooled buffer, key) against the record a careful hand-written producer builds with the same headers.
/// </summary>
[MemoryDiagnoser]
public class PublishPathBenchmarks
{
    private static readonly byte[] s_typeId = "bench.order-placed"u8.ToArray();
    private static readonly byte[] s_specVersion = "1.0"u8.ToArray();
    private static readonly byte[] s_source = "bench"u8.ToArray();
    private static readonly byte[] s_contentType = "application/x-msgpack"u8.ToArray();

    // One embedded cluster and one publisher for the process, never disposed: BenchmarkDotNet's in-process runs call
    // setup and cleanup once per benchmark. The producer connects to a real (embedded) broker: pointed at a closed port,
    // its connection-error callbacks crashed the in-process run now and then.
    private static readonly Lazy<EmbeddedKafkaCluster> s_cluster = new(() => new EmbeddedKafkaCluster());
    private static readonly Lazy<KafkaMessagePublisher> s_publisher = new(() =>
        new KafkaMessagePublisher(s_cluster.Value.Configure(new KafkaTypedOptions()), "bench", [], NullLogger.Instance, TimeProvider.System));

    private KafkaMessagePublisher _publisher = null!;
    private OrderPlaced _message = null!;

    [GlobalSetup]
    public void Setup()
    {
        _message = SampleOrders.Create(42);

        // The producer is never used to send: only its record building is measured.
        _publisher = s_publisher.Value;
    }

    [Benchmark(Baseline = true, Description = "Hand-written record: key, generated payload, CloudEvents headers")]
    public Message<byte[], byte[]> HandWritten()
    {
        var key = new byte[36];
        _message.OrderId.TryFormat(key, out _, "D");
        var id = new byte[36];
        Guid.CreateVersion7().TryFormat(id, out _, "D");
        Span<byte> time = stackalloc byte[40];
        DateTime.UtcNow.TryFormat(time, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        var headers = new Headers
        {
            { "ce_specversion", s_specVersion },
            { "ce_id", id },
            { "ce_type", s_typeId },
            { "ce_source", s_source },
            { "ce_time", time[..written].ToArray() },
            { "content-type", s_contentType },
        };
        return new Message<byte[], byte[]> { Key = key, Value = KafkaSerializer.Serialize(_message), Headers = headers };
    }

    [Benchmark(Description = "KafkaTyped: KafkaMessagePublisher.CreateRecord")]
    public Message<byte[], byte[]> KafkaTyped() => _publisher.CreateRecord(_message, null, null, out _);
}
