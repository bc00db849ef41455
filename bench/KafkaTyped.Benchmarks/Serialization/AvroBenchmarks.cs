using System.Buffers;
using System.Numerics;
using Avro;
using Avro.Generic;
using Avro.IO;
using Avro.Specific;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Benchmarks.Serialization;

/// <summary>
/// Avro on the benchmark message: the generated encoder and decoder against Apache.Avro 1.12's
/// <see cref="GenericDatumWriter{T}"/> / <see cref="GenericDatumReader{T}"/> (the datum a <see cref="GenericRecord"/> built
/// once in setup, so the conversion from <see cref="OrderPlaced"/> is not counted: Apache's best case) and its
/// <see cref="SpecificDatumWriter{T}"/> / <see cref="SpecificDatumReader{T}"/> over hand-written
/// <see cref="ISpecificRecord"/> twins (what <c>avrogen</c> emits). All write the same schema, the generated one, and
/// the same bytes; writers write into one reused buffer.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AvroBenchmarks
{
    private const int SchemaId = 100_001;

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly MemoryStream _stream = new(4096);
    private OrderPlaced _message = null!;
    private byte[] _body = null!;
    private RecordSchema _schema = null!;
    private GenericRecord _generic = null!;
    private GenericDatumWriter<GenericRecord> _genericWriter = null!;
    private GenericDatumReader<GenericRecord> _genericReader = null!;
    private AvroSpecific.OrderPlaced _specific = null!;
    private SpecificDatumWriter<AvroSpecific.OrderPlaced> _specificWriter = null!;
    private SpecificDatumReader<AvroSpecific.OrderPlaced> _specificReader = null!;
    private BinaryEncoder _encoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _message = SampleOrders.Create(42);
        var schemaJson = KafkaSerializer.AvroSchema<OrderPlaced>();
        _schema = (RecordSchema)Schema.Parse(schemaJson);
        _body = KafkaSerializer.Serialize(_message, MessageFormat.Avro);
        _generic = ToGeneric(_schema, _message);
        _genericWriter = new GenericDatumWriter<GenericRecord>(_schema);
        _genericReader = new GenericDatumReader<GenericRecord>(_schema, _schema);
        _encoder = new BinaryEncoder(_stream);

        // The specific twins live in a namespace of their own, which Apache.Avro finds them by; names do not reach the bytes.
        var specificSchema = Schema.Parse(schemaJson.Replace("\"KafkaTyped.Benchmarks.Messages\"", "\"KafkaTyped.Benchmarks.Serialization.AvroSpecific\"", StringComparison.Ordinal));
        AvroSpecific.OrderPlaced.SchemaOf = specificSchema;
        AvroSpecific.OrderLine.SchemaOf = ((ArraySchema)((RecordSchema)specificSchema)["lines"].Schema).ItemSchema;
        _specific = AvroSpecific.OrderPlaced.From(_message, _generic);
        _specificWriter = new SpecificDatumWriter<AvroSpecific.OrderPlaced>(specificSchema);
        _specificReader = new SpecificDatumReader<AvroSpecific.OrderPlaced>(specificSchema, specificSchema);

        // Every side must write the same bytes and read them back, or the comparison means nothing.
        Serialize_Generic();
        var generic = _stream.ToArray();
        Serialize_Specific();
        var specific = _stream.ToArray();
        Serialize_Generated();
        if (!generic.AsSpan().SequenceEqual(_body) || !specific.AsSpan().SequenceEqual(_body) || !_buffer.WrittenSpan[5..].SequenceEqual(_body))
        {
            throw new InvalidOperationException("Apache.Avro writes other bytes than the generated encoder.");
        }

        var read = Deserialize_Generated();
        if (read.Total != _message.Total || !read.Lines.SequenceEqual(_message.Lines) || (string)Deserialize_Generic()["customerName"] != _message.CustomerName
            || Deserialize_Specific().Lines.Count != _message.Lines.Count)
        {
            throw new InvalidOperationException("Round trip mismatch.");
        }

        Console.WriteLine($"// Avro body {_body.Length} B (framed {_body.Length + 5} B); schema {schemaJson.Length} chars");
    }

    [BenchmarkCategory("Serialize"), Benchmark(Baseline = true, Description = "Generated Avro, framed (KafkaSerializer.SerializeAvro, as the publisher)")]
    public int Serialize_Generated()
    {
        _buffer.ResetWrittenCount();
        KafkaSerializer.SerializeAvro(_message, _buffer, SchemaId);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "Generated Avro, body (KafkaSerializer.Serialize(value, IBufferWriter, Avro))")]
    public int Serialize_GeneratedBody()
    {
        _buffer.ResetWrittenCount();
        KafkaSerializer.Serialize(_message, _buffer, MessageFormat.Avro);
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "Apache.Avro GenericDatumWriter (prebuilt GenericRecord)")]
    public int Serialize_Generic()
    {
        _stream.SetLength(0);
        _genericWriter.Write(_generic, _encoder);
        return (int)_stream.Length;
    }

    [BenchmarkCategory("Serialize"), Benchmark(Description = "Apache.Avro SpecificDatumWriter (ISpecificRecord twin)")]
    public int Serialize_Specific()
    {
        _stream.SetLength(0);
        _specificWriter.Write(_specific, _encoder);
        return (int)_stream.Length;
    }

    // Where the generated encoder's time goes: the message's members of each kind written with the same AvroWriter calls
    // the generated code makes (four decimals at the default precision 29 and scale 14, eight strings, the Guid).
    [BenchmarkCategory("Serialize parts"), Benchmark(Baseline = true, Description = "Parts: the 4 decimals (WriteDecimal, 29/14)")]
    public int Parts_Decimals()
    {
        _buffer.ResetWrittenCount();
        var writer = new AvroWriter(_buffer);
        writer.WriteDecimal(_message.Total, 29, 14);
        foreach (var line in _message.Lines)
        {
            writer.WriteDecimal(line.UnitPrice, 29, 14);
        }

        writer.Flush();
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize parts"), Benchmark(Description = "Parts: the 4 decimals at scale 2 (no rescaling: the values have 2 places)")]
    public int Parts_DecimalsScale2()
    {
        _buffer.ResetWrittenCount();
        var writer = new AvroWriter(_buffer);
        writer.WriteDecimal(_message.Total, 29, 2);
        foreach (var line in _message.Lines)
        {
            writer.WriteDecimal(line.UnitPrice, 29, 2);
        }

        writer.Flush();
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize parts"), Benchmark(Description = "Parts: the 8 strings (WriteString)")]
    public int Parts_Strings()
    {
        _buffer.ResetWrittenCount();
        var writer = new AvroWriter(_buffer);
        writer.WriteString(_message.CustomerId);
        writer.WriteString(_message.CustomerName);
        writer.WriteString(_message.Email);
        writer.WriteString(_message.Currency);
        writer.WriteString(_message.ShippingAddress);
        foreach (var line in _message.Lines)
        {
            writer.WriteString(line.Sku);
            writer.WriteString(line.Description);
        }

        writer.Flush();
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Serialize parts"), Benchmark(Description = "Parts: the Guid, the timestamp, the 6 ints and longs, the enum")]
    public int Parts_Rest()
    {
        _buffer.ResetWrittenCount();
        var writer = new AvroWriter(_buffer);
        writer.WriteUuid(_message.OrderId);
        writer.WriteTimestampMicros(_message.PlacedAt);
        writer.WriteInt((int)_message.Status);
        writer.WriteInt(_message.LineCount);
        writer.WriteLong(_message.Sequence);
        writer.WriteBlockCount(_message.Lines.Count);
        foreach (var line in _message.Lines)
        {
            writer.WriteInt(line.Quantity);
        }

        writer.WriteBlockCount(0);
        writer.Flush();
        return _buffer.WrittenCount;
    }

    [BenchmarkCategory("Deserialize"), Benchmark(Baseline = true, Description = "Generated Avro (KafkaSerializer.Deserialize(body, Avro), checked)")]
    public OrderPlaced Deserialize_Generated() => KafkaSerializer.Deserialize<OrderPlaced>(_body, MessageFormat.Avro);

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "Apache.Avro GenericDatumReader (to a GenericRecord)")]
    public GenericRecord Deserialize_Generic()
        => _genericReader.Read(null!, new BinaryDecoder(new MemoryStream(_body, writable: false)));

    [BenchmarkCategory("Deserialize"), Benchmark(Description = "Apache.Avro SpecificDatumReader (ISpecificRecord twin)")]
    public AvroSpecific.OrderPlaced Deserialize_Specific()
        => _specificReader.Read(null!, new BinaryDecoder(new MemoryStream(_body, writable: false)));

    /// <summary>The generic datum of the message, built by hand once (what an application using GenericRecord keeps).</summary>
    private static GenericRecord ToGeneric(RecordSchema schema, OrderPlaced message)
    {
        var decimalScale = Scale(schema["total"].Schema);
        var lineSchema = (RecordSchema)((ArraySchema)schema["lines"].Schema).ItemSchema;
        var record = new GenericRecord(schema);
        record.Add("orderId", message.OrderId);
        record.Add("customerId", message.CustomerId);
        record.Add("customerName", message.CustomerName);
        record.Add("email", message.Email);
        record.Add("total", ToAvroDecimal(message.Total, decimalScale));
        record.Add("currency", message.Currency);
        record.Add("placedAt", message.PlacedAt);
        record.Add("status", new GenericEnum((EnumSchema)schema["status"].Schema, message.Status.ToString()));
        record.Add("lineCount", message.LineCount);
        record.Add("sequence", message.Sequence);
        record.Add("shippingAddress", message.ShippingAddress);
        record.Add("lines", message.Lines.Select(line =>
        {
            var generic = new GenericRecord(lineSchema);
            generic.Add("sku", line.Sku);
            generic.Add("description", line.Description);
            generic.Add("quantity", line.Quantity);
            generic.Add("unitPrice", ToAvroDecimal(line.UnitPrice, decimalScale));
            return (object)generic;
        }).ToArray());
        return record;
    }

    internal static int Scale(Schema decimalSchema) => int.Parse(((LogicalSchema)decimalSchema).GetProperty("scale"), System.Globalization.CultureInfo.InvariantCulture);

    internal static AvroDecimal ToAvroDecimal(decimal value, int scale)
    {
        var bits = decimal.GetBits(value);
        var valueScale = (bits[3] >> 16) & 0xFF;
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var unscaled = scale >= valueScale ? mantissa * BigInteger.Pow(10, scale - valueScale) : mantissa / BigInteger.Pow(10, valueScale - scale);
        return new AvroDecimal(bits[3] < 0 ? -unscaled : unscaled, scale);
    }
}
