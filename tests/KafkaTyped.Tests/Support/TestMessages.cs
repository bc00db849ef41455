using System.Buffers.Binary;
using System.Text;
using MessagePack;

namespace KafkaTyped.Tests.Support;

// Temporary: written by hand with the shape the source generator emits, until the generator is on main; then these
// become [KafkaMessage] partial records.

/// <summary>A keyed message (Guid key, UTF-8 "D" form) with no default topic.</summary>
public sealed record OrderPlaced(Guid OrderId, string Customer, int Sequence) : IKafkaMessage<OrderPlaced>
{
    public static string TypeId => "order-placed";
    public static ReadOnlySpan<byte> TypeIdUtf8 => "order-placed"u8;
    public static string? DefaultTopic => null;
    public static bool HasKey => true;

    public static byte[]? SerializeKey(OrderPlaced message) => Encoding.UTF8.GetBytes(message.OrderId.ToString("D"));

    public static void Serialize(ref MessagePackWriter writer, OrderPlaced value)
    {
        writer.WriteArrayHeader(3);
        writer.Write(value.OrderId.ToString("D"));
        writer.Write(value.Customer);
        writer.Write(value.Sequence);
    }

    public static OrderPlaced Deserialize(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var id = Guid.Parse(reader.ReadString()!);
        var customer = reader.ReadString()!;
        var sequence = reader.ReadInt32();
        for (var i = 3; i < count; i++)
        {
            reader.Skip();
        }

        return new OrderPlaced(id, customer, sequence);
    }
}

/// <summary>A message keyed by a long (big-endian) with a default topic.</summary>
public sealed record StockCounted(long Sku, int Quantity) : IKafkaMessage<StockCounted>
{
    public static string TypeId => "stock-counted";
    public static ReadOnlySpan<byte> TypeIdUtf8 => "stock-counted"u8;
    public static string? DefaultTopic => "stock";
    public static bool HasKey => true;

    public static byte[]? SerializeKey(StockCounted message)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, message.Sku);
        return key;
    }

    public static void Serialize(ref MessagePackWriter writer, StockCounted value)
    {
        writer.WriteArrayHeader(2);
        writer.Write(value.Sku);
        writer.Write(value.Quantity);
    }

    public static StockCounted Deserialize(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var sku = reader.ReadInt64();
        var quantity = reader.ReadInt32();
        for (var i = 2; i < count; i++)
        {
            reader.Skip();
        }

        return new StockCounted(sku, quantity);
    }
}
