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
/// Fixes KT0020 (IHandle&lt;T&gt; where T is not a message) when T is declared in source: adds
/// <c>[KafkaMessage("&lt;kebab-case-name&gt;")]</c> and <c>partial</c> to T, and <c>using KafkaTyped;</c> when needed.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddKafkaMessageCodeFixProvider)), Shared]
public sealed class AddKafkaMessageCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.HandlerOfNonMessage);

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
            if (!diagnostic.Properties.ContainsKey(HandlerDeclarationAnalyzer.MessageTypeInSourceProperty)
                || root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<SimpleBaseTypeSyntax>() is not { } baseType
                || model.GetTypeInfo(baseType.Type, context.CancellationToken).Type is not INamedTypeSymbol { TypeArguments: [INamedTypeSymbol messageType] }
                || messageType.DeclaringSyntaxReferences.FirstOrDefault() is not { } reference)
            {
                continue;
            }

            var typeId = SyntaxHelpers.ToKebabCase(messageType.Name);
            var title = $"Declare '{messageType.Name}' as a message [KafkaMessage(\"{typeId}\")]";
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => AddAttributeAsync(context.Document.Project.Solution, reference, typeId, ct), equivalenceKey: nameof(AddKafkaMessageCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Solution> AddAttributeAsync(Solution solution, SyntaxReference reference, string typeId, CancellationToken cancellationToken)
    {
        var document = solution.GetDocument(reference.SyntaxTree);
        if (document is null
            || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not CompilationUnitSyntax root
            || root.FindNode(reference.Span).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration
            || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model)
        {
            return solution;
        }

        var messageAttribute = KnownTypeSymbols.Get(model.Compilation).KafkaMessageAttribute;
        var resolvesShortName = model.LookupNamespacesAndTypes(declaration.SpanStart, name: "KafkaMessageAttribute")
            .Any(s => KnownTypeSymbols.Is(s as ITypeSymbol, messageAttribute));

        var attribute = SyntaxFactory.Attribute(
            SyntaxFactory.IdentifierName("KafkaMessage"),
            SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(typeId))))));

        var leading = declaration.GetLeadingTrivia();
        var indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
        var attributeList = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));

        var updated = SyntaxHelpers.AddModifier(declaration.WithLeadingTrivia(indentation), SyntaxKind.PartialKeyword);
        updated = updated.WithAttributeLists(updated.AttributeLists.Insert(0, attributeList));
        if (updated.AttributeLists.Count > 1)
        {
            // The old first attribute list lost the declaration's leading trivia to the new one; give it the indentation back.
            updated = updated.WithAttributeLists(updated.AttributeLists.Replace(updated.AttributeLists[1], updated.AttributeLists[1].WithLeadingTrivia(indentation)));
        }

        var newRoot = root.ReplaceNode(declaration, updated);
        if (!resolvesShortName)
        {
            var usingDirective = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName("KafkaTyped"))
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
            if (newRoot.Usings.Count == 0)
            {
                usingDirective = usingDirective.WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"), SyntaxFactory.EndOfLine("\n"));
            }

            newRoot = newRoot.WithUsings(newRoot.Usings.Add(usingDirective));
        }

        return solution.WithDocumentSyntaxRoot(document.Id, newRoot);
    }
}
