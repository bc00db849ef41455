using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

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
/// Which members of a message are serialized, and in which order. This must stay the generator's rule
/// (docs/serialization.md, KafkaTypedGenerator.Parser.ParseMembers): the primary-constructor parameters of a positional
/// record in order (with the parameter's type), then the instance properties with a setter or init accessor and the
/// instance fields that are public, internal or protected internal, in declaration order; static and const members,
/// indexers, get-only properties and members of base types are skipped.
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
        var positional = new HashSet<string>(StringComparer.Ordinal);

        if (FindPrimaryConstructor(type, cancellationToken) is { } primaryConstructor)
        {
            foreach (var parameter in primaryConstructor.Parameters)
            {
                positional.Add(parameter.Name);
                builder.Add(new SerializedMember(parameter, parameter.Name, parameter.Type));
            }
        }

        foreach (var member in type.GetMembers())
        {
            if (member.IsStatic || member.IsImplicitlyDeclared || positional.Contains(member.Name) || !IsVisible(member))
            {
                continue;
            }

            switch (member)
            {
                case IPropertySymbol { IsIndexer: false, SetMethod: not null } property:
                    builder.Add(new SerializedMember(property, property.Name, property.Type));
                    break;
                case IFieldSymbol { IsConst: false, AssociatedSymbol: null, IsFixedSizeBuffer: false } field:
                    builder.Add(new SerializedMember(field, field.Name, field.Type));
                    break;
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>The constructor declared by a positional record's parameter list, as the generator finds it.</summary>
    private static IMethodSymbol? FindPrimaryConstructor(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (!type.IsRecord)
        {
            return null;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is RecordDeclarationSyntax { ParameterList: not null } record)
            {
                foreach (var constructor in type.InstanceConstructors)
                {
                    if (constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) == record))
                    {
                        return constructor;
                    }
                }
            }
        }

        return null;
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
            if (member is IPropertySymbol or IFieldSymbol && KnownTypes.Find(member, messageKeyAttribute) is not null)
            {
                return member;
            }
        }

        return null;
    }

    private static bool IsVisible(ISymbol member)
        => member.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;
}
