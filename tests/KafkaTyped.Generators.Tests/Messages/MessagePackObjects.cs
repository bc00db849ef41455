using MessagePack;

namespace KafkaTyped.Generators.Tests.Messages;

// The same shapes as OrderCreated and LineItem, declared the MessagePack-CSharp way (read by its dynamic resolver),
// to show that other MessagePack readers and writers interoperate with the generated encoding.

[MessagePackObject]
public sealed class MpOrderCreated
{
    [Key(0)] public Guid OrderId { get; set; }
    [Key(1)] public string Customer { get; set; } = "";
    [Key(2)] public decimal Amount { get; set; }
    [Key(3)] public List<MpLineItem> Lines { get; set; } = [];
    [Key(4)] public string? Note { get; set; }
}

[MessagePackObject]
public sealed class MpLineItem
{
    [Key(0)] public string Sku { get; set; } = "";
    [Key(1)] public int Quantity { get; set; }
    [Key(2)] public decimal Price { get; set; }
}
