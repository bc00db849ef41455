using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Fix = KafkaTyped.Analyzers.Tests.CodeFixVerifier<KafkaTyped.Analyzers.Tests.NotPartialStandIn, KafkaTyped.CodeFixes.AddPartialCodeFixProvider>;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// KT0001 is reported by the source generator, not by an analyzer. This test-only analyzer reports it the way the
/// generator does (on the identifier of a [KafkaMessage] type that, or whose containing type, is not partial), so
/// the code fix can be tested without running the generator.
/// </summary>
// Rules for shipped analyzers (netstandard2.0, no Workspaces, release tracking) do not apply to a test-only one.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NotPartialStandIn : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.MessageTypeNotPartial, "Message type is not partial", "The message type '{0}' must be partial", "KafkaTyped.Declaration", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Descriptor];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(
            c =>
            {
                var type = (INamedTypeSymbol)c.Symbol;
                if (!KafkaTyped.Shared.KnownTypeSymbols.Get(c.Compilation).IsMessage(type))
                {
                    return;
                }

                var declaration = (TypeDeclarationSyntax)type.DeclaringSyntaxReferences[0].GetSyntax(c.CancellationToken);
                if (declaration.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Any(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)))
                {
                    c.ReportDiagnostic(Diagnostic.Create(Descriptor, declaration.Identifier.GetLocation(), type.Name));
                }
            },
            SymbolKind.NamedType);
    }
}
#pragma warning restore RS1036, RS1038, RS1041, RS2008

public sealed class AddPartialCodeFixTests
{
    [Fact]
    public Task Partial_is_added_after_the_other_modifiers() => Fix.VerifyAsync(
        """
        [KafkaMessage("order-created")]
        public sealed record {|KT0001:OrderCreated|}(Guid OrderId);
        """,
        """
        [KafkaMessage("order-created")]
        public sealed partial record OrderCreated(Guid OrderId);
        """);

    [Fact]
    public Task Partial_is_added_without_other_modifiers_and_to_containing_types() => Fix.VerifyAsync(
        """
        namespace Shop
        {
            public static class Messages
            {
                /// <summary>Shipped.</summary>
                [KafkaMessage("order-shipped")]
                struct {|KT0001:OrderShipped|}
                {
                    public Guid Id;
                }
            }
        }
        """,
        """
        namespace Shop
        {
            public static partial class Messages
            {
                /// <summary>Shipped.</summary>
                [KafkaMessage("order-shipped")]
                partial struct OrderShipped
                {
                    public Guid Id;
                }
            }
        }
        """);
}

public sealed class NotPartialStandInTests
{
    /// <summary>The stand-in must report KT0001 where the real generator does, or the fix tests prove nothing.</summary>
    [Fact]
    public async Task Stand_in_reports_KT0001_where_the_generator_does()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = TestSetup.Usings + """
            namespace Shop;

            public static class Messages
            {
                [KafkaMessage("order-shipped")]
                public sealed record OrderShipped(Guid Id);
            }

            [KafkaMessage("order-created")]
            public record OrderCreated(Guid Id);
            """;
        var compilation = CSharpCompilation.Create(
            "Shop",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), cancellationToken: ct)],
            TestSetup.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        CSharpGeneratorDriver.Create(new Generators.KafkaTypedGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out _, out var generatorDiagnostics, ct);
        var standIn = await compilation.WithAnalyzers([new NotPartialStandIn()]).GetAnalyzerDiagnosticsAsync(ct);

        var expected = generatorDiagnostics.Where(d => d.Id == "KT0001").Select(d => d.Location.SourceSpan).Order().ToList();
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected, standIn.Where(d => d.Id == "KT0001").Select(d => d.Location.SourceSpan).Order());
    }
}
