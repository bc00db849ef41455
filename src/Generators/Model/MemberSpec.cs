namespace KafkaTyped.Generators.Model;

/// <summary>One serialized member, in encoding order.</summary>
/// <param name="Name">The member name as written in C# (escaped with <c>@</c> when it is a keyword).</param>
/// <param name="DisplayName">The member name for error messages.</param>
/// <param name="Shape">How the member's type is encoded.</param>
/// <param name="IsConstructorParameter">Whether the member is a parameter of a positional record's primary constructor.</param>
/// <param name="DefaultValueExpression">For a constructor parameter with a default value, that value as a C# expression; used when a payload lacks the member.</param>
/// <param name="JsonName">The property name in JSON: <c>[JsonPropertyName]</c> when the member declares one, else the name in camelCase.</param>
/// <param name="AvroPrecision">The Avro precision of the member's decimals: <c>[AvroDecimal]</c>, else 29.</param>
/// <param name="AvroScale">The Avro scale of the member's decimals: <c>[AvroDecimal]</c>, else 14.</param>
/// <param name="AvroAliases">The field's earlier Avro names: <c>[AvroAlias]</c>.</param>
/// <param name="AvroDefault">The field's Avro default as JSON: <c>[AvroDefault]</c>; <see langword="null"/> without one (a nullable member defaults to null regardless).</param>
internal sealed record MemberSpec(
    string Name,
    string DisplayName,
    TypeShape Shape,
    bool IsConstructorParameter,
    string? DefaultValueExpression,
    string JsonName,
    int AvroPrecision = 29,
    int AvroScale = 14,
    Common.EquatableArray<string> AvroAliases = default,
    string? AvroDefault = null);
