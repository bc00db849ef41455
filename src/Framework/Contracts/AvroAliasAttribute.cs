namespace KafkaTyped;

/// <summary>
/// An earlier Avro name of a member or type, written to the schema as an alias: a reader whose field (or record or enum)
/// was renamed still reads what writers with the old name wrote. On a member the name is a field name (the member's Avro
/// name is its C# name in camelCase, so <c>[AvroAlias("customer")]</c> on <c>Client</c> reads the field <c>customer</c>); on
/// a type it is the old name, full (<c>Shop.Orders.Order</c>) or in the type's own namespace (<c>Order</c>). Declare one
/// attribute per old name. Adding an alias changes the schema text, not its encoding.
/// </summary>
[AttributeUsage(
    AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum,
    AllowMultiple = true,
    Inherited = false)]
public sealed class AvroAliasAttribute : Attribute
{
    /// <summary>Declares an earlier name.</summary>
    /// <param name="name">The earlier Avro name.</param>
    public AvroAliasAttribute(string name) => Name = name;

    /// <summary>The earlier Avro name.</summary>
    public string Name { get; }
}
