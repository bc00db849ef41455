using KafkaTyped.Generators.Tests.Model;
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
        Assert.Equal("order-created", OrderCreated.TypeId);
        Assert.Equal("orders", OrderCreated.DefaultTopic);
        Assert.True(OrderCreated.HasKey);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(order.OrderId.ToString("D")), OrderCreated.SerializeKey(order));
    }
}
