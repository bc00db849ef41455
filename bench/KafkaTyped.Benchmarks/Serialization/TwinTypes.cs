using System.Text.Json.Serialization;
using KafkaTyped.Benchmarks.Messages;
using MessagePack;

namespace KafkaTyped.Benchmarks.Serialization;

// Twins of OrderPlaced / OrderLine for the other serializers: same members, same order, same values.

/// <summary>The <c>[MessagePackObject]</c> twin: integer keys, so MessagePack writes an array like the generated serializer.</summary>
[MessagePackObject]
public sealed class AttributedOrderLine
{
    [Key(0)] public string Sku { get; set; } = "";
    [Key(1)] public string Description { get; set; } = "";
    [Key(2)] public int Quantity { get; set; }
    [Key(3)] public decimal UnitPrice { get; set; }
}

/// <inheritdoc cref="AttributedOrderLine"/>
[MessagePackObject]
public sealed class AttributedOrder
{
    [Key(0)] public Guid OrderId { get; set; }
    [Key(1)] public string CustomerId { get; set; } = "";
    [Key(2)] public string CustomerName { get; set; } = "";
    [Key(3)] public string Email { get; set; } = "";
    [Key(4)] public decimal Total { get; set; }
    [Key(5)] public string Currency { get; set; } = "";
    [Key(6)] public DateTime PlacedAt { get; set; }
    [Key(7)] public OrderStatus Status { get; set; }
    [Key(8)] public int LineCount { get; set; }
    [Key(9)] public long Sequence { get; set; }
    [Key(10)] public string ShippingAddress { get; set; } = "";
    [Key(11)] public List<AttributedOrderLine> Lines { get; set; } = [];

    public static AttributedOrder From(OrderPlaced o) => new()
    {
        OrderId = o.OrderId, CustomerId = o.CustomerId, CustomerName = o.CustomerName, Email = o.Email, Total = o.Total,
        Currency = o.Currency, PlacedAt = o.PlacedAt, Status = o.Status, LineCount = o.LineCount, Sequence = o.Sequence,
        ShippingAddress = o.ShippingAddress,
        Lines = o.Lines.ConvertAll(l => new AttributedOrderLine { Sku = l.Sku, Description = l.Description, Quantity = l.Quantity, UnitPrice = l.UnitPrice }),
    };
}

/// <summary>The plain twin: no attributes; used by MessagePack contractless (a map keyed by member name) and System.Text.Json.</summary>
public sealed class PlainOrderLine
{
    public string Sku { get; set; } = "";
    public string Description { get; set; } = "";
    public int Quantity { get; set; }
    public decimal UnitPrice { get; set; }
}

/// <inheritdoc cref="PlainOrderLine"/>
public sealed class PlainOrder
{
    public Guid OrderId { get; set; }
    public string CustomerId { get; set; } = "";
    public string CustomerName { get; set; } = "";
    public string Email { get; set; } = "";
    public decimal Total { get; set; }
    public string Currency { get; set; } = "";
    public DateTime PlacedAt { get; set; }
    public OrderStatus Status { get; set; }
    public int LineCount { get; set; }
    public long Sequence { get; set; }
    public string ShippingAddress { get; set; } = "";
    public List<PlainOrderLine> Lines { get; set; } = [];

    public static PlainOrder From(OrderPlaced o) => new()
    {
        OrderId = o.OrderId, CustomerId = o.CustomerId, CustomerName = o.CustomerName, Email = o.Email, Total = o.Total,
        Currency = o.Currency, PlacedAt = o.PlacedAt, Status = o.Status, LineCount = o.LineCount, Sequence = o.Sequence,
        ShippingAddress = o.ShippingAddress,
        Lines = o.Lines.ConvertAll(l => new PlainOrderLine { Sku = l.Sku, Description = l.Description, Quantity = l.Quantity, UnitPrice = l.UnitPrice }),
    };
}

/// <summary>System.Text.Json source-generated metadata and fast-path serializer for the plain twin.</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(PlainOrder))]
public sealed partial class BenchJsonContext : JsonSerializerContext
{
}
