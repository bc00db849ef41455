using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using KafkaTyped.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.CodeFixes;

/// <summary>Fixes KT0022 by passing the handler's CancellationToken, by name when earlier optional arguments were left out.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassCancellationTokenCodeFixProvider)), Shared]
public sealed class PassCancellationTokenCodeFixProvider : CodeFixProvider
{
    private const string Title = "Pass the handler's CancellationToken";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.CancellationTokenNotPassed);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(HandlerBodyAnalyzer.TokenProperty, out var token) || token is null
                || !diagnostic.Properties.TryGetValue(HandlerBodyAnalyzer.ParameterNameProperty, out var parameterName) || parameterName is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation)
            {
                continue;
            }

            var named = diagnostic.Properties.TryGetValue(HandlerBodyAnalyzer.NamedProperty, out var n) && n == "true";
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(invocation, AddToken(invocation, token, parameterName, named)))), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static InvocationExpressionSyntax AddToken(InvocationExpressionSyntax invocation, string token, string parameterName, bool named)
    {
        var argument = SyntaxFactory.Argument(SyntaxFactory.IdentifierName(token));
        if (named)
        {
            argument = argument.WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(parameterName)).WithTrailingTrivia(SyntaxFactory.Space));
        }

        var arguments = invocation.ArgumentList.Arguments;
        var separators = arguments.GetSeparators().ToList();
        if (arguments.Count > 0)
        {
            separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        var list = SyntaxFactory.SeparatedList(arguments.Append(argument), separators);
        return invocation.WithArgumentList(invocation.ArgumentList.WithArguments(list));
    }
}
