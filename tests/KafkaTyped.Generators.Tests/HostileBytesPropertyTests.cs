using CsCheck;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Routing;
using KafkaTyped.Serialization;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// The bounded fuzzing run of CI (docs/reliability.md#fuzzing): random byte strings and random mutations of valid
/// encodings fed to every generated deserializer and to the generated <c>ce_type</c> lookup. Each input must either read
/// or be rejected with <see cref="MessagePackSerializationException"/>, and allocate at most
/// <see cref="AllocationBound"/> for its length.
/// </summary>
public sealed class HostileBytesPropertyTests
{
    // Iterations per target and generator; the whole class runs in about ten seconds on a loaded two-core machine.
    private const int Iterations = 1_500;

    private static readonly Gen<string> Text = Gen.Char['\u0000', '\uD7FF'].Array[0, 8].Select(chars => new string(chars));
    private static readonly Gen<LineItem> Item = Gen.Select(Text, Gen.Int, Gen.Decimal, (sku, quantity, price) => new LineItem(sku, quantity, price));

    /// <summary>
    /// The most one input may allocate: 64 KiB for a rejection (the exception, its message naming the type, the inner
    /// exception and the captured stack traces) plus 48 bytes per input byte for what is read. The per-byte term is the
    /// densest case: an array element costs at least one byte of input, and the widest element read is a reference to a
    /// small object (8 bytes in the array, 40 bytes for a <see cref="LineItem"/>-sized record of 4 input bytes, so 12 per
    /// input byte), a 16-byte <see cref="Guid"/> or <see cref="decimal"/>, or a string of 2 bytes per input byte; a list
    /// grown by doubling copies at most as much again. A count larger than the bytes left is refused before it sizes an
    /// allocation (HostileBytesTests), so nothing may grow with a claimed length.
    /// </summary>
    internal static long AllocationBound(int inputLength) => (64 * 1024) + (48L * inputLength);

    /// <summary>
    /// One type under test: its MessagePack deserializer with valid encodings to mutate, its JSON deserializer with valid
    /// JSON (JsonHostileBytesPropertyTests), and for a message the reader of the typed JSON envelope.
    /// </summary>
    public sealed record Target(string Name, Action<byte[]> Deserialize, Func<byte[], byte[]> Reencode, Gen<byte[]> Valid)
    {
        public required Action<byte[]> DeserializeJson { get; init; }

        public required Gen<byte[]> ValidJson { get; init; }

        /// <summary>A message: <c>DeserializeMessage</c> of <c>{"type":...,"payload":{...}}</c>; a data type has none.</summary>
        public Action<byte[]>? DeserializeEnvelope { get; init; }

        public Gen<byte[]>? ValidEnvelope { get; init; }

        /// <summary>The generated Avro decoder of a body written with the type's own schema (AvroHostileBytesPropertyTests).</summary>
        public required Action<byte[]> DeserializeAvro { get; init; }

        public required Gen<byte[]> ValidAvro { get; init; }

        public override string ToString() => Name;
    }

    private static Target For<T>(Gen<T> values, Func<T, T>? jsonCarries = null)
        where T : IKafkaData<T>
        => new(
            typeof(T).Name,
            bytes => KafkaSerializer.Deserialize<T>(bytes),
            bytes => KafkaSerializer.Serialize(KafkaSerializer.Deserialize<T>(bytes)),
            values.Select(v => KafkaSerializer.Serialize(v)))
        {
            DeserializeJson = bytes => KafkaSerializer.Deserialize<T>(bytes, MessageFormat.Json),
            ValidJson = values.Select(v => KafkaSerializer.Serialize(jsonCarries is null ? v : jsonCarries(v), MessageFormat.Json)),
            DeserializeAvro = bytes => KafkaSerializer.Deserialize<T>(bytes, MessageFormat.Avro),
            ValidAvro = values.Select(AvroOrNull).Where(bytes => bytes is not null)!,
        };

    /// <summary>
    /// The Avro body of a value, or <see langword="null"/> for one Avro cannot carry: a decimal beyond its declared
    /// precision and scale (29 and 14 by default), which random decimals mostly are.
    /// </summary>
    private static byte[]? AvroOrNull<T>(T value)
        where T : IKafkaData<T>
    {
        try
        {
            return KafkaSerializer.Serialize(value, MessageFormat.Avro);
        }
        catch (AvroSerializationException)
        {
            return null;
        }
    }

    private static Target ForMessage<T>(Gen<T> values, Func<T, T>? jsonCarries = null)
        where T : IKafkaMessage<T>
        => For(values, jsonCarries) with
        {
            DeserializeEnvelope = bytes => KafkaSerializer.DeserializeMessage<T>(bytes, MessageFormat.JsonEnvelope),
            ValidEnvelope = values.Select(v =>
            {
                var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                KafkaSerializer.SerializeMessage(jsonCarries is null ? v : jsonCarries(v), buffer, MessageFormat.JsonEnvelope);
                return buffer.WrittenSpan.ToArray();
            }),
        };

    /// <summary>Every [KafkaMessage] and [KafkaData] type of the sample messages, each with a generator of valid values.</summary>
    public static readonly Target[] Targets =
    [
        ForMessage(Gen.Select(Gen.Guid, Text, Gen.Decimal, Item.List[0, 4], Text.Null(), (id, customer, amount, lines, note) =>
            new OrderCreated(id, customer, amount) { Lines = lines, Note = note })),
        For(Item),
        For(Gen.Select(Gen.Decimal, Text, (amount, currency) => new Money { Amount = amount, Currency = currency })),
        ForMessage(Gen.Select(Text, Gen.Long, Gen.Decimal.Nullable(), (number, ticks, cost) => new OrderShipped
        {
            OrderNumber = number,
            ShippedAt = new DateTimeOffset(Math.Abs(ticks % DateTime.MaxValue.Ticks), TimeSpan.Zero),
            Cost = cost is { } c ? new Money { Amount = c, Currency = "EUR" } : null,
        })),
        ForMessage(Gen.Select(Gen.Int, Text.Null(), Gen.Byte.Array[0, 16], Gen.Guid.Array[0, 3], Gen.Int.Array[0, 3].Array[0, 3], (number, text, bytes, guids, jagged) => new Everything
        {
            Int32 = number,
            NullableString = text,
            Bytes = bytes,
            Guids = guids,
            Jagged = jagged,
            Counts = text is null ? [] : new() { [text] = number },
            Nested = [new() { ["k"] = new LineItem(text ?? "", number, number) }],
            Doubles = [1.5, double.NaN],
            DateOnly = DateOnly.FromDayNumber(Math.Abs(number % DateOnly.MaxValue.DayNumber)),
            Money = new Money { Amount = number, Currency = "EUR" },
        }), e => e with { Doubles = [1.5, -0.0] }) with // JSON has no NaN
        {
            // Avro carries most members only within bounds (timestamps to the microsecond, unsigned values to long.MaxValue, ...).
            ValidAvro = AvroTests.AvroEverything.Select(e => KafkaSerializer.Serialize(e, MessageFormat.Avro)),
        },
        For(Gen.Recursive<TreeNode>((depth, self) => depth >= 3
            ? Text.Select(name => new TreeNode { Name = name })
            : Gen.Select(Text, self.List[0, 3], (name, children) => new TreeNode { Name = name, Children = children }))),
        For(Text.Select(name => new CustomerV1(name))),
        For(Gen.Select(Text, Text.List[0, 3], Gen.Int.Nullable(), (name, tags, age) => new CustomerV2(name) { Tags = tags, Age = age })),
        For(Gen.Select(Gen.Long, Gen.Decimal, (number, total) => new InvoiceV1 { Number = number, Total = total })),
        For(Gen.Select(Gen.Long, Gen.Decimal, Text, (number, total, currency) => new InvoiceV2 { Number = number, Total = total, Currency = currency })),
        For(Gen.Select(Gen.Byte.Array[0, 16], Gen.Int.List[0, 4], Text, (data, numbers, text) => new Blob(data, numbers, new() { [text] = 1 }, text))),
        ForMessage(Text.Null().Select(id => new KeyedByString(id))),
        ForMessage(Gen.Guid.Nullable().Select(id => new KeyedByNullableGuid(id))),
        ForMessage(Gen.Int.Select(id => new KeyedByInt(id))),
        ForMessage(Gen.Long.Select(id => new KeyedByLong { Id = id })),
        ForMessage(Gen.Byte.Array[0, 16].Null().Select(id => new KeyedByBytes { Id = id })),
        ForMessage(Gen.Select(Text, Gen.Int, (tenant, number) => new KeyedByComputed(tenant, number))),
        ForMessage(Gen.Long[0, DateTime.MaxValue.Ticks].Select(ticks => new Stamped(new DateTime(ticks, DateTimeKind.Utc)))),
    ];

    public static TheoryData<string> TargetNames() => [.. Targets.Select(t => t.Name)];

    /// <summary>Random byte strings, up to 256 bytes, half of them starting with an array header as every message does.</summary>
    private static readonly Gen<byte[]> RandomBytes = Gen.OneOf(
        Gen.Byte.Array[0, 256],
        Gen.Select(Gen.Byte[0x90, 0x9f], Gen.Byte.Array[0, 256], (header, rest) => (byte[])[header, .. rest]));

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void RandomBytesAreReadOrRejected(string name)
    {
        var target = WarmedUp(name);
        RandomBytes.Sample(bytes => AssertReadOrRejected(target, bytes), iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void MutatedValidEncodingsAreReadOrRejected(string name)
    {
        var target = WarmedUp(name);
        Gen.Select(target.Valid, Mutation.Gen.Array[1, 4], (valid, mutations) => mutations.Aggregate(valid, (bytes, mutate) => mutate.Apply(bytes)))
            .Sample(bytes => AssertReadOrRejected(target, bytes), iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void ValidEncodingsRoundTripByteForByte(string name)
    {
        // What the mutations start from reads back: a value re-encodes to the same bytes (the encoding is canonical).
        var target = Targets.Single(t => t.Name == name);
        target.Valid.Sample(bytes => Assert.Equal(bytes, target.Reencode(bytes)), iter: 200, threads: 1);
    }

    [Fact]
    public void TheTypeIdLookupFindsOnlyExactTypeIds()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new HandlerLog());
        var builder = new RoutingTests.TestBuilder(services);
        builder.AddGeneratedHandlers();
        var table = Assert.Single(builder.Tables);
        var typeIds = table.Routes.Select(r => System.Text.Encoding.UTF8.GetBytes(r.TypeId)).ToArray();

        // Random ids, and every known id mutated: the lookup answers a valid index exactly when the bytes are a type id.
        var ids = Gen.OneOf(
            Gen.Byte.Array[0, 40],
            Gen.Select(Gen.Int[0, typeIds.Length - 1], Mutation.Gen.Array[1, 3], (index, mutations) => mutations.Aggregate(typeIds[index], (bytes, mutate) => mutate.Apply(bytes))));
        ids.Sample(
            id =>
            {
                var index = table.IndexOf(id);
                var expected = Array.FindIndex(typeIds, t => t.AsSpan().SequenceEqual(id));
                Assert.Equal(expected, index);
            },
            iter: 20_000,
            threads: 1);
    }

    /// <summary>The target, called once on a valid and an invalid input: JIT and type loading allocate on first use.</summary>
    internal static Target WarmedUp(string name)
    {
        var target = Targets.Single(t => t.Name == name);
        target.Deserialize(target.Valid.Single());
        Assert.Throws<MessagePackSerializationException>(() => target.Deserialize([0x91, 0xc1]));
        return target;
    }

    internal static void AssertReadOrRejected(Target target, byte[] bytes)
        => AssertReadOrRejected<MessagePackSerializationException>(target.Name, target.Deserialize, bytes);

    /// <summary>
    /// The check of every format's run: <paramref name="read"/> reads <paramref name="bytes"/> or rejects them with the
    /// format's documented <typeparamref name="TRejection"/>, within <see cref="AllocationBound"/>. A failure shows the
    /// input as <paramref name="show"/> writes it (hex by default).
    /// </summary>
    internal static void AssertReadOrRejected<TRejection>(string name, Action<byte[]> read, byte[] bytes, Func<byte[], string>? show = null)
        where TRejection : Exception
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            read(bytes);
        }
        catch (TRejection)
        {
            // The documented rejection.
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(
            allocated <= AllocationBound(bytes.Length),
            $"{name}: {allocated} bytes allocated for {bytes.Length} input bytes: {(show ?? Convert.ToHexString)(bytes)}");
    }

    /// <summary>One change to a valid encoding.</summary>
    public abstract record Mutation
    {
        public abstract byte[] Apply(byte[] bytes);

        // Length prefixes of every MessagePack kind, each claiming far more than any payload holds.
        private static readonly byte[][] HugePrefixes =
        [
            [0xdd, 0x7f, 0xff, 0xff, 0xff], // array32
            [0xdf, 0xff, 0xff, 0xff, 0xff], // map32
            [0xdb, 0x80, 0x00, 0x00, 0x00], // str32
            [0xc6, 0x7f, 0xff, 0xff, 0xfe], // bin32
            [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], // ext32
            [0xdc, 0xff, 0xff], // array16
            [0xde, 0xff, 0xff], // map16
            [0x9f], [0x8f], [0xbf],
        ];

        public static readonly Gen<Mutation> Gen = CsCheck.Gen.OneOf<Mutation>(
            CsCheck.Gen.Select(CsCheck.Gen.Int[0, int.MaxValue], CsCheck.Gen.Int[0, 7], (at, bit) => new FlipBit(at, bit)),
            CsCheck.Gen.Int[0, int.MaxValue].Select(at => new Truncate(at)),
            CsCheck.Gen.Select(CsCheck.Gen.Int[0, int.MaxValue], CsCheck.Gen.Byte, (at, value) => new SetByte(at, value)),
            CsCheck.Gen.Select(CsCheck.Gen.Int[0, int.MaxValue], CsCheck.Gen.Int[0, HugePrefixes.Length - 1].Select(i => HugePrefixes[i]), (at, prefix) => new Insert(at, prefix)),
            CsCheck.Gen.Select(CsCheck.Gen.Int[0, int.MaxValue], CsCheck.Gen.Int[1, 8], (at, count) => new Delete(at, count)));
    }

    public sealed record FlipBit(int At, int Bit) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            if (bytes.Length == 0)
            {
                return bytes;
            }

            var copy = bytes.ToArray();
            copy[At % copy.Length] ^= (byte)(1 << Bit);
            return copy;
        }
    }

    public sealed record SetByte(int At, byte Value) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            if (bytes.Length == 0)
            {
                return bytes;
            }

            var copy = bytes.ToArray();
            copy[At % copy.Length] = Value;
            return copy;
        }
    }

    public sealed record Truncate(int At) : Mutation
    {
        public override byte[] Apply(byte[] bytes) => bytes[..(At % (bytes.Length + 1))];
    }

    public sealed record Insert(int At, byte[] Inserted) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            var at = At % (bytes.Length + 1);
            return [.. bytes.AsSpan(0, at), .. Inserted, .. bytes.AsSpan(at)];
        }
    }

    public sealed record Delete(int At, int Count) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            if (bytes.Length == 0)
            {
                return bytes;
            }

            var at = At % bytes.Length;
            var count = Math.Min(Count, bytes.Length - at);
            return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + count)];
        }
    }
}
