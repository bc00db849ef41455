using KafkaTyped;

namespace OrderService;

// The messages of an order's life, all on the "orders" topic. Each is keyed by its order id ([MessageKey]), so every
// message of one order lands on the same partition and is handled in the order it was published: a payment is never
// handled before the order it pays for, even though the three types share a topic and partitions run in parallel.
//
// The source generator turns each partial record into an IKafkaMessage<T> with a MessagePack serializer written at
// compile time (no reflection, NativeAOT-safe). The type id ("order-placed") travels in the ce_type header and routes
// a record to its handlers; it is the wire contract, so rename the C# type freely but never the id.
//
// kafkatyped.schema.lock (next to the .csproj) records the wire shape of these messages; the analyzers fail the build
// when a change would break readers that were not redeployed (add members at the end only). After a deliberate change:
// dotnet build -p:KafkaTypedUpdateSchemaLock=true, and commit the lock with the code (docs/schema-lock.md).

/// <summary>A customer placed an order.</summary>
[KafkaMessage("order-placed", Topic = Topics.Orders)]
public partial record OrderPlaced(
    [property: MessageKey] Guid OrderId,
    string Customer,
    IReadOnlyList<OrderLine> Lines,
    DateTimeOffset PlacedAt)
{
    /// <summary>The order's total.</summary>
    public decimal Total => Lines.Sum(l => l.UnitPrice * l.Quantity);
}

/// <summary>The payment of an order was captured.</summary>
[KafkaMessage("payment-captured", Topic = Topics.Orders)]
public partial record PaymentCaptured([property: MessageKey] Guid OrderId, decimal Amount, string PaymentReference);

/// <summary>An order left the warehouse.</summary>
[KafkaMessage("order-shipped", Topic = Topics.Orders)]
public partial record OrderShipped([property: MessageKey] Guid OrderId, string Carrier, string TrackingNumber);

/// <summary>One line of an order. [KafkaData] types travel inside messages; they have no type id of their own.</summary>
[KafkaData]
public partial record OrderLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>Topic names, in one place.</summary>
public static class Topics
{
    /// <summary>Every message of an order's life.</summary>
    public const string Orders = "orders";
}
