using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Generators.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void OrderCreatedRoundTrips()
    {
        var order = new OrderCreated(Guid.NewGuid(), "ada", 12.5m)
        {
            Lines = [new LineItem("sku-1", 2, 3.25m)],
            Note = "fragile",
        };

        var bytes = KafkaSerializer.Serialize(order);
        var copy = KafkaSerializer.Deserialize<OrderCreated>(bytes);

        Assert.Equal(order.OrderId, copy.OrderId);
        Assert.Equal("ada", copy.Customer);
        Assert.Equal(12.5m, copy.Amount);
        Assert.Equal("fragile", copy.Note);
        Assert.Equal(order.Lines, copy.Lines);
        AssertContract(order, "order-created", "orders", System.Text.Encoding.UTF8.GetBytes(order.OrderId.ToString("D")));
    }

    // The contract's members are explicit implementations, reached through a type parameter as the runtime does.
    private static void AssertContract<T>(T message, string typeId, string? topic, byte[]? key)
        where T : IKafkaMessage<T>
    {
        Assert.Equal(typeId, T.TypeId);
        Assert.Equal(topic, T.DefaultTopic);
        Assert.Equal(key is not null, T.HasKey);
        Assert.Equal(key, T.SerializeKey(message));
    }
}
