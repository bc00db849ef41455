using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Shared;

/// <summary>
/// Which class declarations the generator binds to look for handlers (docs/generator.md): a class or record class
/// whose own base list names <c>IHandle&lt;T&gt;</c>, written as <c>IHandle&lt;T&gt;</c>, <c>KafkaTyped.IHandle&lt;T&gt;</c>
/// or <c>global::KafkaTyped.IHandle&lt;T&gt;</c>. Only those are bound, so an edit does not re-bind every class of a
/// large compilation. The analyzers report (KT0023) a concrete handler that implements the interface only through a
/// base class or a using alias, which this rule does not see.
/// </summary>
internal static class HandlerSyntax
{
    /// <summary>Whether <paramref name="declaration"/> may declare a handler: its base list names <c>IHandle&lt;T&gt;</c>.</summary>
    public static bool NamesHandlerInterface(TypeDeclarationSyntax declaration)
    {
        if (declaration.BaseList is not { } baseList)
        {
            return false;
        }

        foreach (var baseType in baseList.Types)
        {
            if (IsHandlerName(baseType.Type))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHandlerName(TypeSyntax type) => type switch
    {
        GenericNameSyntax generic => generic.Identifier.ValueText == KafkaTypedMetadataNames.HandlerInterfaceSimpleName && generic.TypeArgumentList.Arguments.Count == 1,
        QualifiedNameSyntax qualified => IsHandlerName(qualified.Right),
        AliasQualifiedNameSyntax aliasQualified => IsHandlerName(aliasQualified.Name),
        _ => false,
    };
}
