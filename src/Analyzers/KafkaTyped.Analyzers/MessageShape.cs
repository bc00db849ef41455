using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Analyzers;

/// <summary>One serialized member of a message, in wire order.</summary>
internal readonly struct SerializedMember
{
    public SerializedMember(ISymbol symbol, string name, ITypeSymbol type)
    {
        Symbol = symbol;
        Name = name;
        Type = type;
    }

    /// <summary>The property or field, or for a positional record the primary constructor's parameter.</summary>
    public ISymbol Symbol { get; }

    public string Name { get; }

    public ITypeSymbol Type { get; }

    public Location Location => Symbol.Locations.Length > 0 ? Symbol.Locations[0] : Location.None;
}

/// <summary>
/// The serialized members of a message as the schema lock records them. Which members and in which order is
/// <see cref="WireMembers"/>, the generator's own rule compiled into this assembly too.
/// </summary>
internal static class MessageShape
{
    /// <summary>
    /// How member types are written in the schema lock: namespace-qualified, C# keywords, with nullable annotations
    /// (nullability is part of the contract: the generated code rejects nil for a member that is not nullable).
    /// </summary>
    public static readonly SymbolDisplayFormat TypeFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The lock's type text. A reference type from nullable-oblivious code may be nil, so it is written as nullable.</summary>
    public static string FormatType(ITypeSymbol type)
        => (type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.None ? type.WithNullableAnnotation(NullableAnnotation.Annotated) : type)
            .ToDisplayString(TypeFormat);

    public static ImmutableArray<SerializedMember> GetMembers(INamedTypeSymbol type, CancellationToken cancellationToken = default)
    {
        var builder = ImmutableArray.CreateBuilder<SerializedMember>();
        foreach (var member in WireMembers.Select(type, WireMembers.FindPrimaryConstructor(type, cancellationToken), cancellationToken))
        {
            builder.Add(new SerializedMember(member, member.Name, WireMembers.TypeOf(member)));
        }

        return builder.ToImmutable();
    }

    /// <summary>The member carrying [MessageKey], or null when the message has none.</summary>
    public static ISymbol? FindKeyMember(INamedTypeSymbol type, INamedTypeSymbol? messageKeyAttribute)
    {
        if (messageKeyAttribute is null)
        {
            return null;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IPropertySymbol or IFieldSymbol && KnownTypeSymbols.Find(member, messageKeyAttribute) is not null)
            {
                return member;
            }
        }

        return null;
    }
}
