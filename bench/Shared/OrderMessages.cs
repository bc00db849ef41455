using KafkaTyped;

namespace KafkaTyped.Benchmarks.Messages;

/// <summary>The state of an order.</summary>
public enum OrderStatus
{
    Pending,
    Confirmed,
    Shipped,
    Cancelled,
}

/// <summary>One line of an order: a nested data type.</summary>
[KafkaData]
public sealed partial record OrderLine(string Sku, string Description, int Quantity, decimal UnitPrice);

/// <summary>
/// A representative business event: a dozen members of the common kinds (Guid key, strings, decimal, DateTime, an enum,
/// integers, a list of nested line items). Shared by the micro-benchmarks and the throughput runner.
/// </summary>
[KafkaMessage("bench.order-placed", Topic = "bench-orders")]
public sealed partial record OrderPlaced(
    [property: MessageKey] Guid OrderId,
    string CustomerId,
    string CustomerName,
    string Email,
    decimal Total,
    string Currency,
    DateTime PlacedAt,
    OrderStatus Status,
    int LineCount,
    long Sequence,
    string ShippingAddress,
    List<OrderLine> Lines);

/// <summary>Builds the same sample messages for every benchmark and runner.</summary>
public static class SampleOrders
{
    public static OrderPlaced Create(long sequence, int lines = 3)
    {
        var random = new Random((int)sequence);
        var items = new List<OrderLine>(lines);
        decimal total = 0;
        for (var i = 0; i < lines; i++)
        {
            var price = Math.Round((decimal)random.Next(100, 100_000) / 100m, 2);
            var quantity = random.Next(1, 5);
            items.Add(new OrderLine($"SKU-{random.Next(10_000, 99_999)}", $"Item number {i} of the order", quantity, price));
            total += price * quantity;
        }

        return new OrderPlaced(
            new Guid(random.Next(), (short)random.Next(), (short)random.Next(), 1, 2, 3, 4, 5, 6, 7, 8),
            $"customer-{random.Next(1, 1_000_000)}",
            "Ada Lovelace",
            "ada.lovelace@example.com",
            total,
            "EUR",
            new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc).AddSeconds(sequence),
            (OrderStatus)(sequence % 4),
            lines,
            sequence,
            "12 Analytical Engine Street, 75001 Paris, France",
            items);
    }
}

/// <summary>A tiny message for the dispatch benchmark, so deserialization does not hide the routing cost.</summary>
[KafkaMessage("bench.ping", Topic = "bench-pings")]
public sealed partial record Ping(int Sequence);

/// <summary>Another message type, so the routing table has more than one entry.</summary>
[KafkaMessage("bench.order-cancelled", Topic = "bench-orders")]
public sealed partial record OrderCancelled([property: MessageKey] Guid OrderId, string Reason);
