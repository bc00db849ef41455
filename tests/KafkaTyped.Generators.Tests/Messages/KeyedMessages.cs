using KafkaTyped;

namespace KafkaTyped.Generators.Tests.Messages;

[KafkaMessage("keyed-by-string")]
public partial record KeyedByString([property: MessageKey] string? Id);

[KafkaMessage("keyed-by-nullable-guid")]
public partial record KeyedByNullableGuid([property: MessageKey] Guid? Id);

[KafkaMessage("keyed-by-int")]
public partial record KeyedByInt([property: MessageKey] int Id);

[KafkaMessage("keyed-by-long")]
public partial struct KeyedByLong
{
    [MessageKey]
    public long Id { get; set; }
}

[KafkaMessage("keyed-by-bytes")]
public partial class KeyedByBytes
{
    [MessageKey]
    public byte[]? Id { get; set; }
}

[KafkaMessage("keyed-by-computed")]
public partial record KeyedByComputed(string Tenant, int Number)
{
    [MessageKey]
    public string Key => $"{Tenant}/{Number}";
}

[KafkaMessage("stamped")]
public partial record Stamped(DateTime At);
