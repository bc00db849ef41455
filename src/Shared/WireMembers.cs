using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Shared;

/// <summary>
/// Which members of a message are serialized, and in which order (docs/serialization.md): the primary-constructor
/// parameters of a positional record in order, then the instance properties with a setter or init accessor and the
/// instance fields that are public, internal or protected internal, in declaration order; static and const members,
/// indexers, get-only properties and members of base types are skipped.
/// </summary>
/// <remarks>
/// The one statement of the rule: this file is compiled into the generator, which writes the wire format from it, and
/// into the analyzers, whose schema lock records it. Two copies could drift apart and let a breaking change through.
/// </remarks>
internal static class WireMembers
{
    /// <summary>The constructor declared by a positional record's parameter list, or <see langword="null"/>.</summary>
    public static IMethodSymbol? FindPrimaryConstructor(INamedTypeSymbol type, CancellationToken cancellationToken)
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

    /// <summary>
    /// The serialized members in wire order: the parameters of <paramref name="primaryConstructor"/> (as
    /// <see cref="IParameterSymbol"/>s), then properties and fields.
    /// </summary>
    public static IEnumerable<ISymbol> Select(INamedTypeSymbol type, IMethodSymbol? primaryConstructor, CancellationToken cancellationToken)
    {
        var constructorNames = new HashSet<string>(System.StringComparer.Ordinal);
        if (primaryConstructor is not null)
        {
            foreach (var parameter in primaryConstructor.Parameters)
            {
                constructorNames.Add(parameter.Name);
                yield return parameter;
            }
        }

        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.IsStatic
                || member.IsImplicitlyDeclared
                || constructorNames.Contains(member.Name)
                || member.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                continue;
            }

            // A get-only property is computed (or set by a constructor the generator does not call): not serialized.
            if (member is IPropertySymbol { IsIndexer: false, SetMethod: not null }
                or IFieldSymbol { IsConst: false, AssociatedSymbol: null, IsFixedSizeBuffer: false })
            {
                yield return member;
            }
        }
    }

    /// <summary>The type of a member returned by <see cref="Select"/>.</summary>
    public static ITypeSymbol TypeOf(ISymbol member) => member switch
    {
        IParameterSymbol parameter => parameter.Type,
        IPropertySymbol property => property.Type,
        _ => ((IFieldSymbol)member).Type,
    };
}
