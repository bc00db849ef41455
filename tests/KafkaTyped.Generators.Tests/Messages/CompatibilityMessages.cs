using KafkaTyped;

namespace KafkaTyped.Generators.Tests.Messages;

// Two shapes of the same data, as two releases of a service would declare it.

[KafkaData]
public partial record CustomerV1(string Name);

[KafkaData]
public partial record CustomerV2(string Name, string Region = "eu")
{
    public List<string> Tags { get; init; } = ["new"];

    public int? Age { get; init; }
}

[KafkaData]
public sealed partial class InvoiceV1
{
    public long Number { get; set; }

    public decimal Total { get; set; }
}

[KafkaData]
public sealed partial class InvoiceV2
{
    public long Number { get; set; }

    public decimal Total { get; set; }

    public required string Currency { get; init; }

    public DateOnly DueOn { get; set; } = new(2030, 1, 1);
}

/// <summary>One member per length-prefixed MessagePack type, for the hostile-bytes tests.</summary>
[KafkaData]
public partial record Blob(byte[] Data, List<int> Numbers, Dictionary<string, int> Map, string Text);
