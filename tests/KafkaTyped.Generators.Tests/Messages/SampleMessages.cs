using System.Collections.Immutable;
using KafkaTyped;

namespace KafkaTyped.Generators.Tests.Messages;

public enum Priority : byte
{
    Low = 1,
    High = 200,
}

public enum Balance : long
{
    Negative = -5_000_000_000,
    Zero = 0,
}

[KafkaMessage("order-created", Topic = "orders")]
public partial record OrderCreated([property: MessageKey] Guid OrderId, string Customer, decimal Amount)
{
    public List<LineItem> Lines { get; init; } = [];

    public string? Note { get; set; }

    public int LineCount => Lines.Count;
}

[KafkaData]
public partial record LineItem(string Sku, int Quantity, decimal Price);

[KafkaData]
public partial struct Money
{
    public decimal Amount;

    public string Currency { get; set; }
}

[KafkaMessage("order-shipped")]
public sealed partial class OrderShipped
{
    [MessageKey]
    public required string OrderNumber { get; init; }

    public DateTimeOffset ShippedAt { get; set; }

    public Money? Cost { get; set; }
}

/// <summary>One member of every supported kind, for the round-trip properties.</summary>
[KafkaMessage("everything")]
public partial record Everything
{
    public bool Bool { get; init; }
    public byte Byte { get; init; }
    public sbyte SByte { get; init; }
    public short Int16 { get; init; }
    public ushort UInt16 { get; init; }
    public int Int32 { get; init; }
    public uint UInt32 { get; init; }
    public long Int64 { get; init; }
    public ulong UInt64 { get; init; }
    public char Char { get; init; }
    public float Single { get; init; }
    public double Double { get; init; }
    public nint NInt { get; init; }
    public nuint NUInt { get; init; }
    public string String { get; init; } = "";
    public string? NullableString { get; init; }
    public Guid Guid { get; init; }
    public DateTime DateTime { get; init; }
    public DateTimeOffset DateTimeOffset { get; init; }
    public TimeSpan TimeSpan { get; init; }
    public DateOnly DateOnly { get; init; }
    public TimeOnly TimeOnly { get; init; }
    public decimal Decimal { get; init; }
    public Priority Priority { get; init; }
    public Balance Balance { get; init; }
    public int? NullableInt { get; init; }
    public Guid? NullableGuid { get; init; }
    public DateTime? NullableDateTime { get; init; }
    public decimal? NullableDecimal { get; init; }
    public Priority? NullablePriority { get; init; }
    public byte[] Bytes { get; init; } = [];
    public byte[]? NullableBytes { get; init; }
    public int[] Ints { get; init; } = [];
    public string?[]? Strings { get; init; }
    public List<long> Longs { get; init; } = [];
    public IReadOnlyList<Guid> Guids { get; init; } = [];
    public ImmutableArray<double> Doubles { get; init; }
    public Dictionary<string, int> Counts { get; init; } = [];
    public IReadOnlyDictionary<string, string?> Labels { get; init; } = new Dictionary<string, string?>();
    public LineItem Item { get; init; } = new("", 0, 0m);
    public LineItem? OptionalItem { get; init; }
    public Money Money { get; init; }
    public Money? OptionalMoney { get; init; }
    public List<Dictionary<string, LineItem?>> Nested { get; init; } = [];
    public int[][] Jagged { get; init; } = [];
}

/// <summary>A recursive data type: what hostile nesting targets.</summary>
[KafkaData]
public partial class TreeNode
{
    public string Name { get; set; } = "";

    public List<TreeNode> Children { get; set; } = [];
}

/// <summary>An Avro message: a declared decimal precision and scale, and the schema of a nested record and enum.</summary>
[KafkaMessage("payment-taken", Topic = "payments", Format = MessageFormat.Avro)]
public partial record PaymentTaken([property: MessageKey] Guid PaymentId, [property: AvroDecimal(10, 2)] decimal Amount, Priority Priority)
{
    public LineItem? Line { get; init; }

    public List<LineItem> Lines { get; init; } = [];

    public string? Note { get; init; }
}
