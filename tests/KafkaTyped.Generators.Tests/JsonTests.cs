using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsCheck;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// The generated JSON serializers: round trips over every supported member type, System.Text.Json (source-generated,
/// camelCase, enums as strings) as the reference reader and writer, old and new shapes both ways, and hostile JSON.
/// </summary>
public sealed class JsonTests
{
    // JSON has no NaN or infinities, and a lone surrogate is not text: the JSON generator keeps to what JSON can carry.
    private static readonly Gen<Everything> JsonEverything = RoundTripTests.EverythingGen.Select(e => e with
    {
        Single = float.IsFinite(e.Single) ? e.Single : 0f,
        Double = double.IsFinite(e.Double) ? e.Double : 0d,
        Doubles = e.Doubles.IsDefault ? e.Doubles : [.. e.Doubles.Select(d => double.IsFinite(d) ? d : 0d)],
        Char = char.IsSurrogate(e.Char) ? 'x' : e.Char,
    });

    [Fact]
    public void EverythingRoundTripsInJson() => JsonEverything.Sample(
        value => RoundTripTests.AssertEquivalent(value, KafkaSerializer.Deserialize<Everything>(KafkaSerializer.Serialize(value, MessageFormat.Json), MessageFormat.Json)),
        iter: 1_000);

    [Fact]
    public void SerializingJsonIntoAPooledBufferDoesNotAllocate()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        JsonEverything.Sample(
            value =>
            {
                buffer.ResetWrittenCount();
                KafkaSerializer.Serialize(value, buffer, MessageFormat.Json);
                buffer.ResetWrittenCount();
                var before = GC.GetAllocatedBytesForCurrentThread();
                KafkaSerializer.Serialize(value, buffer, MessageFormat.Json);
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            },
            iter: 200,
            threads: 1);
    }

    [Fact]
    public void SystemTextJsonReadsWhatWeWriteAndWeReadWhatItWrites() => JsonEverything
        // Left out where the reference cannot take part: nint/nuint (not supported), a default ImmutableArray (it
        // cannot read null into one) and a null byte[] (its source-generated writer writes "" for it).
        .Select(e => e with { NInt = 0, NUInt = 0, Doubles = e.Doubles.IsDefault ? [] : e.Doubles, NullableBytes = e.NullableBytes ?? [] })
        .Sample(
            value =>
            {
                // Ours -> System.Text.Json -> System.Text.Json's bytes -> ours: equal to the original on both sides.
                var ours = KafkaSerializer.Serialize(value, MessageFormat.Json);
                var reference = JsonSerializer.Deserialize(ours, ReferenceContext.Default.ReferenceEverything)!;
                var theirs = JsonSerializer.SerializeToUtf8Bytes(reference, ReferenceContext.Default.ReferenceEverything);
                RoundTripTests.AssertEquivalent(value, KafkaSerializer.Deserialize<Everything>(theirs, MessageFormat.Json));
            },
            iter: 500);

    [Fact]
    public void Members_are_camelCase_and_enums_names()
    {
        var order = new OrderCreated(Guid.Parse("0192d6c4-0000-7000-8000-000000000001"), "c-1", 12.5m) { Lines = [new LineItem("sku", 2, 1.25m)] };
        var json = Encoding.UTF8.GetString(KafkaSerializer.Serialize(order, MessageFormat.Json));
        Assert.Equal("""{"orderId":"0192d6c4-0000-7000-8000-000000000001","customer":"c-1","amount":12.5,"lines":[{"sku":"sku","quantity":2,"price":1.25}],"note":null}""", json);

        var ticket = KafkaSerializer.Serialize(new Everything { Priority = Priority.High, NullablePriority = (Priority)77, Money = new Money { Currency = "EUR" } }, MessageFormat.Json);
        using var document = JsonDocument.Parse(ticket);
        Assert.Equal("High", document.RootElement.GetProperty("priority").GetString());
        Assert.Equal(77, document.RootElement.GetProperty("nullablePriority").GetInt32());
    }

    [Theory]
    [InlineData("\"High\"", Priority.High)]
    [InlineData("\"high\"", Priority.High)]
    [InlineData("\"HIGH\"", Priority.High)]
    [InlineData("\"\\u0048igh\"", Priority.High)]
    [InlineData("2", (Priority)2)]
    [InlineData("\"2\"", (Priority)2)]
    public void Enums_are_read_by_name_ignoring_case_and_by_number(string json, Priority expected)
        => Assert.Equal(expected, Read<Everything>($$"""{"priority":{{json}}}""").Priority);

    [Fact]
    public void Unknown_properties_are_skipped_and_missing_ones_keep_their_initial_values()
    {
        // A newer writer: CustomerV2's JSON read as CustomerV1 (extra members, of every JSON kind, are skipped).
        var v2 = KafkaSerializer.Serialize(new CustomerV2("Ada", "us") { Tags = ["a"], Age = 36 }, MessageFormat.Json);
        Assert.Equal("Ada", KafkaSerializer.Deserialize<CustomerV1>(v2, MessageFormat.Json).Name);
        Assert.Equal("Ada", Read<CustomerV1>("""{"x":{"y":[1,{"z":null}]},"name":"Ada","w":[[[]]],"v":true}""").Name);

        // An older writer: CustomerV1's JSON read as CustomerV2 (missing members take their defaults and initializers).
        var v1 = KafkaSerializer.Serialize(new CustomerV1("Ada"), MessageFormat.Json);
        var read = KafkaSerializer.Deserialize<CustomerV2>(v1, MessageFormat.Json);
        Assert.Equal(("Ada", "eu", (int?)null), (read.Name, read.Region, read.Age));
        Assert.Equal(["new"], read.Tags);

        // Properties in any order.
        Assert.Equal(("Ada", "us"), Read<CustomerV2>("""{"region":"us","name":"Ada"}""") is var r ? (r.Name, r.Region) : default);
    }

    [Fact]
    public void Numbers_dates_guids_and_bytes_are_read_the_way_System_Text_Json_writes_them()
    {
        var everything = Read<Everything>("""
            {"decimal":12.5,"double":3,"single":1e3,"guid":"0192D6C4-0000-7000-8000-000000000001",
             "dateTime":"2026-01-02T03:04:05+02:00","dateTimeOffset":"2026-01-02T03:04:05.5-05:30",
             "nullableDateTime":"2026-01-02T03:04:05","dateOnly":"2026-01-02","timeOnly":"13:45:30.25","timeSpan":"1.02:03:04.5",
             "bytes":"AQID","char":"\u00e9"}
            """);
        Assert.Equal(12.5m, everything.Decimal);
        Assert.Equal(3d, everything.Double);
        Assert.Equal(1000f, everything.Single);
        Assert.Equal(Guid.Parse("0192d6c4-0000-7000-8000-000000000001"), everything.Guid);
        Assert.Equal(new DateTime(2026, 1, 2, 1, 4, 5, DateTimeKind.Utc), everything.DateTime);
        Assert.Equal(DateTimeKind.Utc, everything.DateTime.Kind);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 500, TimeSpan.FromMinutes(-330)), everything.DateTimeOffset);
        Assert.Equal(TimeSpan.FromMinutes(-330), everything.DateTimeOffset.Offset);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), everything.NullableDateTime);
        Assert.Equal(new DateOnly(2026, 1, 2), everything.DateOnly);
        Assert.Equal(new TimeOnly(13, 45, 30, 250), everything.TimeOnly);
        Assert.Equal(new TimeSpan(1, 2, 3, 4, 500), everything.TimeSpan);
        Assert.Equal([1, 2, 3], everything.Bytes);
        Assert.Equal('é', everything.Char);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("null", "null")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("""{"name":"Ada" """, "")]
    [InlineData("""{"name":42}""", "CustomerV1.Name: expected a string")]
    [InlineData("""{"name":null}""", "not nullable")]
    [InlineData("""{"name":"Ada"} {}""", "")]
    [InlineData("""{"name":"Ada",}""", "")]
    [InlineData("""{"name":"Ada"} // comment""", "")]
    [InlineData("""{"name":"Ada""", "")]
    public void Invalid_json_throws_a_JsonException_naming_the_type(string json, string detail)
    {
        var ex = Assert.Throws<JsonException>(() => Read<CustomerV1>(json));
        Assert.Contains("CustomerV1", ex.Message);
        Assert.Contains(detail, ex.Message);
    }

    [Theory]
    [InlineData("""{"int32":1.5}""", "Int32")]
    [InlineData("""{"byte":300}""", "Byte")]
    [InlineData("""{"guid":"nope"}""", "Guid")]
    [InlineData("""{"dateTime":"yesterday"}""", "DateTime")]
    [InlineData("""{"timeOnly":"25:00:00"}""", "TimeOnly")]
    [InlineData("""{"priority":"Unheard"}""", "Priority")]
    [InlineData("""{"priority":true}""", "Priority")]
    [InlineData("""{"bytes":"%%%"}""", "Bytes")]
    [InlineData("""{"char":"ab"}""", "Char")]
    [InlineData("""{"counts":{"a":1,"a":2}}""", "occurs twice")]
    [InlineData("""{"ints":{}}""", "Ints: expected an array")]
    public void Wrong_values_name_the_member(string json, string member)
        => Assert.Contains(member, Assert.Throws<JsonException>(() => Read<Everything>(json)).Message);

    [Fact]
    public void A_depth_bomb_is_rejected_without_unbounded_allocation()
    {
        // A million nested arrays under an unknown property, and a recursive type nested a million times.
        var unknown = Encoding.UTF8.GetBytes("{\"x\":" + new string('[', 1_000_000) + new string(']', 1_000_000) + "}");
        var recursive = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"children\":[", 100_000)) + string.Concat(Enumerable.Repeat("]}", 100_000)));
        foreach (var payload in new[] { unknown, recursive })
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Assert.Throws<JsonException>(() => KafkaSerializer.Deserialize<TreeNode>(payload, MessageFormat.Json));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256 * 1024, "allocated without bound");
            Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Hostile_bytes_give_a_JsonException_and_nothing_else() => Gen.Byte.Array[0, 200]
        .Select(Gen.Int[0, 4].Select(i => Encoding.UTF8.GetBytes(new[] { "{", "{\"name\":", "{\"name\":\"", "[", "\"" }[i])), (tail, head) => (byte[])[.. head, .. tail])
        .Sample(
            bytes =>
            {
                try
                {
                    KafkaSerializer.Deserialize<Everything>(bytes, MessageFormat.Json);
                }
                catch (JsonException)
                {
                }
            },
            iter: 5_000);

    [Theory]
    [InlineData("""{"type":"\uDC00","payload":{}}""")]
    [InlineData("""{"type":"order-\uD800created","payload":{}}""")]
    [InlineData("""{"payload":{},"type":"\uDC00\uD800"}""")]
    public void An_envelope_type_that_is_not_text_gives_a_JsonException(string json)
    {
        // An escaped lone surrogate cannot be unescaped to UTF-8; found by JsonHostileBytesPropertyTests.
        var ex = Assert.Throws<JsonException>(() => KafkaSerializer.DeserializeMessage<OrderCreated>(Encoding.UTF8.GetBytes(json), MessageFormat.JsonEnvelope));
        Assert.Contains(nameof(OrderCreated), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_escaped_envelope_type_that_is_not_UTF8_gives_a_JsonException()
    {
        // Found by the json fuzz target (docs/reliability.md): an escape makes the type be copied, and the copy
        // transcodes, which refuses the invalid UTF-8 byte 0x82.
        byte[] json = [.. "{\"type\":\"\\\""u8, 0x82, .. "\",\"payload\":{}}"u8];
        var ex = Assert.Throws<JsonException>(() => KafkaSerializer.DeserializeMessage<OrderCreated>(json, MessageFormat.JsonEnvelope));
        Assert.Contains(nameof(OrderCreated), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_literal_followed_by_bytes_that_are_not_UTF8_is_refused_within_the_allocation_bound()
    {
        // Found by the envelope fuzz target (docs/reliability.md): System.Text.Json's error for an invalid literal quotes
        // the rest of the token, and turning 9,000 bytes that are not UTF-8 into that message allocated 343 KB, 38 bytes
        // an input byte, beyond the bound of 64 KiB + 48 a byte.
        byte[] json = [.. "{\"type\":\"order-created\",\"payload\":t"u8, .. Enumerable.Repeat((byte)0x9B, 9000), (byte)'}'];
        _ = Assert.Throws<JsonException>(() => KafkaSerializer.DeserializeMessage<OrderCreated>(json, MessageFormat.JsonEnvelope)); // warm-up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<JsonException>(() => KafkaSerializer.DeserializeMessage<OrderCreated>(json, MessageFormat.JsonEnvelope));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, (64 * 1024) + (48 * json.Length));
    }

    [Fact]
    public void The_envelope_carries_the_type_id_and_the_payload()
    {
        var order = new OrderCreated(Guid.Parse("0192d6c4-0000-7000-8000-000000000001"), "c-1", 12.5m);
        var buffer = new ArrayBufferWriter<byte>();
        KafkaSerializer.SerializeMessage(order, buffer, MessageFormat.JsonEnvelope);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(OrderCreatedTypeId(), document.RootElement.GetProperty("type").GetString());
        Assert.Equal("c-1", document.RootElement.GetProperty("payload").GetProperty("customer").GetString());
        Assert.Equal(order.OrderId, KafkaSerializer.DeserializeMessage<OrderCreated>(buffer.WrittenMemory, MessageFormat.JsonEnvelope).OrderId);

        var other = Encoding.UTF8.GetBytes("""{"type":"something-else","payload":{}}""");
        Assert.Throws<JsonException>(() => KafkaSerializer.DeserializeMessage<OrderCreated>(other, MessageFormat.JsonEnvelope));
    }

    [Fact]
    public void Names_are_camelCased_as_System_Text_Json_does()
    {
        foreach (var name in new[] { "OrderId", "URL", "URLValue", "ID", "Id", "already", "A", "ABCdef", "IOStream", "X1Y" })
        {
            Assert.Equal(JsonNamingPolicy.CamelCase.ConvertName(name), global::KafkaTyped.Shared.AvroMemberAttributes.CamelCase(name));
        }
    }

    private static string OrderCreatedTypeId() => TypeIdOf<OrderCreated>();

    private static string TypeIdOf<T>() where T : IKafkaMessage<T> => T.TypeId;

    private static T Read<T>(string json) where T : IKafkaData<T> => KafkaSerializer.Deserialize<T>(Encoding.UTF8.GetBytes(json), MessageFormat.Json);
}

/// <summary>The reference: a plain type System.Text.Json reads and writes with its source generator, members as in <see cref="Everything"/> (less nint/nuint, which it does not support).</summary>
public sealed class ReferenceEverything
{
    public bool Bool { get; set; }
    public byte Byte { get; set; }
    public sbyte SByte { get; set; }
    public short Int16 { get; set; }
    public ushort UInt16 { get; set; }
    public int Int32 { get; set; }
    public uint UInt32 { get; set; }
    public long Int64 { get; set; }
    public ulong UInt64 { get; set; }
    public char Char { get; set; }
    public float Single { get; set; }
    public double Double { get; set; }
    public string String { get; set; } = "";
    public string? NullableString { get; set; }
    public Guid Guid { get; set; }
    public DateTime DateTime { get; set; }
    public DateTimeOffset DateTimeOffset { get; set; }
    public TimeSpan TimeSpan { get; set; }
    public DateOnly DateOnly { get; set; }
    public TimeOnly TimeOnly { get; set; }
    public decimal Decimal { get; set; }
    public Priority Priority { get; set; }
    public Balance Balance { get; set; }
    public int? NullableInt { get; set; }
    public Guid? NullableGuid { get; set; }
    public DateTime? NullableDateTime { get; set; }
    public decimal? NullableDecimal { get; set; }
    public Priority? NullablePriority { get; set; }
    public byte[] Bytes { get; set; } = [];
    public byte[]? NullableBytes { get; set; }
    public int[] Ints { get; set; } = [];
    public string?[]? Strings { get; set; }
    public List<long> Longs { get; set; } = [];
    public IReadOnlyList<Guid> Guids { get; set; } = [];
    public ImmutableArray<double> Doubles { get; set; } = [];
    public Dictionary<string, int> Counts { get; set; } = [];
    public IReadOnlyDictionary<string, string?> Labels { get; set; } = new Dictionary<string, string?>();
    public LineItem Item { get; set; } = new("", 0, 0m);
    public LineItem? OptionalItem { get; set; }
    public Money Money { get; set; }
    public Money? OptionalMoney { get; set; }
    public List<Dictionary<string, LineItem?>> Nested { get; set; } = [];
    public int[][] Jagged { get; set; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, IncludeFields = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ReferenceEverything))]
internal sealed partial class ReferenceContext : JsonSerializerContext
{
}
