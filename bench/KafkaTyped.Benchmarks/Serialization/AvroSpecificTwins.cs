using Avro;
using Avro.Specific;

namespace KafkaTyped.Benchmarks.Serialization.AvroSpecific;

// What Apache.Avro's avrogen emits for the generated schema of the benchmark message: ISpecificRecord classes whose
// Get/Put address fields by position, and a C# enum. Apache.Avro's specific reader finds these types by the schema's
// full names, so they sit in a namespace of their own (the benchmark rewrites the schema's namespace to it).

public enum OrderStatus
{
    Pending,
    Confirmed,
    Shipped,
    Cancelled,
}

public sealed class OrderLine : ISpecificRecord
{
    public static Schema SchemaOf { get; set; } = null!;

    public Schema Schema => SchemaOf;

    public string Sku { get; set; } = "";

    public string Description { get; set; } = "";

    public int Quantity { get; set; }

    public AvroDecimal UnitPrice { get; set; }

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => Sku,
        1 => Description,
        2 => Quantity,
        3 => UnitPrice,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: Sku = (string)fieldValue; break;
            case 1: Description = (string)fieldValue; break;
            case 2: Quantity = (int)fieldValue; break;
            case 3: UnitPrice = (AvroDecimal)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }
}

public sealed class OrderPlaced : ISpecificRecord
{
    public static Schema SchemaOf { get; set; } = null!;

    public Schema Schema => SchemaOf;

    public Guid OrderId { get; set; }

    public string CustomerId { get; set; } = "";

    public string CustomerName { get; set; } = "";

    public string Email { get; set; } = "";

    public AvroDecimal Total { get; set; }

    public string Currency { get; set; } = "";

    public DateTime PlacedAt { get; set; }

    public OrderStatus Status { get; set; }

    public int LineCount { get; set; }

    public long Sequence { get; set; }

    public string ShippingAddress { get; set; } = "";

    public IList<OrderLine> Lines { get; set; } = [];

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => OrderId,
        1 => CustomerId,
        2 => CustomerName,
        3 => Email,
        4 => Total,
        5 => Currency,
        6 => PlacedAt,
        7 => Status,
        8 => LineCount,
        9 => Sequence,
        10 => ShippingAddress,
        11 => Lines,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: OrderId = (Guid)fieldValue; break;
            case 1: CustomerId = (string)fieldValue; break;
            case 2: CustomerName = (string)fieldValue; break;
            case 3: Email = (string)fieldValue; break;
            case 4: Total = (AvroDecimal)fieldValue; break;
            case 5: Currency = (string)fieldValue; break;
            case 6: PlacedAt = (DateTime)fieldValue; break;
            case 7: Status = (OrderStatus)fieldValue; break;
            case 8: LineCount = (int)fieldValue; break;
            case 9: Sequence = (long)fieldValue; break;
            case 10: ShippingAddress = (string)fieldValue; break;
            case 11: Lines = (IList<OrderLine>)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }

    /// <summary>The twin of <paramref name="message"/>, with the decimals the generic datum already holds at the schema's scale.</summary>
    internal static OrderPlaced From(Messages.OrderPlaced message, Avro.Generic.GenericRecord generic) => new()
    {
        OrderId = message.OrderId,
        CustomerId = message.CustomerId,
        CustomerName = message.CustomerName,
        Email = message.Email,
        Total = (AvroDecimal)generic["total"],
        Currency = message.Currency,
        PlacedAt = message.PlacedAt,
        Status = (OrderStatus)(int)message.Status,
        LineCount = message.LineCount,
        Sequence = message.Sequence,
        ShippingAddress = message.ShippingAddress,
        Lines = message.Lines.Select((line, i) => new OrderLine
        {
            Sku = line.Sku,
            Description = line.Description,
            Quantity = line.Quantity,
            UnitPrice = (AvroDecimal)((Avro.Generic.GenericRecord)((object[])generic["lines"])[i])["unitPrice"],
        }).ToList(),
    };
}
