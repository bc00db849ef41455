using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.SchemaRegistry;
using KafkaTyped.Serialization;

namespace KafkaTyped.Benchmarks.Serialization;

/// <summary>
/// Reading one framed Avro <see cref="OrderPlaced"/> (12 members, 3 nested lines) written with the type's own schema
/// against one written with another schema that resolves to it: the cost of schema resolution per value (the plan is
/// built in setup, as the first value of a schema id builds it).
/// </summary>
[MemoryDiagnoser]
public class AvroResolutionBenchmarks
{
    private byte[] _own = null!;
    private byte[] _sameSchemaOtherText = null!;
    private byte[] _fieldAdded = null!;
    private byte[] _reordered = null!;

    [GlobalSetup]
    public void Setup()
    {
        var message = SampleOrders.Create(42);
        var own = KafkaSerializer.AvroSchema<OrderPlaced>();
        var body = KafkaSerializer.Serialize(message, MessageFormat.Avro);
        _own = Framed(1_000_001, own, body);

        // The same schema with its attributes reordered: another text, the same encoding.
        var node = JsonNode.Parse(own)!.AsObject();
        var reordered = new JsonObject { ["fields"] = node["fields"]!.DeepClone(), ["name"] = node["name"]!.DeepClone(), ["namespace"] = node["namespace"]!.DeepClone(), ["type"] = "record" };
        _sameSchemaOtherText = Framed(1_000_002, reordered.ToJsonString(), body);

        // A newer writer: a field the reader lacks after the others (skipped), the sequence written as an int (promoted).
        var added = JsonNode.Parse(own)!.AsObject();
        added["fields"]!.AsArray().Add(new JsonObject { ["name"] = "channel", ["type"] = "string", ["default"] = "web" });
        var writer = added.ToJsonString();
        _fieldAdded = Framed(1_000_003, writer.Replace("""{"name":"sequence","type":"long"}""", """{"name":"sequence","type":"int"}""", StringComparison.Ordinal), Transcode(own, writer, body));

        // Another service's schema: the fields in reverse order, each line with a field the reader lacks.
        var reversed = JsonNode.Parse(own)!.AsObject();
        var fields = reversed["fields"]!.AsArray().Select(f => f!.DeepClone()).Reverse().ToArray();
        var lineRecord = fields.Select(f => f["type"]).OfType<JsonObject>().Single(t => t["type"]?.GetValue<string>() == "array")["items"]!.AsObject();
        lineRecord["fields"]!.AsArray().Add(new JsonObject { ["name"] = "warehouse", ["type"] = "string", ["default"] = "north" });
        reversed["fields"] = new JsonArray(fields);
        _reordered = Framed(1_000_004, reversed.ToJsonString(), Transcode(own, reversed.ToJsonString(), body));

        foreach (var framed in new[] { _own, _sameSchemaOtherText, _fieldAdded, _reordered })
        {
            if (KafkaSerializer.ReadFramedAvro<OrderPlaced>(framed, schemaIdHeader: null) is not { Sequence: 42 } read || !read.Lines.SequenceEqual(message.Lines))
            {
                throw new InvalidOperationException("Resolution mismatch.");
            }
        }

        Console.WriteLine($"// Body sizes: own {_own.Length - 5} B, field added {_fieldAdded.Length - 5} B, reordered {_reordered.Length - 5} B");
    }

    /// <summary>
    /// The read of a value of the type's own schema as it was before resolution existed (KafkaSerializer.ReadFramedAvro
    /// then): read the framing, look the writer schema up, compare it with the type's, read the body.
    /// </summary>
    [Benchmark(Baseline = true, Description = "Own schema, the read before resolution")]
    public OrderPlaced OwnSchemaBeforeResolution()
    {
        ReadOnlySpan<byte> value = _own;
        if (!AvroFraming.TryRead(value, null, out var id, out var bodyOffset, out _) || !AvroWriterSchemas.TryGet(id, out var schema))
        {
            throw new InvalidOperationException();
        }

        return string.Equals(schema, KafkaSerializer.AvroSchema<OrderPlaced>(), StringComparison.Ordinal)
            ? KafkaSerializer.ReadAvro<OrderPlaced>(value[bodyOffset..])
            : throw new InvalidOperationException();
    }

    [Benchmark(Description = "Own schema")]
    public OrderPlaced OwnSchema() => KafkaSerializer.ReadFramedAvro<OrderPlaced>(_own, schemaIdHeader: null);

    [Benchmark(Description = "Same schema, other text (plan: read as it is)")]
    public OrderPlaced SameSchemaOtherText() => KafkaSerializer.ReadFramedAvro<OrderPlaced>(_sameSchemaOtherText, schemaIdHeader: null);

    [Benchmark(Description = "Resolved: field added at the end, int to long")]
    public OrderPlaced FieldAdded() => KafkaSerializer.ReadFramedAvro<OrderPlaced>(_fieldAdded, schemaIdHeader: null);

    [Benchmark(Description = "Resolved: fields reversed, a field added to each line")]
    public OrderPlaced Reordered() => KafkaSerializer.ReadFramedAvro<OrderPlaced>(_reordered, schemaIdHeader: null);

    private static byte[] Framed(int id, string schema, byte[] body)
    {
        AvroWriterSchemas.Add(SchemaId.FromId(id), schema);
        var framed = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), id);
        body.CopyTo(framed, 5);
        return framed;
    }

    // The body as the other schema's writer would write it: the reader's body resolved the other way (the added fields
    // take their defaults).
    private static byte[] Transcode(string from, string to, byte[] body)
    {
        var output = new ArrayBufferWriter<byte>();
        AvroTranscoder.Run(AvroResolver.Build(AvroSchemaParser.Parse(from), AvroSchemaParser.Parse(to)), body, output, "writer");
        return output.WrittenSpan.ToArray();
    }
}
