using System.Buffers;
using System.Collections;
using System.Collections.Immutable;
using System.Numerics;
using System.Reflection;
using Avro;
using Avro.Generic;
using Avro.IO;
using CsCheck;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// The generated Avro serializers: round trips over every supported member type, Apache.Avro (GenericRecord with the
/// emitted schema) as the reference both ways and byte for byte, the emitted schemas, values Avro cannot carry, and
/// hostile bodies.
/// </summary>
public sealed class AvroTests
{
    // What Avro carries of each member: timestamps and times to the microsecond (and a DateTimeOffset as its instant),
    // decimals at the default precision 29 and scale 14, unsigned values up to long.MaxValue, enums by named members.
    internal static readonly Gen<Everything> AvroEverything = RoundTripTests.EverythingGen.Select(e => e with
    {
        UInt64 = e.UInt64 & long.MaxValue,
        NUInt = (nuint)((ulong)e.NUInt & long.MaxValue),
        DateTime = Micros(e.DateTime),
        NullableDateTime = e.NullableDateTime is { } d ? Micros(d) : null,
        DateTimeOffset = new DateTimeOffset(e.DateTimeOffset.UtcTicks - (e.DateTimeOffset.UtcTicks % 10), TimeSpan.Zero),
        TimeOnly = new TimeOnly(e.TimeOnly.Ticks - (e.TimeOnly.Ticks % 10)),
        Decimal = Dec(e.Decimal),
        NullableDecimal = e.NullableDecimal is { } m ? Dec(m) : null,
        Priority = Named(e.Priority),
        NullablePriority = e.NullablePriority is { } p ? Named(p) : null,
        Balance = ((long)e.Balance & 1) == 0 ? Balance.Zero : Balance.Negative,
        Item = Item(e.Item),
        OptionalItem = e.OptionalItem is null ? null : Item(e.OptionalItem),
        Money = e.Money with { Amount = Dec(e.Money.Amount) },
        OptionalMoney = e.OptionalMoney is { } money ? money with { Amount = Dec(money.Amount) } : null,
        Nested = [.. e.Nested.Select(map => map.ToDictionary(kv => kv.Key, kv => kv.Value is null ? null : Item(kv.Value)))],
    });

    [Fact]
    public void EverythingRoundTripsInAvro() => AvroEverything.Sample(
        value => AssertEquivalent(value, KafkaSerializer.Deserialize<Everything>(KafkaSerializer.Serialize(value, MessageFormat.Avro), MessageFormat.Avro)),
        iter: 1_000);

    [Fact]
    public void ApacheAvroWritesTheSameBytesAndEachReadsTheOthers()
    {
        var schema = Schema.Parse(KafkaSerializer.AvroSchema<Everything>());
        AvroEverything.Sample(
            value =>
            {
                var ours = KafkaSerializer.Serialize(value, MessageFormat.Avro);

                // The reference writes the same datum, built independently from the value, to the same bytes...
                var theirs = ApacheWrite(schema, ToGeneric(schema, value));
                Assert.Equal(ours, theirs);

                // ...reads ours and writes back what it read to the same bytes, and we read its bytes back to the value.
                Assert.Equal(ours, ApacheWrite(schema, ApacheRead(schema, ours)));
                AssertEquivalent(value, KafkaSerializer.Deserialize<Everything>(theirs, MessageFormat.Avro));
            },
            iter: 500);
    }

    [Fact]
    public void SerializingAvroIntoAPooledBufferDoesNotAllocate()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        AvroEverything.Sample(
            value =>
            {
                buffer.ResetWrittenCount();
                KafkaSerializer.Serialize(value, buffer, MessageFormat.Avro);
                buffer.ResetWrittenCount();
                var before = GC.GetAllocatedBytesForCurrentThread();
                KafkaSerializer.Serialize(value, buffer, MessageFormat.Avro);
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            },
            iter: 200,
            threads: 1);
    }

    [Fact]
    public void The_schema_is_a_record_of_the_members_with_logical_types_and_nested_named_types_defined_once()
    {
        Assert.Equal(
            """{"type":"record","name":"PaymentTaken","namespace":"KafkaTyped.Generators.Tests.Messages","fields":[{"name":"paymentId","type":{"type":"string","logicalType":"uuid"}},{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},{"name":"priority","type":{"type":"enum","name":"Priority","namespace":"KafkaTyped.Generators.Tests.Messages","symbols":["Low","High"]}},{"name":"line","type":["null",{"type":"record","name":"LineItem","namespace":"KafkaTyped.Generators.Tests.Messages","fields":[{"name":"sku","type":"string"},{"name":"quantity","type":"int"},{"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":29,"scale":14}}]}],"default":null},{"name":"lines","type":{"type":"array","items":"KafkaTyped.Generators.Tests.Messages.LineItem"}},{"name":"note","type":["null","string"],"default":null}]}""",
            KafkaSerializer.AvroSchema<PaymentTaken>());

        // Every schema is one Apache.Avro parses, and names what it is.
        foreach (var schema in new[] { KafkaSerializer.AvroSchema<Everything>(), KafkaSerializer.AvroSchema<PaymentTaken>(), KafkaSerializer.AvroSchema<TreeNode>(), KafkaSerializer.AvroSchema<LineItem>() })
        {
            Assert.Equal(Schema.Type.Record, Schema.Parse(schema).Tag);
        }

        var everything = (RecordSchema)Schema.Parse(KafkaSerializer.AvroSchema<Everything>());
        Assert.Equal("KafkaTyped.Generators.Tests.Messages.Everything", everything.Fullname);
        Assert.Equal(["bool", "byte", "sByte", "int16"], everything.Fields.Take(4).Select(f => f.Name));
        Assert.Equal("""{"type":"record","name":"TreeNode","namespace":"KafkaTyped.Generators.Tests.Messages","fields":[{"name":"name","type":"string"},{"name":"children","type":{"type":"array","items":"KafkaTyped.Generators.Tests.Messages.TreeNode"}}]}""", KafkaSerializer.AvroSchema<TreeNode>());
        Assert.Equal(MessageFormat.Avro, FormatOf<PaymentTaken>());
    }

    [Fact]
    public void A_declared_decimal_scale_is_written_and_read()
    {
        var payment = new PaymentTaken(Guid.NewGuid(), 12.5m, Priority.High) { Lines = [new LineItem("a", 1, 0.25m)] };
        var bytes = KafkaSerializer.Serialize(payment, MessageFormat.Avro);
        var schema = Schema.Parse(KafkaSerializer.AvroSchema<PaymentTaken>());
        var record = (GenericRecord)ApacheRead(schema, bytes);
        Assert.Equal(new AvroDecimal(new BigInteger(1250), 2), (AvroDecimal)record["amount"]);
        Assert.Equal("High", ((GenericEnum)record["priority"]).Value);
        var copy = KafkaSerializer.Deserialize<PaymentTaken>(bytes, MessageFormat.Avro);
        Assert.Equal((payment.PaymentId, 12.5m, Priority.High, 0.25m), (copy.PaymentId, copy.Amount, copy.Priority, copy.Lines[0].Price));

        // A value with more places than the scale, or more digits than the precision, is refused rather than rounded.
        Assert.Contains("more than the 2 decimal places", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Serialize(payment with { Amount = 1.125m }, MessageFormat.Avro)).Message);
        Assert.Contains("more than the 10 digits", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Serialize(payment with { Amount = 123_456_789m }, MessageFormat.Avro)).Message);
        Assert.Equal(1.1m, KafkaSerializer.Deserialize<PaymentTaken>(KafkaSerializer.Serialize(payment with { Amount = 1.1000m }, MessageFormat.Avro), MessageFormat.Avro).Amount);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("0.00000000000001")]   // unscaled 1
    [InlineData("-0.00000000000001")]  // -1: 0xFF
    [InlineData("0.00000000000127")]   // 127, the largest in one byte
    [InlineData("0.00000000000128")]   // 128: 0x00 0x80
    [InlineData("-0.00000000000128")]  // -128, the smallest in one byte
    [InlineData("-0.00000000000129")]  // -129: two bytes
    [InlineData("0.32767")]
    [InlineData("-0.32768")]
    [InlineData("79228162514264.33759354395033")]
    [InlineData("-79228162514264.33759354395033")]
    public void Decimals_at_the_edges_of_each_byte_count_are_written_as_Apache_Avro_writes_them(string text)
    {
        var value = new LineItem("a", 1, decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        var schema = Schema.Parse(KafkaSerializer.AvroSchema<LineItem>());
        var ours = KafkaSerializer.Serialize(value, MessageFormat.Avro);
        Assert.Equal(ApacheWrite(schema, ToGeneric(schema, value)), ours);
        Assert.Equal(value.Price, KafkaSerializer.Deserialize<LineItem>(ours, MessageFormat.Avro).Price);
    }

    [Theory]
    [InlineData(0, "a")]
    [InlineData(1, "a")]
    [InlineData(22, "a")]
    [InlineData(63, "a")]     // the longest with a 1-byte length
    [InlineData(64, "a")]     // a 2-byte length
    [InlineData(21, "é")]    // 2 bytes a character
    [InlineData(32, "é")]    // 32 characters (a 1-byte length) in 64 bytes (a 2-byte one): the bytes move up
    [InlineData(43, "€")]     // 3 bytes a character: 129 bytes, a 2-byte length
    [InlineData(30, "😀")]    // surrogate pairs: 4 bytes each
    [InlineData(4096, "ab€")] // the longest encoded in one pass
    [InlineData(4097, "ab€")] // counted first, then encoded
    public void Strings_of_every_length_and_width_are_written_as_Apache_Avro_writes_them(int repeat, string unit)
    {
        var text = string.Concat(Enumerable.Repeat(unit, repeat));
        var value = new LineItem(text, 3, 1.5m);
        var schema = Schema.Parse(KafkaSerializer.AvroSchema<LineItem>());
        var ours = KafkaSerializer.Serialize(value, MessageFormat.Avro);
        Assert.Equal(ApacheWrite(schema, ToGeneric(schema, value)), ours);
        Assert.Equal(value, KafkaSerializer.Deserialize<LineItem>(ours, MessageFormat.Avro));
    }

    [Fact]
    public void An_output_that_gives_no_more_than_it_is_asked_for_receives_the_same_bytes()
    {
        // The writer holds one span of the output and advances it only when the span is full or once done; an output that
        // hands out spans of exactly the size asked for makes it do so at every chunk boundary.
        var crossed = 0;
        AvroEverything.Sample(
            value =>
            {
                var expected = KafkaSerializer.Serialize(value, MessageFormat.Avro);
                var stingy = new StingyBufferWriter();
                KafkaSerializer.Serialize(value, stingy, MessageFormat.Avro);
                Assert.Equal(expected, stingy.Written.ToArray());
                if (stingy.Spans > 1)
                {
                    Interlocked.Increment(ref crossed);
                }

                var framed = new StingyBufferWriter();
                KafkaSerializer.SerializeAvro(value, framed, 7);
                Assert.Equal([0, 0, 0, 0, 7, .. expected], framed.Written.ToArray());
            },
            iter: 200);
        Assert.True(crossed > 0, "No value was longer than one span.");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5000)]
    public void A_string_with_a_lone_surrogate_is_refused_when_written(int length)
    {
        var text = new string('a', length) + "\uD800";
        var error = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Serialize(new LineItem(text, 3, 1.5m), MessageFormat.Avro));
        Assert.Contains("lone surrogate", error.Message);
    }

    [Fact]
    public void Values_Avro_cannot_carry_are_refused_when_written()
    {
        Assert.Contains("does not fit an Avro long", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Serialize(new Everything { UInt64 = ulong.MaxValue }, MessageFormat.Avro)).Message);
        var unnamed = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Serialize(new Everything { Priority = (Priority)7 }, MessageFormat.Avro));
        Assert.Contains("Priority holds 7, which no member of its enum names", unnamed.Message);
        var nullString = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Serialize(new Everything { Priority = Priority.Low, String = null! }, MessageFormat.Avro));
        Assert.Contains("String is null but is not nullable", nullString.Message);
    }

    public static TheoryData<string, byte[], string> HostileBodies => new()
    {
        // LineItem: sku (string), quantity (int), price (decimal bytes).
        { "empty", [], "ends inside a varint" },
        { "negative string length", [0x01], "negative length" },
        { "huge string length", [0xFE, 0xFF, 0xFF, 0xFF, 0x0F], "exceeds the 0 that remain" },
        { "truncated varint", [0x02, 0x61, 0x80, 0x80], "ends inside a varint" },
        { "varint longer than a long", [0x02, 0x61, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "does not fit a long" },
        { "int out of range", [0x02, 0x61, 0xFE, 0xFF, 0xFF, 0xFF, 0x1F, 0x00], "does not fit an int" },
        { "decimal of 17 bytes", [0x02, 0x61, 0x02, 0x22, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01], "does not fit a .NET decimal" },
        { "invalid UTF-8", [0x02, 0xFF, 0x02, 0x00], "not valid UTF-8" },
        { "trailing bytes", [0x02, 0x61, 0x02, 0x02, 0x01, 0x00], "1 bytes follow" },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public void Hostile_bodies_fail_with_a_clear_error(string name, byte[] body, string expected)
    {
        var error = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Deserialize<LineItem>(body, MessageFormat.Avro));
        Assert.Contains("Cannot deserialize KafkaTyped.Generators.Tests.Messages.LineItem", error.Message);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{name}: {error.Message}");
    }

    [Fact]
    public void Unknown_union_branches_enum_symbols_and_booleans_are_refused()
    {
        var payment = KafkaSerializer.Serialize(new PaymentTaken(Guid.Empty, 1m, Priority.Low), MessageFormat.Avro);

        // paymentId: 0x48 + 36 bytes; amount: 0x02 0x64; priority: 0x00; line: the union branch.
        var unknownBranch = payment.ToArray();
        unknownBranch[37 + 2 + 1] = 0x04;
        Assert.Contains("union branch 2 is not one of the two", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Deserialize<PaymentTaken>(unknownBranch, MessageFormat.Avro)).Message);

        var unknownSymbol = payment.ToArray();
        unknownSymbol[37 + 2] = 0x06;
        Assert.Contains("enum symbol 3 is not one of the 2 symbols", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Deserialize<PaymentTaken>(unknownSymbol, MessageFormat.Avro)).Message);

        var everything = KafkaSerializer.Serialize(new Everything { Priority = Priority.Low, Money = new Money { Currency = "" } }, MessageFormat.Avro);
        everything[0] = 0x02;
        Assert.Contains("is not a boolean", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Deserialize<Everything>(everything, MessageFormat.Avro)).Message);
    }

    [Fact]
    public void Huge_counts_and_lengths_are_refused_before_anything_is_allocated()
    {
        // TreeNode: name "", then an array block claiming 2^40 children (and, negative, a block with a huge byte size).
        byte[][] bodies =
        [
            [0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40],
            [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F],
            [0x00, 0x01, 0x02],
        ];
        foreach (var body in bodies)
        {
            KafkaSerializer.Deserialize<TreeNode>(KafkaSerializer.Serialize(new TreeNode(), MessageFormat.Avro), MessageFormat.Avro);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Deserialize<TreeNode>(body, MessageFormat.Avro));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024, error.Message);
            Assert.Contains("block", error.Message);
        }
    }

    [Fact]
    public void Records_nest_at_most_the_limit()
    {
        // n levels of TreeNode: each a name "" and one child, the innermost without children.
        static byte[] Nested(int levels) => [.. Enumerable.Repeat<byte[]>([0x00, 0x02], levels - 1).SelectMany(b => b), 0x00, 0x00, .. Enumerable.Repeat((byte)0x00, levels - 1)];

        Assert.Contains("deeper than 64 levels", Assert.Throws<AvroSerializationException>(() => KafkaSerializer.Deserialize<TreeNode>(Nested(AvroPrimitives.MaxDepth + 1), MessageFormat.Avro)).Message);
        var node = KafkaSerializer.Deserialize<TreeNode>(Nested(AvroPrimitives.MaxDepth), MessageFormat.Avro);
        Assert.Single(node.Children);
    }

    private static MessageFormat FormatOf<T>()
        where T : IKafkaMessage<T>
        => T.Format;

    internal static void AssertEquivalent(Everything expected, Everything actual) => RoundTripTests.AssertEquivalent(expected, actual);

    internal static byte[] ApacheWrite(Schema schema, object? datum)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<object?>(schema).Write(datum, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    internal static object ApacheRead(Schema writer, byte[] bytes, Schema? reader = null)
    {
        using var stream = new MemoryStream(bytes);
        var value = new GenericDatumReader<object>(writer, reader ?? writer).Read(null!, new BinaryDecoder(stream));
        Assert.Equal(bytes.Length, stream.Position);
        return value;
    }

    /// <summary>The reference's generic datum of a value, built by reflection from the schema (this is a test: the runtime never reflects).</summary>
    internal static object? ToGeneric(Schema schema, object? value)
    {
        switch (schema)
        {
            case UnionSchema union:
                if (value is null || value is ImmutableArray<double> { IsDefault: true })
                {
                    return null;
                }

                return ToGeneric(union.Schemas.First(s => s.Tag != Schema.Type.Null), value);
            case RecordSchema record:
                {
                    var generic = new GenericRecord(record);
                    foreach (var field in record.Fields)
                    {
                        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase;
                        var type = value!.GetType();
                        var member = type.GetProperty(field.Name, Flags) is { } property ? property.GetValue(value) : type.GetField(field.Name, Flags)!.GetValue(value);
                        generic.Add(field.Name, ToGeneric(field.Schema, member));
                    }

                    return generic;
                }

            case EnumSchema enumSchema:
                return new GenericEnum(enumSchema, value!.ToString());
            case ArraySchema array:
                return ((IEnumerable)value!).Cast<object?>().Select(item => ToGeneric(array.ItemSchema, item)).ToArray();
            case MapSchema map:
                {
                    var generic = new Dictionary<string, object?>();
                    foreach (DictionaryEntry entry in (IDictionary)value!)
                    {
                        generic.Add((string)entry.Key, ToGeneric(map.ValueSchema, entry.Value));
                    }

                    return generic;
                }

            case LogicalSchema logical:
                return logical.LogicalTypeName switch
                {
                    "uuid" => (Guid)value!,
                    "timestamp-micros" => value is DateTimeOffset offset ? offset.UtcDateTime : (DateTime)value!,
                    "date" => ((DateOnly)value!).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                    "time-micros" => ((TimeOnly)value!).ToTimeSpan(),
                    "decimal" => ToAvroDecimal((decimal)value!, int.Parse(logical.GetProperty("scale"), System.Globalization.CultureInfo.InvariantCulture)),
                    var other => throw new InvalidOperationException(other),
                };
            default:
                return schema.Tag switch
                {
                    Schema.Type.Int => value is char c ? c : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture),
                    Schema.Type.Long => value switch
                    {
                        TimeSpan span => span.Ticks,
                        nint n => (long)n,
                        nuint n => (long)n,
                        ulong n => (long)n,
                        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
                    },
                    _ => value,
                };
        }
    }

    private static AvroDecimal ToAvroDecimal(decimal value, int scale)
    {
        var bits = decimal.GetBits(value);
        var valueScale = (bits[3] >> 16) & 0xFF;
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var unscaled = scale >= valueScale ? mantissa * BigInteger.Pow(10, scale - valueScale) : mantissa / BigInteger.Pow(10, valueScale - scale);
        return new AvroDecimal(bits[3] < 0 ? -unscaled : unscaled, scale);
    }

    private static DateTime Micros(DateTime value) => new(value.Ticks - (value.Ticks % 10), DateTimeKind.Utc);

    private static decimal Dec(decimal value) => Math.Round(value % 1_000_000_000_000_000m, 14);

    private static Priority Named(Priority value) => ((byte)value & 1) == 0 ? Priority.Low : Priority.High;

    private static LineItem Item(LineItem item) => item with { Price = Dec(item.Price) };

    /// <summary>An output that gives spans of exactly the size asked for (at least one byte), each a new array, checking every Advance.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _span = [];

        public IReadOnlyList<byte> Written => _written;

        public int Spans { get; private set; }

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _span.Length);
            _written.AddRange(_span.AsSpan(0, count));
            _span = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Spans++;
            return _span = new byte[Math.Max(sizeHint, 1)];
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
