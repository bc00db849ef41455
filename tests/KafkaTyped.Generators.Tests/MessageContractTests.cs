using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Generators.Tests;

/// <summary>The generated <see cref="IKafkaMessage{TSelf}"/> members, read through the interface as the runtime does.</summary>
public sealed class MessageContractTests
{
    [Fact]
    public void KeysAreEncodedAsTheWireContractSays()
    {
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

        Assert.Equal("ab-é"u8.ToArray(), Key(new KeyedByString("ab-é")));
        Assert.Null(Key(new KeyedByString(null)));
        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e"u8.ToArray(), Key(new KeyedByNullableGuid(guid)));
        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e"u8.ToArray(), Key(new OrderCreated(guid, "c", 1m)));
        Assert.Null(Key(new KeyedByNullableGuid(null)));
        Assert.Equal([0x01, 0x02, 0x03, 0x04], Key(new KeyedByInt(0x01020304)));
        Assert.Equal([0xff, 0xff, 0xff, 0xfe], Key(new KeyedByInt(-2)));
        Assert.Equal([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08], Key(new KeyedByLong { Id = 0x0102030405060708 }));
        var bytes = new byte[] { 9, 8, 7 };
        Assert.Same(bytes, Key(new KeyedByBytes { Id = bytes }));
        Assert.Null(Key(new KeyedByBytes()));
        Assert.Equal("acme/7"u8.ToArray(), Key(new KeyedByComputed("acme", 7)));
        Assert.Null(Key(new Stamped(DateTime.UnixEpoch)));
    }

    [Fact]
    public void GeneratedMembersStayOutOfThePublicSurface()
    {
        // The contract is implemented explicitly and the formatter is internal: a message's public API is what its author wrote.
        foreach (var type in new[] { typeof(OrderCreated), typeof(KeyedByInt), typeof(Money) })
        {
            var publicStatics = type.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)
                .Where(m => m.Name is "TypeId" or "TypeIdUtf8" or "DefaultTopic" or "HasKey" or "SerializeKey" or "Serialize" or "Deserialize"
                    || m.Name.StartsWith("get_", StringComparison.Ordinal))
                .Select(m => m.Name);
            Assert.Empty(publicStatics);
            Assert.Empty(type.GetNestedTypes(System.Reflection.BindingFlags.Public));
            Assert.NotNull(type.GetNestedType("MessagePackFormatter", System.Reflection.BindingFlags.NonPublic));
        }
    }

    [Fact]
    public void TypeIdTopicAndHasKeyComeFromTheAttributes()
    {
        Assert.Equal(("order-created", "order-created", "orders", true), Contract<OrderCreated>());
        Assert.Equal(("order-shipped", "order-shipped", null, true), Contract<OrderShipped>());
        Assert.Equal(("stamped", "stamped", null, false), Contract<Stamped>());
        Assert.Equal(("keyed-by-long", "keyed-by-long", null, true), Contract<KeyedByLong>());
    }

    [Fact]
    public void DateTimesTravelAsUtcInstants()
    {
        var utc = new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc).AddTicks(4567);
        var local = utc.ToLocalTime();
        var unspecified = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);

        foreach (var value in new[] { utc, local, unspecified })
        {
            var copy = KafkaSerializer.Deserialize<Stamped>(KafkaSerializer.Serialize(new Stamped(value))).At;
            Assert.Equal(DateTimeKind.Utc, copy.Kind);
            Assert.Equal(utc.Ticks, copy.Ticks);
        }
    }

    private static byte[]? Key<T>(T message)
        where T : IKafkaMessage<T> => T.SerializeKey(message);

    private static (string, string, string?, bool) Contract<T>()
        where T : IKafkaMessage<T> => (T.TypeId, System.Text.Encoding.UTF8.GetString(T.TypeIdUtf8), T.DefaultTopic, T.HasKey);
}
