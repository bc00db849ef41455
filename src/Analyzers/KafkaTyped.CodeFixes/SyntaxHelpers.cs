using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.CodeFixes;

/// <summary>Small syntax edits the code fixes share.</summary>
internal static class SyntaxHelpers
{
    /// <summary>Adds <paramref name="kind"/> as the last modifier, keeping the declaration's indentation and comments in front.</summary>
    public static TDeclaration AddModifier<TDeclaration>(TDeclaration declaration, SyntaxKind kind)
        where TDeclaration : MemberDeclarationSyntax
    {
        if (declaration.Modifiers.Any(kind))
        {
            return declaration;
        }

        if (declaration.Modifiers.Count > 0)
        {
            return (TDeclaration)declaration.WithModifiers(declaration.Modifiers.Add(SyntaxFactory.Token(kind).WithTrailingTrivia(SyntaxFactory.Space)));
        }

        // No modifiers: the token after the attributes carries the leading trivia; the new modifier takes it over.
        var first = FirstTokenAfterAttributes(declaration);
        var modifier = SyntaxFactory.Token(first.LeadingTrivia, kind, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        var updated = declaration.ReplaceToken(first, first.WithLeadingTrivia());
        return (TDeclaration)updated.WithModifiers(SyntaxFactory.TokenList(modifier));
    }

    /// <summary>"OrderCreated" -> "order-created", "HTTPRequestSent" -> "http-request-sent".</summary>
    public static string ToKebabCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                var previousIsUpper = i > 0 && char.IsUpper(name[i - 1]);
                if (builder.Length > 0 && builder[builder.Length - 1] != '-' && (previousIsLowerOrDigit || (previousIsUpper && nextIsLower)))
                {
                    builder.Append('-');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else if (c == '_')
            {
                if (builder.Length > 0 && builder[builder.Length - 1] != '-')
                {
                    builder.Append('-');
                }
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim('-');
    }

    private static SyntaxToken FirstTokenAfterAttributes(MemberDeclarationSyntax declaration)
    {
        if (declaration.AttributeLists.Count == 0)
        {
            return declaration.GetFirstToken();
        }

        return declaration.AttributeLists[declaration.AttributeLists.Count - 1].GetLastToken().GetNextToken();
    }
}
