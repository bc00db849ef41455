using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Analyzers;

/// <summary>Finds where an attribute argument is written, so a diagnostic can point at it.</summary>
internal static class AttributeArguments
{
    /// <summary>The syntax of the constructor argument at <paramref name="index"/>, or the attribute itself.</summary>
    public static Location ConstructorArgument(AttributeData attribute, int index, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
        {
            return Location.None;
        }

        var parameterName = attribute.AttributeConstructor is { } ctor && index < ctor.Parameters.Length ? ctor.Parameters[index].Name : null;
        var position = 0;
        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals is not null)
            {
                continue;
            }

            if (argument.NameColon is { } nameColon)
            {
                if (nameColon.Name.Identifier.ValueText == parameterName)
                {
                    return argument.Expression.GetLocation();
                }

                continue;
            }

            if (position++ == index)
            {
                return argument.Expression.GetLocation();
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>The syntax of the named argument <paramref name="name"/>, or the attribute itself.</summary>
    public static Location NamedArgument(AttributeData attribute, string name, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
        {
            return Location.None;
        }

        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.Expression.GetLocation();
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>Whether the attribute sets the named argument <paramref name="name"/>, and its value.</summary>
    public static bool TryGetNamed(AttributeData attribute, string name, out TypedConstant value)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name)
            {
                value = pair.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A string constant as it reads in source: quoted, or <c>null</c>.</summary>
    public static string Quote(string? value) => value is null ? "null" : "\"" + value + "\"";
}
