using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace KafkaTyped.Benchmarks.Serialization;

/// <summary>
/// Serialize and deserialize one representative <see cref="OrderPlaced"/> (12 members, 3 nested lines) with the
/// generated serializer and with the alternatives. Every serializer writes into the same reused
/// <see cref="ArrayBufferWriter{T}"/> (the pooled-buffer case: a producer serializes into a buffer it keeps), and reads
/// from a byte array it wrote itself in setup.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SerializerBenchmarks
{
    private static readonly MessagePackSerializerOptions s_standard = MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance);
    private static readonly MessagePackSerializerOptions s_contractless = MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance);

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _jsonWriter = null!;
    private OrderPlaced _message = null!;
    private AttributedOrder _attributed = null!;
    private PlainOrder _plain = null!;
    private byte[] _generatedBytes = null!;
    private byte[] _standardBytes = null!;
    private byte[] _contractlessBytes = null!;
    private byte[] _jsonBytes = null!;
    private byte[] _generatedJsonBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _message = SampleOrders.Create(42);
        _attributed = AttributedOrder.From(_message);
        _plain = PlainOrder.From(_message);
        _jsonWriter = new Utf8JsonWriter(_buffer);

        _generatedBytes = KafkaSerializer.Serialize(_message);
        _standardBytes = MessagePackSerializer.Serialize(_attributed, s_standard);
        _contractlessBytes = MessagePackSerializer.Serialize(_plain, s_contractless);
        _jsonBytes = JsonSerializer.SerializeToUtf8Bytes(_plain, BenchJsonContext.Default.PlainOrder);
        _generatedJsonBytes = KafkaSerializer.Serialize(_message, MessageFormat.Json);
        if (KafkaSerializer.Deserialize<OrderPlaced>(_generatedJsonBytes, MessageFormat.Json).Total != _message.Total)
        {
            throw new InvalidOperationException("JSON round trip mismatch.");
        }

        // The twins must carry the same data, or the comparison means nothing.
        if (!KafkaSerializer.Deserialize<OrderPlaced>(_generatedBytes).Lines.SequenceEqual(_message.Lines)
            || MessagePackSerializer.Deserialize<AttributedOrder>(_standardBytes, s_standard).Total != _message.Total)
        {
            throw new InvalidOperationException("Round trip mismatch.");
        }

        Console.WriteLine($"// Payload sizes: generated {_generatedBytes.Length} B, StandardResolver {_standardBytes.Length} B, contractless {_contractlessBytes.Length} B, System.Text.Json {_jsonBytes.Length} B, generated JSON {_generatedJsonBytes.Length} B");
    }

    [BenchmarkCategory("Serialize"), Benchmark(Baseline = true, Description = "Generated (KafkaTyped)")]
    public int Serialize_Generated()
    {
        _buffer.ResetWrittenCount();
        var writer = new MessagePackWriter(_buffer);
        MessageContract.Serialize(ref writer, _message);
        writer.Flush();
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "Generated via KafkaSerializer.Serialize(value, IBufferWriter)")]
    public int Serialize_GeneratedHelper()
    {
        _buffer.ResetWrittenCount();
        KafkaSerializer.Serialize(_message, _buffer);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "MessagePack StandardResolver ([MessagePackObject])")]
    public int Serialize_Standard()
    {
        _buffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(_buffer, _attributed, s_standard);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "MessagePack contractless")]
    public int Serialize_Contractless()
    {
        _buffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(_buffer, _plain, s_contractless);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "System.Text.Json source-generated")]
    public int Serialize_Json()
    {
        _buffer.ResetWrittenCount();
        _jsonWriter.Reset(_buffer);
        JsonSerializer.Serialize(_jsonWriter, _plain, BenchJsonContext.Default.PlainOrder);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "Generated JSON (KafkaTyped, Utf8JsonWriter)")]
    public int Serialize_GeneratedJson()
    {
        _buffer.ResetWrittenCount();
        KafkaSerializer.Serialize(_message, _buffer, MessageFormat.Json);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Deserialize"), Benchmark(Baseline = true, Description = "Generated (KafkaTyped)")]
    public OrderPlaced Deserialize_Generated()
    {
        var reader = new MessagePackReader(_generatedBytes);
        return MessageContract.Deserialize<OrderPlaced>(ref reader);
    }

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "Generated via KafkaSerializer.Deserialize (checked)")]
    public OrderPlaced Deserialize_GeneratedHelper() => KafkaSerializer.Deserialize<OrderPlaced>(_generatedBytes);

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "MessagePack StandardResolver ([MessagePackObject])")]
    public AttributedOrder Deserialize_Standard() => MessagePackSerializer.Deserialize<AttributedOrder>(_standardBytes, s_standard);

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "MessagePack contractless")]
    public PlainOrder Deserialize_Contractless() => MessagePackSerializer.Deserialize<PlainOrder>(_contractlessBytes, s_contractless);

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "System.Text.Json source-generated")]
    public PlainOrder? Deserialize_Json() => JsonSerializer.Deserialize(_jsonBytes, BenchJsonContext.Default.PlainOrder);

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "Generated JSON (KafkaTyped, Utf8JsonReader)")]
    public OrderPlaced Deserialize_GeneratedJson() => KafkaSerializer.Deserialize<OrderPlaced>(_generatedJsonBytes, MessageFormat.Json);
}
