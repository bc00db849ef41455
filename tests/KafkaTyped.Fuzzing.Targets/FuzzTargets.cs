using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Routing;
using KafkaTyped.Serialization;
using MessagePack;
using V1 = KafkaTyped.Generators.Tests.Messages.Evolution.V1;
using V2 = KafkaTyped.Generators.Tests.Messages.Evolution.V2;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Fuzzing;

/// <summary>
/// The fuzz targets, by name. A target returns normally for an input that is read or rejected the documented way and
/// throws anything else: an undocumented exception, or <see cref="AllocationBoundExceededException"/> when one input
/// allocates more than <see cref="AllocationBound"/>. The fuzzer reports what escapes as a crash.
/// </summary>
public static class FuzzTargets
{
    // Declared before All, whose seeds use them.
    private static readonly string[] s_headerNames =
    [
        CloudEventHeaders.SpecVersion, CloudEventHeaders.Id, CloudEventHeaders.Type, CloudEventHeaders.Source,
        CloudEventHeaders.Time, CloudEventHeaders.ContentType, CloudEventHeaders.TraceParent, CloudEventHeaders.TraceState,
    ];

    private static readonly Lazy<IMessageRouteTable> s_routeTable = new(CreateRouteTable);

    /// <summary>
    /// Pairs of a writer schema and a reader type that differ (two versions of the evolution tests' records) and resolve:
    /// promotions, fields added with defaults (null and not), fields skipped, reordered enums, renames by alias. Each
    /// writer schema is registered under an id of its own, so a body read as the reader goes through a resolution plan.
    /// </summary>
    private static readonly ResolveCase[] s_resolveCases =
    [
        Resolve<V1.Customer, V2.Customer>(new V1.Customer("Ada", 36, 0.5f, 7, "tag", "hi"u8.ToArray(), V1.Tier.Gold, new V1.Address("Main St", "Leeds") { Country = "UK" })
        {
            Nickname = "ada",
            Previous = [new V1.Address("Old St", "York")],
            ByLabel = new() { ["work"] = new V1.Address("Mill Rd", "Hull") },
            Rating = 4,
            Referrer = "friend",
            Campaign = "spring",
        }),
        Resolve<V1.Order, V2.Order>(new V1.Order("o-1", 3, V1.Tier.Silver) { Note = "ring twice", Lines = [new V1.Address("A", "B") { Country = "FR" }] }),
        Resolve<V2.Order, V1.Order>(new V2.Order("o-2", 5, V2.Tier.Gold) { Coupon = "SAVE", Lines = [new V2.Address("C", "D") { Zip = "123" }] }),
        Resolve<V2.Measurement, V1.Measurement>(new V2.Measurement(-12, 1.25f, long.MaxValue, "payload", "label"u8.ToArray())),
        Resolve<V1.Settings, V2.Settings>(new V1.Settings("main")),
        Resolve<V2.Settings, V1.Settings>(new V2.Settings("edge", 9) { Mode = "fast", Level = V2.Tier.Bronze }),
        Resolve<V1.Member, V2.Subscriber>(new V1.Member("ada", 3, V1.Plan.Paid)),
    ];

    private static int s_nextResolveId = 900_000;

    /// <summary>
    /// One valid value of every [KafkaMessage] and [KafkaData] type of the sample messages (the 18 of
    /// HostileBytesPropertyTests), for the combined targets: the first input byte chooses the type, so one run covers
    /// every generated deserializer of a format.
    /// </summary>
    private static readonly TypeCase[] s_types =
    [
        Message(new OrderCreated(Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"), "ada lovelace", 123.45m)
        {
            Lines = [new LineItem("sku-1", 2, 3.5m), new LineItem("sku-2", 1, 99m)],
            Note = "leave at the door",
        }),
        Data(new LineItem("sku-1", 2, 3.5m)),
        Data(new Money { Amount = 4.2m, Currency = "EUR" }),
        Message(new OrderShipped { OrderNumber = "A-17", ShippedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), Cost = new Money { Amount = 4.2m, Currency = "EUR" } }),
        Message(SampleEverything()),
        Data(new TreeNode { Name = "root", Children = [new TreeNode { Name = "a" }, new TreeNode { Name = "b", Children = [new TreeNode { Name = "c" }] }] }),
        Data(new CustomerV1("ada")),
        Data(new CustomerV2("ada") { Tags = ["x", "y"], Age = 36 }),
        Data(new InvoiceV1 { Number = 42, Total = 9.99m }),
        Data(new InvoiceV2 { Number = 42, Total = 9.99m, Currency = "EUR" }),
        Data(new Blob([1, 2, 3], [1, 2], new() { ["a"] = 1 }, "text")),
        Message(new KeyedByString("k-1")),
        Message(new KeyedByNullableGuid(Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"))),
        Message(new KeyedByInt(-17)),
        Message(new KeyedByLong { Id = long.MinValue }),
        Message(new KeyedByBytes { Id = [9, 8, 7] }),
        Message(new KeyedByComputed("tenant", 7)),
        Message(new Stamped(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))),
    ];

    /// <summary>How the <c>json</c> target reads the bytes after its selector byte.</summary>
    private enum JsonMode
    {
        /// <summary><c>application/json</c>: the object of the members.</summary>
        Plain,

        /// <summary><c>application/vnd.kafkatyped.envelope+json</c>: <c>{"type":...,"payload":{...}}</c>.</summary>
        Envelope,

        /// <summary><c>application/cloudevents+json</c>: <c>{"specversion":"1.0","type":...,"data":{...}}</c>.</summary>
        Structured,
    }

    /// <summary>
    /// The most one input may allocate: 64 KiB for a rejection plus 48 bytes per input byte (docs/reliability.md#fuzzing;
    /// the same bound as HostileBytesPropertyTests).
    /// </summary>
    public static long AllocationBound(int inputLength) => (64 * 1024) + (48L * inputLength);

    /// <summary>Every target: its name, the code it runs, and valid inputs for the seed corpus.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new FuzzTarget("messagepack", MessagePackOfAnyType, [.. s_types.Select((t, i) => (byte[])[(byte)i, .. t.MessagePack])]),
        new FuzzTarget("json", JsonOfAnyType, [.. s_types.SelectMany((t, i) => Enum.GetValues<JsonMode>().Select(mode => (byte[])[JsonSelector(i, mode), .. t.JsonIn((int)mode)]))]),
        new FuzzTarget("envelope", EnvelopeReader, [.. s_types.SelectMany(t => new[] { t.JsonIn(1), t.JsonIn(2) })]),
        new FuzzTarget("avro", AvroOfAnyType, [.. s_types.Select((t, i) => (byte[])[(byte)i, .. t.Avro])]),
        new FuzzTarget("avro-resolve", AvroUnderAResolvingPlan, [.. s_resolveCases.Select((c, i) => (byte[])[(byte)i, .. c.Body])]),
        Deserializer(new OrderCreated(Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"), "ada lovelace", 123.45m)
        {
            Lines = [new LineItem("sku-1", 2, 3.5m), new LineItem("sku-2", 1, 99m)],
            Note = "leave at the door",
        }),
        Deserializer(new OrderShipped { OrderNumber = "A-17", ShippedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), Cost = new Money { Amount = 4.2m, Currency = "EUR" } }),
        Deserializer(SampleEverything()),
        Deserializer(new TreeNode { Name = "root", Children = [new TreeNode { Name = "a" }, new TreeNode { Name = "b", Children = [new TreeNode { Name = "c" }] }] }),
        Deserializer(new CustomerV2("ada") { Tags = ["x", "y"], Age = 36 }),
        Deserializer(new InvoiceV2 { Number = 42, Total = 9.99m, Currency = "EUR" }),
        Deserializer(new Blob([1, 2, 3], [1, 2], new() { ["a"] = 1 }, "text")),
        Deserializer(new KeyedByNullableGuid(Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"))),
        Deserializer(new KeyedByBytes { Id = [9, 8, 7] }),
        Deserializer(new Stamped(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))),
        new FuzzTarget("typeid", TypeIdLookup, [.. s_routeTable.Value.Routes.Select(r => Encoding.UTF8.GetBytes(r.TypeId))]),
        new FuzzTarget("headers", HeaderReaders, [EncodeHeaders(
            (CloudEventHeaders.SpecVersion, "1.0"),
            (CloudEventHeaders.Id, "0190a5e4-1c2b-7def-8123-456789abcdef"),
            (CloudEventHeaders.Type, "order-created"),
            (CloudEventHeaders.TraceParent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            (CloudEventHeaders.TraceState, "congo=t61rcWkgMzE"))]),
    ];

    /// <summary>The target of a name, or <see langword="null"/>.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/> and checks the allocation bound.</summary>
    /// <exception cref="AllocationBoundExceededException">The input allocated more than <see cref="AllocationBound"/>.</exception>
    public static void Run(FuzzTarget target, byte[] input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        target.Run(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBound(input.Length))
        {
            throw new AllocationBoundExceededException($"{target.Name}: {allocated} bytes allocated for {input.Length} input bytes");
        }
    }

    private static Everything SampleEverything() => new()
    {
        Priority = Priority.High, // an enum value Avro can carry (a named member)
        Int32 = -7,
        String = "héllo",
        NullableString = "x",
        Guid = Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"),
        DateTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        Decimal = 1.25m,
        NullableInt = 3,
        Bytes = [1, 2, 3],
        Ints = [1, -1, int.MaxValue],
        Strings = ["a", null],
        Longs = [long.MinValue],
        Guids = [Guid.Empty],
        Doubles = [1.5, 2.5e300],
        Counts = new() { ["k"] = 1 },
        Labels = new Dictionary<string, string?> { ["l"] = null },
        OptionalItem = new LineItem("s", 1, 1m),
        Money = new Money { Amount = 1m, Currency = "EUR" },
        OptionalMoney = new Money { Amount = 2m, Currency = "USD" },
        Nested = [new() { ["n"] = null, ["m"] = new LineItem("t", 2, 2m) }],
        Jagged = [[1], [], [2, 3]],
    };

    private static byte JsonSelector(int type, JsonMode mode) => (byte)(((int)mode * s_types.Length) + type);

    // messagepack: input[0] chooses the type (modulo their count), the rest is its MessagePack payload.
    private static void MessagePackOfAnyType(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var type = s_types[input[0] % s_types.Length];
        try
        {
            type.ReadMessagePack(input.AsMemory(1));
        }
        catch (MessagePackSerializationException)
        {
            // The documented rejection; the consumer skips such a record as an invalid payload.
        }
    }

    // avro: input[0] chooses the type (modulo their count), the rest is an Avro body written with its own schema.
    private static void AvroOfAnyType(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var type = s_types[input[0] % s_types.Length];
        try
        {
            type.ReadAvro(input.AsMemory(1));
        }
        catch (AvroSerializationException)
        {
            // The documented rejection; the consumer dead-letters such a record as an invalid payload.
        }
    }

    // avro-resolve: input[0] chooses a pair of writer schema and reader type (modulo their count), the rest is a body
    // written with that writer schema, read as the reader type through its resolution plan.
    private static void AvroUnderAResolvingPlan(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        try
        {
            s_resolveCases[input[0] % s_resolveCases.Length].Read(input.AsMemory(1));
        }
        catch (AvroSerializationException)
        {
            // The documented rejection; the consumer dead-letters such a record as an invalid payload.
        }
    }

    private static ResolveCase Resolve<TWriter, TReader>(TWriter sample)
        where TWriter : IKafkaData<TWriter>
        where TReader : IKafkaData<TReader>
    {
        var id = Interlocked.Increment(ref s_nextResolveId);
        AvroWriterSchemas.Add(SchemaRegistry.SchemaId.FromId(id), KafkaSerializer.AvroSchema<TWriter>());
        var resolveCase = new ResolveCase(
            KafkaSerializer.Serialize(sample, MessageFormat.Avro),
            body =>
            {
                var framed = new byte[5 + body.Length];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), id);
                body.Span.CopyTo(framed.AsSpan(5));
                KafkaSerializer.ReadFramedAvro<TReader>(framed, schemaIdHeader: null);
            });

        // The first value of a writer schema builds its plan, once per process: built now, with the targets, so that
        // building it is not charged to an input's allocation bound.
        resolveCase.Read(resolveCase.Body);
        return resolveCase;
    }

    private sealed record ResolveCase(byte[] Body, Action<ReadOnlyMemory<byte>> Read);

    // json: input[0] chooses the type (modulo their count) and how the value is wrapped (plain, typed envelope,
    // CloudEvents structured mode: the selector divided by the count, modulo 3), the rest is the record's value.
    private static void JsonOfAnyType(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var type = s_types[input[0] % s_types.Length];
        var mode = (JsonMode)(input[0] / s_types.Length % 3);
        var value = input.AsMemory(1);
        try
        {
            switch (mode)
            {
                case JsonMode.Plain:
                    type.ReadJson(value);
                    break;
                case JsonMode.Envelope when type.ReadEnvelope is { } readEnvelope:
                    // A message: the runtime's own envelope reader, KafkaSerializer.DeserializeMessage.
                    readEnvelope(value);
                    break;
                default:
                    // As the consumer dispatches a record without ce_type: find the type and the payload, route the
                    // type id, read the payload as the chosen type.
                    if (ReadEnvelope(value.Span, mode == JsonMode.Structured ? JsonEnvelope.DataProperty : JsonEnvelope.PayloadProperty, out var range))
                    {
                        type.ReadJson(value[range]);
                    }

                    break;
            }
        }
        catch (JsonException)
        {
            // The documented rejection.
        }
    }

    // envelope: the readers of the typed envelope and of CloudEvents structured mode alone, on any bytes.
    private static void EnvelopeReader(byte[] input)
    {
        ReadEnvelope(input, JsonEnvelope.PayloadProperty, out _);
        ReadEnvelope(input, JsonEnvelope.DataProperty, out _);
    }

    /// <summary>
    /// Runs <see cref="JsonEnvelope.TryRead"/> and checks what it answers: a payload range inside the value that holds
    /// one JSON object, a type id no longer than the value, an error exactly when it says malformed; the type id is then
    /// routed as the consumer does.
    /// </summary>
    private static bool ReadEnvelope(ReadOnlySpan<byte> value, ReadOnlySpan<byte> property, out Range payload)
    {
        Span<byte> typeBuffer = stackalloc byte[JsonEnvelope.MaxTypeIdBytes];
        var result = JsonEnvelope.TryRead(value, property, typeBuffer, out var typeId, out payload, out var error);
        if ((result == JsonEnvelope.Result.Malformed) != (error is not null))
        {
            throw new InvalidOperationException($"TryRead answered {result} with error {error?.Message ?? "none"}");
        }

        if (result != JsonEnvelope.Result.Found)
        {
            return false;
        }

        var (offset, length) = payload.GetOffsetAndLength(value.Length);
        if (length < 2 || value[offset] != (byte)'{' || value[offset + length - 1] != (byte)'}' || typeId.Length > value.Length)
        {
            throw new InvalidOperationException($"TryRead found a payload at {offset}+{length} and a type id of {typeId.Length} bytes in {value.Length} bytes");
        }

        s_routeTable.Value.IndexOf(typeId);
        return true;
    }

    private static TypeCase Data<T>(T sample)
        where T : IKafkaData<T>
        => new(
            typeof(T).Name,
            typeof(T).Name,
            static input => KafkaSerializer.Deserialize<T>(input),
            static input => KafkaSerializer.Deserialize<T>(input, MessageFormat.Json),
            null,
            KafkaSerializer.Serialize(sample),
            KafkaSerializer.Serialize(sample, MessageFormat.Json))
        {
            ReadAvro = static input => KafkaSerializer.Deserialize<T>(input, MessageFormat.Avro),
            Avro = KafkaSerializer.Serialize(sample, MessageFormat.Avro),
        };

    private static TypeCase Message<T>(T sample)
        where T : IKafkaMessage<T>
        => Data(sample) with
        {
            TypeId = T.TypeId,
            ReadEnvelope = static input => KafkaSerializer.DeserializeMessage<T>(input, MessageFormat.JsonEnvelope),
        };

    private static FuzzTarget Deserializer<T>(T sample)
        where T : IKafkaData<T>
        => new(typeof(T).Name, static input =>
        {
            try
            {
                KafkaSerializer.Deserialize<T>(input);
            }
            catch (MessagePackSerializationException)
            {
                // The documented rejection; the consumer skips such a record as an invalid payload.
            }
        }, [KafkaSerializer.Serialize(sample)]);

    // The consumer's first stage: ce_type bytes to a route. The answer must be the exact match or none.
    private static void TypeIdLookup(byte[] input)
    {
        var table = s_routeTable.Value;
        var index = table.IndexOf(input);
        var expected = -1;
        for (var i = 0; i < table.Routes.Count; i++)
        {
            if (Encoding.UTF8.GetBytes(table.Routes[i].TypeId).AsSpan().SequenceEqual(input))
            {
                expected = i;
            }
        }

        if (index != expected)
        {
            throw new InvalidOperationException($"IndexOf answered {index} where the type id is at {expected}");
        }
    }

    // The envelope readers the consumer runs on every record: ce_type, ce_id, traceparent/tracestate. Header values
    // come from any producer, so none of them may throw.
    private static void HeaderReaders(byte[] input)
    {
        var headers = DecodeHeaders(input);
        if (CloudEventHeaders.TryGetLast(headers, CloudEventHeaders.Type, out var typeId))
        {
            s_routeTable.Value.IndexOf(typeId);
            _ = Encoding.UTF8.GetString(typeId); // what the unknown-type log line shows
        }

        _ = CloudEventHeaders.ClassifyContentType(headers); // which reader the consumer chooses
        _ = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id);
        _ = CloudEventHeaders.TryGetTraceContext(headers, out ActivityContext _);
    }

    /// <summary>
    /// Headers from bytes: each header is a name byte (an index into the reserved names; 0xFF for a null value of the
    /// next name) followed by a length byte and that many value bytes.
    /// </summary>
    private static Headers DecodeHeaders(ReadOnlySpan<byte> input)
    {
        var headers = new Headers();
        while (input.Length >= 2)
        {
            var nameByte = input[0];
            var length = Math.Min(input[1], input.Length - 2);
            var name = s_headerNames[nameByte % s_headerNames.Length];
            headers.Add(name, nameByte == 0xFF ? null : input.Slice(2, length).ToArray());
            input = input[(2 + length)..];
        }

        return headers;
    }

    private static byte[] EncodeHeaders(params (string Name, string Value)[] headers)
    {
        var bytes = new List<byte>();
        foreach (var (name, value) in headers)
        {
            var encoded = Encoding.UTF8.GetBytes(value);
            bytes.Add((byte)Array.IndexOf(s_headerNames, name));
            bytes.Add((byte)encoded.Length);
            bytes.AddRange(encoded);
        }

        return [.. bytes];
    }

    private static IMessageRouteTable CreateRouteTable()
    {
        var builder = new RouteTableCollector(new ServiceCollection());
        builder.AddGeneratedHandlers();
        return builder.Tables.Single();
    }

    private sealed class RouteTableCollector(IServiceCollection services) : IKafkaTypedBuilder
    {
        public List<IMessageRouteTable> Tables { get; } = [];

        public IServiceCollection Services { get; } = services;

        public IKafkaTypedBuilder AddRouteTable(IMessageRouteTable routeTable)
        {
            Tables.Add(routeTable);
            return this;
        }
    }
}

/// <summary>One sample type of the combined targets: its readers and a valid encoding in each format.</summary>
/// <param name="Name">The type's name.</param>
/// <param name="TypeId">The type id a JSON envelope carries (a message's; the name for a data type).</param>
/// <param name="ReadMessagePack">Reads the MessagePack encoding.</param>
/// <param name="ReadJson">Reads the JSON encoding.</param>
/// <param name="ReadEnvelope">A message: reads the typed JSON envelope with KafkaSerializer.DeserializeMessage.</param>
/// <param name="MessagePack">A valid MessagePack encoding.</param>
/// <param name="Json">A valid JSON encoding.</param>
internal sealed record TypeCase(
    string Name,
    string TypeId,
    Action<ReadOnlyMemory<byte>> ReadMessagePack,
    Action<ReadOnlyMemory<byte>> ReadJson,
    Action<ReadOnlyMemory<byte>>? ReadEnvelope,
    byte[] MessagePack,
    byte[] Json)
{
    /// <summary>Reads an Avro body written with the type's own schema.</summary>
    public required Action<ReadOnlyMemory<byte>> ReadAvro { get; init; }

    /// <summary>A valid Avro body.</summary>
    public required byte[] Avro { get; init; }

    /// <summary>The JSON value of a record in <paramref name="mode"/>.</summary>
    internal byte[] JsonIn(int mode) => mode switch
    {
        0 => Json,
        1 => [.. Encoding.UTF8.GetBytes($"{{\"type\":\"{TypeId}\",\"payload\":"), .. Json, (byte)'}'],
        _ => [.. Encoding.UTF8.GetBytes($"{{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/fuzz\",\"type\":\"{TypeId}\",\"datacontenttype\":\"application/json\",\"data\":"), .. Json, (byte)'}'],
    };
}

/// <summary>One fuzz target.</summary>
/// <param name="Name">What the harness is given to select it.</param>
/// <param name="Run">The code under test; it throws only for a finding.</param>
/// <param name="Seeds">Valid inputs, written as the seed corpus.</param>
public sealed record FuzzTarget(string Name, Action<byte[]> Run, IReadOnlyList<byte[]> Seeds);

/// <summary>One input allocated more than the stated bound.</summary>
public sealed class AllocationBoundExceededException(string message) : Exception(message);
