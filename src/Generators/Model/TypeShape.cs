namespace KafkaTyped.Generators.Model;

/// <summary>The encoding-relevant description of a member type, recursive for collections and <see cref="System.Nullable{T}"/>.</summary>
/// <param name="Kind">What the type is.</param>
/// <param name="TypeName">
/// The <c>global::</c>-qualified C# name of the type, without the nullable annotation of a reference type (that is
/// <paramref name="AllowsNull"/>); type arguments are written as declared, e.g. <c>List&lt;string?&gt;</c>. A
/// <see cref="System.Nullable{T}"/> is a type of its own and is written <c>int?</c>.
/// </param>
/// <param name="AllowsNull">Whether nil is a valid value: a nullable reference type, <see cref="System.Nullable{T}"/>, or a default <c>ImmutableArray</c>.</param>
/// <param name="IsReferenceType">Whether the type is a reference type (its value may be <see langword="null"/> at run time).</param>
/// <param name="Element">The element (or value, for dictionaries; underlying type, for <see cref="System.Nullable{T}"/>) shape.</param>
/// <param name="EnumUnderlying">For enums, the underlying integral <see cref="ShapeKind"/>.</param>
/// <param name="EnumMembers">For enums, the members with distinct values (the first declared of each value), for JSON names.</param>
/// <param name="AvroAliases">For enums, the enum's earlier Avro names: <c>[AvroAlias]</c> on the enum.</param>
internal sealed record TypeShape(
    ShapeKind Kind,
    string TypeName,
    bool AllowsNull,
    bool IsReferenceType,
    TypeShape? Element,
    ShapeKind EnumUnderlying = ShapeKind.Int32,
    Common.EquatableArray<EnumMemberSpec> EnumMembers = default,
    Common.EquatableArray<string> AvroAliases = default)
{
    /// <summary>The type as a member declares it: <see cref="TypeName"/>, with <c>?</c> for a reference type that allows null.</summary>
    public string DeclaredName => IsReferenceType && AllowsNull ? TypeName + "?" : TypeName;
}

/// <summary>An enum member as JSON writes and reads it.</summary>
/// <param name="Name">The member's C# name (escaped with <c>@</c> when it is a keyword).</param>
/// <param name="JsonName">The name written to JSON: the member's name as declared.</param>
internal sealed record EnumMemberSpec(string Name, string JsonName);
