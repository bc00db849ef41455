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

/// <summary>
/// Fixes KT0021 where the change is mechanical: <c>t.Result</c> becomes <c>await t</c>, <c>t.Wait()</c> and
/// <c>t.GetAwaiter().GetResult()</c> become <c>await t</c>, and <c>Thread.Sleep(x)</c> becomes
/// <c>await Task.Delay(x, cancellationToken)</c>. A HandleAsync that is not <c>async</c> is made async when its only
/// return statements return a completed task (they become plain returns). No fix is offered inside lambdas and local
/// functions, for Wait overloads with a timeout, or for Task.WaitAll/WaitAny.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingCallCodeFixProvider)), Shared]
public sealed class BlockingCallCodeFixProvider : CodeFixProvider
{
    private const string Title = "Await instead of blocking";
    private static readonly SyntaxAnnotation RewrittenReturn = new("KafkaTyped.RewrittenReturn");

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.BlockingCallInHandler);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.ContainsKey(HandlerBodyAnalyzer.NestedProperty)
                || !diagnostic.Properties.TryGetValue(HandlerBodyAnalyzer.KindProperty, out var kind)
                || !diagnostic.Properties.TryGetValue(HandlerBodyAnalyzer.TokenProperty, out var token)
                || kind is null or HandlerBodyAnalyzer.BlockingKinds.Other
                || token is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax blocking
                || blocking.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
                || !CanBeAsync(method))
            {
                continue;
            }

            var replacement = CreateAwait(blocking, kind, token, model);
            if (replacement is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, Rewrite(method, blocking, replacement)))), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static ExpressionSyntax? CreateAwait(ExpressionSyntax blocking, string kind, string token, SemanticModel model)
    {
        ExpressionSyntax? awaited = kind switch
        {
            HandlerBodyAnalyzer.BlockingKinds.Result when blocking is MemberAccessExpressionSyntax access => access.Expression,
            HandlerBodyAnalyzer.BlockingKinds.Wait when blocking is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Expression,
            HandlerBodyAnalyzer.BlockingKinds.GetResult when blocking is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax getAwaiter } } } => getAwaiter.Expression,
            HandlerBodyAnalyzer.BlockingKinds.Sleep when blocking is InvocationExpressionSyntax { ArgumentList.Arguments: [var delay] } => CreateDelay(delay.Expression, token, blocking.SpanStart, model),
            _ => null,
        };

        if (awaited is null)
        {
            return null;
        }

        ExpressionSyntax result = SyntaxFactory.AwaitExpression(
            SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space),
            awaited.WithoutTrivia());
        if (blocking.Parent is ExpressionSyntax and not ParenthesizedExpressionSyntax)
        {
            result = SyntaxFactory.ParenthesizedExpression(result);
        }

        return result.WithTriviaFrom(blocking);
    }

    private static ExpressionSyntax CreateDelay(ExpressionSyntax delay, string token, int position, SemanticModel model)
    {
        var taskBinds = KnownTypeSymbols.Is(
            model.GetSpeculativeSymbolInfo(position, SyntaxFactory.IdentifierName("Task"), SpeculativeBindingOption.BindAsTypeOrNamespace).Symbol as ITypeSymbol,
            KnownTypeSymbols.Get(model.Compilation).Task);
        var task = taskBinds ? "Task" : "System.Threading.Tasks.Task";
        return SyntaxFactory.ParseExpression($"{task}.Delay({delay.WithoutTrivia().ToFullString()}, {token})");
    }

    /// <summary>Async already, or a block body whose returns all return a completed task.</summary>
    private static bool CanBeAsync(MethodDeclarationSyntax method)
    {
        if (method.Modifiers.Any(SyntaxKind.AsyncKeyword))
        {
            return true;
        }

        return method.Body is { } body && OwnReturns(body).All(r => r.Expression is null || IsCompletedTask(r.Expression));
    }

    private static SyntaxNode Rewrite(MethodDeclarationSyntax method, ExpressionSyntax blocking, ExpressionSyntax replacement)
    {
        if (method.Modifiers.Any(SyntaxKind.AsyncKeyword))
        {
            return method.ReplaceNode(blocking, replacement);
        }

        var returns = OwnReturns(method.Body!).ToList();
        var updated = method.ReplaceNodes(
            returns.Cast<SyntaxNode>().Append(blocking),
            (original, rewritten) => original == blocking
                ? replacement
                : ((ReturnStatementSyntax)rewritten).WithExpression(null).WithReturnKeyword(((ReturnStatementSyntax)rewritten).ReturnKeyword.WithTrailingTrivia()).WithAdditionalAnnotations(RewrittenReturn));

        // A "return ValueTask.CompletedTask;" at the end of the method is not needed once the method is async.
        if (updated.Body!.Statements.LastOrDefault() is { } last && last.HasAnnotation(RewrittenReturn))
        {
            updated = updated.RemoveNode(last, SyntaxRemoveOptions.KeepNoTrivia)!;
        }

        return SyntaxHelpers.AddModifier(updated, SyntaxKind.AsyncKeyword);
    }

    private static IEnumerable<ReturnStatementSyntax> OwnReturns(BlockSyntax body)
        => body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<ReturnStatementSyntax>();

    private static bool IsCompletedTask(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CompletedTask" } => true,
        LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.DefaultLiteralExpression) => true,
        DefaultExpressionSyntax => true,
        ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0, Type: IdentifierNameSyntax { Identifier.ValueText: "ValueTask" } } => true,
        ImplicitObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0 } => true,
        _ => false,
    };
}
