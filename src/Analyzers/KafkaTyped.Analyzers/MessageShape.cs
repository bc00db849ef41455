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

    /// <summary>The property or field (for a positional record, the property the parameter declares).</summary>
    public ISymbol Symbol { get; }

    public string Name { get; }

    public ITypeSymbol Type { get; }

    public Location Location => Symbol.Locations.Length > 0 ? Symbol.Locations[0] : Location.None;
}

/// <summary>
/// Which members of a message are serialized, and in which order. This must stay the generator's rule
/// (docs/serialization.md): the primary-constructor parameters of a positional record in order, then the instance
/// properties with a setter or init accessor and the instance fields that are public or internal, in declaration
/// order; static and const members and get-only properties are skipped.
/// </summary>
internal static class MessageShape
{
    /// <summary>How member types are written in the schema lock and in messages: namespace-qualified, C# keywords, no nullable reference annotations.</summary>
    public static readonly SymbolDisplayFormat TypeFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    public static string FormatType(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(TypeFormat);

    public static ImmutableArray<SerializedMember> GetMembers(INamedTypeSymbol type, CancellationToken cancellationToken = default)
    {
        var builder = ImmutableArray.CreateBuilder<SerializedMember>();
        var positional = new HashSet<string>(StringComparer.Ordinal);

        if (type.IsRecord)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is RecordDeclarationSyntax { ParameterList: { } parameters })
                {
                    foreach (var parameter in parameters.Parameters)
                    {
                        var name = parameter.Identifier.ValueText;
                        if (!positional.Add(name))
                        {
                            continue;
                        }

                        var property = type.GetMembers(name).FirstOrDefault(m => m is IPropertySymbol or IFieldSymbol);
                        var memberType = property switch
                        {
                            IPropertySymbol p => p.Type,
                            IFieldSymbol f => f.Type,
                            _ => null,
                        };
                        if (property is not null && memberType is not null)
                        {
                            builder.Add(new SerializedMember(property, name, memberType));
                        }
                    }

                    break;
                }
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
                case IFieldSymbol { IsConst: false, AssociatedSymbol: null } field:
                    builder.Add(new SerializedMember(field, field.Name, field.Type));
                    break;
            }
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
