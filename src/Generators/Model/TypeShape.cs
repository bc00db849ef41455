namespace KafkaTyped.Generators.Model;

/// <summary>The encoding-relevant description of a member type, recursive for collections and <see cref="System.Nullable{T}"/>.</summary>
/// <param name="Kind">What the type is.</param>
/// <param name="TypeName">The <c>global::</c>-qualified C# name, with nullable annotations as declared (e.g. <c>string?</c>).</param>
/// <param name="AllowsNull">Whether nil is a valid value: a nullable reference type, <see cref="System.Nullable{T}"/>, or a default <c>ImmutableArray</c>.</param>
/// <param name="IsReferenceType">Whether the type is a reference type (its value may be <see langword="null"/> at run time).</param>
/// <param name="Element">The element (or value, for dictionaries; underlying type, for <see cref="System.Nullable{T}"/>) shape.</param>
/// <param name="EnumUnderlying">For enums, the underlying integral <see cref="ShapeKind"/>.</param>
internal sealed record TypeShape(
    ShapeKind Kind,
    string TypeName,
    bool AllowsNull,
    bool IsReferenceType,
    TypeShape? Element,
    ShapeKind EnumUnderlying = ShapeKind.Int32);
