using System.Text;
using MessagePack;

namespace KafkaTyped.IntegrationTests.Messaging;

// Temporary: these implement IKafkaMessage<T> by hand, with the shape the source generator emits, until the generator
// is on main; then they become [KafkaMessage] partial records.

/// <summary>First of three message types on one topic; keyed by <see cref="OrderId"/> (UTF-8).</summary>
public sealed record OrderPlaced(string OrderId, long Sequence, string Customer) : IKafkaMessage<OrderPlaced>
{
    public static string TypeId => "it.order-placed";
    public static ReadOnlySpan<byte> TypeIdUtf8 => "it.order-placed"u8;
    public static string? DefaultTopic => null;
    public static bool HasKey => true;

    public static byte[]? SerializeKey(OrderPlaced message) => Encoding.UTF8.GetBytes(message.OrderId);

    public static void Serialize(ref MessagePackWriter writer, OrderPlaced value)
    {
        writer.WriteArrayHeader(3);
        writer.Write(value.OrderId);
        writer.Write(value.Sequence);
        writer.Write(value.Customer);
    }

    public static OrderPlaced Deserialize(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var result = new OrderPlaced(reader.ReadString()!, reader.ReadInt64(), reader.ReadString()!);
        for (var i = 3; i < count; i++)
        {
            reader.Skip();
        }

        return result;
    }
}

/// <summary>Second message type; keyed by <see cref="OrderId"/>.</summary>
public sealed record PaymentCaptured(string OrderId, long Sequence, long AmountCents) : IKafkaMessage<PaymentCaptured>
{
    public static string TypeId => "it.payment-captured";
    public static ReadOnlySpan<byte> TypeIdUtf8 => "it.payment-captured"u8;
    public static string? DefaultTopic => null;
    public static bool HasKey => true;

    public static byte[]? SerializeKey(PaymentCaptured message) => Encoding.UTF8.GetBytes(message.OrderId);

    public static void Serialize(ref MessagePackWriter writer, PaymentCaptured value)
    {
        writer.WriteArrayHeader(3);
        writer.Write(value.OrderId);
        writer.Write(value.Sequence);
        writer.Write(value.AmountCents);
    }

    public static PaymentCaptured Deserialize(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var result = new PaymentCaptured(reader.ReadString()!, reader.ReadInt64(), reader.ReadInt64());
        for (var i = 3; i < count; i++)
        {
            reader.Skip();
        }

        return result;
    }
}

/// <summary>Third message type; keyed by <see cref="OrderId"/>.</summary>
public sealed record OrderShipped(string OrderId, long Sequence, string Carrier) : IKafkaMessage<OrderShipped>
{
    public static string TypeId => "it.order-shipped";
    public static ReadOnlySpan<byte> TypeIdUtf8 => "it.order-shipped"u8;
    public static string? DefaultTopic => null;
    public static bool HasKey => true;

    public static byte[]? SerializeKey(OrderShipped message) => Encoding.UTF8.GetBytes(message.OrderId);

    public static void Serialize(ref MessagePackWriter writer, OrderShipped value)
    {
        writer.WriteArrayHeader(3);
        writer.Write(value.OrderId);
        writer.Write(value.Sequence);
        writer.Write(value.Carrier);
    }

    public static OrderShipped Deserialize(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var result = new OrderShipped(reader.ReadString()!, reader.ReadInt64(), reader.ReadString()!);
        for (var i = 3; i < count; i++)
        {
            reader.Skip();
        }

        return result;
    }
}
