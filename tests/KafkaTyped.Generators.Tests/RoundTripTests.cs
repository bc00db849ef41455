using System.Buffers;
using System.Collections.Immutable;
using CsCheck;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;
using MessagePack;

namespace KafkaTyped.Generators.Tests;

/// <summary>Property-based round trips of the generated serializers over every supported member type.</summary>
public sealed class RoundTripTests
{
    // Strings of valid UTF-16 (no lone surrogates, which no UTF-8 format can carry).
    internal static readonly Gen<string> Text = Gen.Char['\u0000', '\uD7FF'].Array[0, 12].Select(chars => new string(chars));
    private static readonly Gen<DateTime> UtcDateTime = Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks].Select(t => new DateTime(t, DateTimeKind.Utc));
    private static readonly Gen<DateTimeOffset> Offset = Gen.Select(
        Gen.Long[TimeSpan.FromHours(14).Ticks, DateTime.MaxValue.Ticks - TimeSpan.FromHours(14).Ticks],
        Gen.Int[-14 * 60, 14 * 60],
        (ticks, minutes) => new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes)));
    private static readonly Gen<LineItem> Item = Gen.Select(Text, Gen.Int, Gen.Decimal, (sku, quantity, price) => new LineItem(sku, quantity, price));
    private static readonly Gen<Money> MoneyGen = Gen.Select(Gen.Decimal, Text, (amount, currency) => new Money { Amount = amount, Currency = currency });

    internal static readonly Gen<Everything> EverythingGen = Gen.Const(() => new Everything())
        .With(Gen.Bool, (e, v) => e with { Bool = v })
        .With(Gen.Byte, (e, v) => e with { Byte = v })
        .With(Gen.SByte, (e, v) => e with { SByte = v })
        .With(Gen.Short, (e, v) => e with { Int16 = v })
        .With(Gen.UShort, (e, v) => e with { UInt16 = v })
        .With(Gen.Int, (e, v) => e with { Int32 = v })
        .With(Gen.UInt, (e, v) => e with { UInt32 = v })
        .With(Gen.Long, (e, v) => e with { Int64 = v })
        .With(Gen.ULong, (e, v) => e with { UInt64 = v })
        .With(Gen.Char, (e, v) => e with { Char = v })
        .With(Gen.Float, (e, v) => e with { Single = v })
        .With(Gen.Double, (e, v) => e with { Double = v })
        .With(Gen.Long, (e, v) => e with { NInt = (nint)v })
        .With(Gen.ULong, (e, v) => e with { NUInt = (nuint)v })
        .With(Text, (e, v) => e with { String = v })
        .With(Text.Null(), (e, v) => e with { NullableString = v })
        .With(Gen.Guid, (e, v) => e with { Guid = v })
        .With(UtcDateTime, (e, v) => e with { DateTime = v })
        .With(Offset, (e, v) => e with { DateTimeOffset = v })
        .With(Gen.Long, (e, v) => e with { TimeSpan = new TimeSpan(v) })
        .With(Gen.Int[0, DateOnly.MaxValue.DayNumber], (e, v) => e with { DateOnly = DateOnly.FromDayNumber(v) })
        .With(Gen.Long[0, TimeOnly.MaxValue.Ticks], (e, v) => e with { TimeOnly = new TimeOnly(v) })
        .With(Gen.Decimal, (e, v) => e with { Decimal = v })
        .With(Gen.Byte, (e, v) => e with { Priority = (Priority)v })
        .With(Gen.Long, (e, v) => e with { Balance = (Balance)v })
        .With(Gen.Int.Nullable(), (e, v) => e with { NullableInt = v })
        .With(Gen.Guid.Nullable(), (e, v) => e with { NullableGuid = v })
        .With(UtcDateTime.Nullable(), (e, v) => e with { NullableDateTime = v })
        .With(Gen.Decimal.Nullable(), (e, v) => e with { NullableDecimal = v })
        .With(Gen.Enum<Priority>().Nullable(), (e, v) => e with { NullablePriority = v })
        .With(Gen.Byte.Array[0, 40], (e, v) => e with { Bytes = v })
        .With(Gen.Byte.Array[0, 5].Null(), (e, v) => e with { NullableBytes = v })
        .With(Gen.Int.Array[0, 6], (e, v) => e with { Ints = v })
        .With(Text.Null().Array[0, 4].Null(), (e, v) => e with { Strings = v })
        .With(Gen.Long.List[0, 6], (e, v) => e with { Longs = v })
        .With(Gen.Guid.Array[0, 3], (e, v) => e with { Guids = v })
        .With(Gen.Double.Array[0, 4].Null(), (e, v) => e with { Doubles = v is null ? default : [.. v] })
        .With(Dictionary(Gen.Int), (e, v) => e with { Counts = v })
        .With(Dictionary(Text.Null()), (e, v) => e with { Labels = v })
        .With(Item, (e, v) => e with { Item = v })
        .With(Item.Null(), (e, v) => e with { OptionalItem = v })
        .With(MoneyGen, (e, v) => e with { Money = v })
        .With(MoneyGen.Nullable(), (e, v) => e with { OptionalMoney = v })
        .With(Dictionary(Item.Null()).List[0, 3], (e, v) => e with { Nested = v })
        .With(Gen.Int.Array[0, 3].Array[0, 3], (e, v) => e with { Jagged = v });

    [Fact]
    public void EverythingRoundTrips() => EverythingGen.Sample(
        value =>
        {
            var copy = KafkaSerializer.Deserialize<Everything>(KafkaSerializer.Serialize(value));
            AssertEquivalent(value, copy);
        },
        iter: 2_000);

    [Fact]
    public void EverythingRoundTripsThroughAPooledBufferWithoutAllocating()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        EverythingGen.Sample(
            value =>
            {
                buffer.ResetWrittenCount();
                KafkaSerializer.Serialize(value, buffer);
                buffer.ResetWrittenCount();
                var before = GC.GetAllocatedBytesForCurrentThread();
                KafkaSerializer.Serialize(value, buffer);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Equal(0, allocated);
                AssertEquivalent(value, KafkaSerializer.Deserialize<Everything>(buffer.WrittenMemory));
            },
            iter: 300,
            threads: 1);
    }

    [Fact]
    public void SerializingAStructIntoAPooledBufferDoesNotAllocate()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var message = new KeyedByLong { Id = 7 };
        KafkaSerializer.Serialize(message, buffer);
        buffer.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        KafkaSerializer.Serialize(message, buffer);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(7, KafkaSerializer.Deserialize<KeyedByLong>(buffer.WrittenMemory).Id);
    }

    [Fact]
    public void DeserializingAllocatesOnlyTheMessageAndItsStrings()
    {
        var ints = KafkaSerializer.Serialize(new KeyedByInt(42));
        var text = KafkaSerializer.Serialize(new KeyedByString("abcdefgh"));
        KafkaSerializer.Deserialize<KeyedByInt>(ints);
        KafkaSerializer.Deserialize<KeyedByString>(text);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var number = KafkaSerializer.Deserialize<KeyedByInt>(ints);
        var afterInts = GC.GetAllocatedBytesForCurrentThread();
        var str = KafkaSerializer.Deserialize<KeyedByString>(text);
        var afterText = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(42, number.Id);
        Assert.Equal("abcdefgh", str.Id);
        Assert.Equal(24, afterInts - before); // the record: header, method table, int (padded)
        Assert.Equal(24 + 40, afterText - afterInts); // the record and an 8-character string
    }

    [Fact]
    public void MessagesRoundTrip() => Gen.Select(Gen.Guid, Text, Gen.Decimal, Item.List[0, 4], Text.Null(), (id, customer, amount, lines, note) =>
            new OrderCreated(id, customer, amount) { Lines = lines, Note = note })
        .Sample(
            order =>
            {
                var copy = KafkaSerializer.Deserialize<OrderCreated>(KafkaSerializer.Serialize(order));
                Assert.Equal((order.OrderId, order.Customer, order.Amount, order.Note), (copy.OrderId, copy.Customer, copy.Amount, copy.Note));
                Assert.Equal(order.Lines, copy.Lines);
            },
            iter: 1_000);

    [Fact]
    public void ClassesWithRequiredMembersAndNullableStructsRoundTrip() => Gen.Select(Text, Offset, MoneyGen.Nullable(), (number, at, cost) =>
            new OrderShipped { OrderNumber = number, ShippedAt = at, Cost = cost })
        .Sample(
            shipped =>
            {
                var copy = KafkaSerializer.Deserialize<OrderShipped>(KafkaSerializer.Serialize(shipped));
                Assert.Equal(shipped.OrderNumber, copy.OrderNumber);
                Assert.Equal(shipped.ShippedAt, copy.ShippedAt);
                Assert.Equal(shipped.ShippedAt.Offset, copy.ShippedAt.Offset);
                Assert.Equal(shipped.Cost, copy.Cost);
            },
            iter: 1_000);

    [Fact]
    public void RecursiveDataRoundTrips()
    {
        var tree = Gen.Recursive<TreeNode>((depth, self) => depth >= 4
            ? Text.Select(name => new TreeNode { Name = name })
            : Gen.Select(Text, self.List[0, 3], (name, children) => new TreeNode { Name = name, Children = children }));
        tree.Sample(
            node =>
            {
                var copy = KafkaSerializer.Deserialize<TreeNode>(KafkaSerializer.Serialize(node));
                Assert.Equal(Describe(node), Describe(copy));
            },
            iter: 500);

        static string Describe(TreeNode node) => $"{node.Name}({string.Join(",", node.Children.Select(Describe))})";
    }

    [Fact]
    public void TheFormatterWorksWithMessagePackSerializerAndReadsNilAsNull()
    {
        var resolver = MessagePack.Resolvers.CompositeResolver.Create(
            [OrderCreated.MessagePackFormatter.Instance, Money.MessagePackFormatter.Instance],
            [MessagePack.Resolvers.StandardResolver.Instance]);
        var options = MessagePackSerializerOptions.Standard.WithResolver(resolver);
        var order = new OrderCreated(Guid.NewGuid(), "ada", 3m) { Note = "n" };

        var ct = TestContext.Current.CancellationToken;
        var bytes = MessagePackSerializer.Serialize(order, options, ct);
        Assert.Equal(KafkaSerializer.Serialize(order), bytes);
        var copy = MessagePackSerializer.Deserialize<OrderCreated>(bytes, options, ct);
        Assert.Equal((order.OrderId, order.Customer, order.Note), (copy.OrderId, copy.Customer, copy.Note));
        Assert.Null(MessagePackSerializer.Deserialize<OrderCreated?>(MessagePackSerializer.Serialize<OrderCreated?>(null, options, ct), options, ct));

        var money = new Money { Amount = 1.5m, Currency = "EUR" };
        Assert.Equal(money, MessagePackSerializer.Deserialize<Money>(MessagePackSerializer.Serialize(money, options, ct), options, ct));
        Assert.Null(MessagePackSerializer.Deserialize<Money?>(MessagePackSerializer.Serialize<Money?>(null, options, ct), options, ct));
    }

    private static Gen<Dictionary<string, T>> Dictionary<T>(Gen<T> values)
        => Gen.Select(Text, values).Array[0, 4].Select(pairs => pairs.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2));

    internal static void AssertEquivalent(Everything expected, Everything actual)
    {
        Assert.Equal(expected.Bool, actual.Bool);
        Assert.Equal(expected.Byte, actual.Byte);
        Assert.Equal(expected.SByte, actual.SByte);
        Assert.Equal(expected.Int16, actual.Int16);
        Assert.Equal(expected.UInt16, actual.UInt16);
        Assert.Equal(expected.Int32, actual.Int32);
        Assert.Equal(expected.UInt32, actual.UInt32);
        Assert.Equal(expected.Int64, actual.Int64);
        Assert.Equal(expected.UInt64, actual.UInt64);
        Assert.Equal(expected.Char, actual.Char);
        Assert.True(expected.Single.Equals(actual.Single), $"Single {expected.Single} != {actual.Single}");
        Assert.True(expected.Double.Equals(actual.Double), $"Double {expected.Double} != {actual.Double}");
        Assert.Equal(expected.NInt, actual.NInt);
        Assert.Equal(expected.NUInt, actual.NUInt);
        Assert.Equal(expected.String, actual.String);
        Assert.Equal(expected.NullableString, actual.NullableString);
        Assert.Equal(expected.Guid, actual.Guid);
        Assert.Equal(expected.DateTime, actual.DateTime);
        Assert.Equal(DateTimeKind.Utc, actual.DateTime.Kind);
        Assert.Equal(expected.DateTimeOffset, actual.DateTimeOffset);
        Assert.Equal(expected.DateTimeOffset.Offset, actual.DateTimeOffset.Offset);
        Assert.Equal(expected.TimeSpan, actual.TimeSpan);
        Assert.Equal(expected.DateOnly, actual.DateOnly);
        Assert.Equal(expected.TimeOnly, actual.TimeOnly);
        Assert.Equal(expected.Decimal, actual.Decimal);
        Assert.Equal(expected.Priority, actual.Priority);
        Assert.Equal(expected.Balance, actual.Balance);
        Assert.Equal(expected.NullableInt, actual.NullableInt);
        Assert.Equal(expected.NullableGuid, actual.NullableGuid);
        Assert.Equal(expected.NullableDateTime, actual.NullableDateTime);
        Assert.Equal(expected.NullableDecimal, actual.NullableDecimal);
        Assert.Equal(expected.NullablePriority, actual.NullablePriority);
        Assert.Equal(expected.Bytes, actual.Bytes);
        Assert.Equal(expected.NullableBytes, actual.NullableBytes);
        Assert.Equal(expected.Ints, actual.Ints);
        Assert.Equal(expected.Strings, actual.Strings);
        Assert.Equal(expected.Longs, actual.Longs);
        Assert.Equal(expected.Guids, actual.Guids);
        Assert.Equal(expected.Doubles.IsDefault, actual.Doubles.IsDefault);
        if (!expected.Doubles.IsDefault)
        {
            Assert.Equal(expected.Doubles.Select(BitConverter.DoubleToInt64Bits), actual.Doubles.Select(BitConverter.DoubleToInt64Bits));
        }

        Assert.Equal(expected.Counts, actual.Counts);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.Item, actual.Item);
        Assert.Equal(expected.OptionalItem, actual.OptionalItem);
        Assert.Equal(expected.Money, actual.Money);
        Assert.Equal(expected.OptionalMoney, actual.OptionalMoney);
        Assert.Equal(expected.Nested, actual.Nested);
        Assert.Equal(expected.Jagged, actual.Jagged);
    }
}

internal static class GenExtensions
{
    public static Gen<TResult> With<TResult, TValue>(this Gen<TResult> gen, Gen<TValue> value, Func<TResult, TValue, TResult> apply)
        => Gen.Select(gen, value, apply);
}
