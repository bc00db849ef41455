using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KafkaTyped.Generators.Tests;

/// <summary>The pipeline caches: unrelated edits leave every tracked step Cached or Unchanged, and models hold no symbols.</summary>
public sealed class IncrementalTests
{
    private const string Messages = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using KafkaTyped;

        namespace Shop;

        [KafkaMessage("order-created", Topic = "orders")]
        public partial record OrderCreated([property: MessageKey] Guid OrderId, List<Line> Lines, [property: DeduplicationKey] string Reference);

        [KafkaData]
        public partial record Line(string Sku, int Quantity);

        [KafkaMessage("a")]
        public partial record Duplicate1(int Value);

        [KafkaMessage("a")]
        public partial record Duplicate2(int Value);

        [Deduplicate]
        public sealed class Handler : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    private static readonly IncrementalStepRunReason[] CachedOrUnchanged = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];

    [Fact]
    public void RerunningOnAClonedCompilationCachesEveryStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(Messages);
        var first = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var second = first.RunGenerators(compilation.Clone());

        AssertSameOutputs(first.GetRunResult(), second.GetRunResult());
        AssertAllTrackedSteps(second.GetRunResult(), CachedOrUnchanged);
    }

    [Fact]
    public void EditingAnUnrelatedFileLeavesEveryStepCachedOrUnchanged()
    {
        var unrelated = CSharpSyntaxTree.ParseText(
            "namespace Shop; public sealed class Clock : System.IDisposable { public void Dispose() { } }", GeneratorHarness.ParseOptions, path: "Clock.cs");
        var compilation = GeneratorHarness.CreateCompilation(Messages).AddSyntaxTrees(unrelated);
        var first = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            unrelated,
            CSharpSyntaxTree.ParseText(
                "namespace Shop; public sealed class Clock : System.IDisposable { public int Ticks { get; set; } public void Dispose() { Ticks++; } }", GeneratorHarness.ParseOptions, path: "Clock.cs"));
        var second = first.RunGenerators(edited);

        AssertSameOutputs(first.GetRunResult(), second.GetRunResult());
        AssertAllTrackedSteps(second.GetRunResult(), CachedOrUnchanged);
    }

    [Fact]
    public void MovingADeclarationReportsDiagnosticsAtTheNewPlaceWithoutReemittingSource()
    {
        var compilation = GeneratorHarness.CreateCompilation(Messages);
        var first = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var moved = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "\n\n\n")));

        var second = first.RunGenerators(moved).GetRunResult();

        var result = second.Results.Single();
        Assert.All(result.TrackedSteps[KafkaTypedGenerator.TrackingNames.MessageSpecs].SelectMany(s => s.Outputs), o => Assert.Contains(o.Reason, CachedOrUnchanged));
        Assert.All(result.TrackedSteps[KafkaTypedGenerator.TrackingNames.DataSpecs].SelectMany(s => s.Outputs), o => Assert.Contains(o.Reason, CachedOrUnchanged));
        Assert.Contains(result.TrackedSteps[KafkaTypedGenerator.TrackingNames.DuplicateTypeIds].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        var duplicate = Assert.Single(second.Diagnostics);
        Assert.Equal("KT0002", duplicate.Id);
        Assert.Equal(first.GetRunResult().Diagnostics.Single().Location.GetLineSpan().StartLinePosition.Line + 3, duplicate.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void ChangingAMessageModifiesItsSpecAndOutput()
    {
        var compilation = GeneratorHarness.CreateCompilation(Messages);
        var first = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var changed = compilation.ReplaceSyntaxTree(
            tree, CSharpSyntaxTree.ParseText(Messages.Replace("string Sku, int Quantity", "string Sku, long Quantity", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: tree.FilePath));

        var second = first.RunGenerators(changed).GetRunResult().Results.Single();

        var dataSpecs = second.TrackedSteps[KafkaTypedGenerator.TrackingNames.DataSpecs].SelectMany(s => s.Outputs).ToList();
        Assert.Contains(dataSpecs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("reader.ReadInt64()", second.GeneratedSources.Single(s => s.HintName == "Shop.Line.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RemovingADeduplicationKeyModifiesTheMessageSpecAndItsContract()
    {
        var compilation = GeneratorHarness.CreateCompilation(Messages);
        var first = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Contains("DeduplicationKeyOf", first.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "Shop.OrderCreated.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        var tree = compilation.SyntaxTrees.Single();
        var changed = compilation.ReplaceSyntaxTree(
            tree, CSharpSyntaxTree.ParseText(Messages.Replace("[property: DeduplicationKey] string Reference", "string Reference", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: tree.FilePath));

        var second = first.RunGenerators(changed).GetRunResult().Results.Single();

        Assert.Contains(second.TrackedSteps[KafkaTypedGenerator.TrackingNames.MessageSpecs].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.DoesNotContain("DeduplicationKeyOf", second.GeneratedSources.Single(s => s.HintName == "Shop.OrderCreated.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTrackingNameIsUsed()
    {
        var result = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.CreateCompilation(Messages)).GetRunResult().Results.Single();
        foreach (var name in KafkaTypedGenerator.TrackingNames.All)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
        }
    }

    [Fact]
    public void ModelsDoNotHoldSymbolsOrSyntax()
    {
        // Statically: no type of the model or its helpers declares a field or property of a banned type.
        var assembly = typeof(KafkaTypedGenerator).Assembly;
        var modelTypes = assembly.GetTypes().Where(t => t.Namespace is "KafkaTyped.Generators.Model" or "KafkaTyped.Generators.Common").ToList();
        Assert.NotEmpty(modelTypes);
        foreach (var type in modelTypes)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var allowed = CarriesLocation(type) && field.FieldType == typeof(Location);
                Assert.False(IsBanned(field.FieldType) && !allowed, $"{type.Name}.{field.Name} is a {field.FieldType.Name}");
            }
        }

        // Dynamically: walk every value the generator's named steps produced (Roslyn's own internal steps hold syntax by design).
        var result = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.CreateCompilation(Messages)).GetRunResult().Results.Single();
        foreach (var name in KafkaTypedGenerator.TrackingNames.All)
        {
            foreach (var output in result.TrackedSteps[name].SelectMany(s => s.Outputs))
            {
                Walk(output.Value, $"{name}", new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }

        static void Walk(object? value, string path, HashSet<object> seen, bool inDiagnostic = false)
        {
            if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is DiagnosticDescriptor)
            {
                return;
            }

            // A diagnostic keeps its location in the syntax tree, so that suppressions apply: a tree, never a compilation.
            if (inDiagnostic && value is Location location)
            {
                Assert.True(location.Kind == LocationKind.SourceFile, $"{path} is a {location.Kind} location");
                return;
            }

            Assert.False(IsBanned(value.GetType()), $"{path} holds a {value.GetType().Name}");
            if (!value.GetType().IsValueType && !seen.Add(value))
            {
                return;
            }

            if (value is IEnumerable sequence)
            {
                var index = 0;
                foreach (var item in sequence)
                {
                    Walk(item, $"{path}[{index++}]", seen, inDiagnostic);
                }

                return;
            }

            foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Walk(field.GetValue(value), $"{path}.{field.Name}", seen, inDiagnostic || CarriesLocation(value.GetType()));
            }
        }
    }

    // The only models that may hold a Location: they feed diagnostics, never source output.
    private static bool CarriesLocation(Type type)
        => type == typeof(Common.DiagnosticInfo) || type == typeof(Model.TypeIdDeclaration);

    private static bool IsBanned(Type type)
        => typeof(ISymbol).IsAssignableFrom(type)
            || typeof(Compilation).IsAssignableFrom(type)
            || typeof(SemanticModel).IsAssignableFrom(type)
            || typeof(SyntaxNode).IsAssignableFrom(type)
            || typeof(SyntaxTree).IsAssignableFrom(type)
            || typeof(Location).IsAssignableFrom(type)
            || (type.IsGenericType && type.GetGenericArguments().Any(IsBanned))
            || (type.IsArray && IsBanned(type.GetElementType()!));

    private static void AssertSameOutputs(GeneratorDriverRunResult first, GeneratorDriverRunResult second)
    {
        Assert.Equal(
            first.GeneratedTrees.Select(t => t.ToString()),
            second.GeneratedTrees.Select(t => t.ToString()));
        Assert.Equal(first.Diagnostics.Select(d => d.ToString()), second.Diagnostics.Select(d => d.ToString()));
    }

    private static void AssertAllTrackedSteps(GeneratorDriverRunResult result, IncrementalStepRunReason[] allowed)
    {
        var steps = result.Results.Single().TrackedSteps;
        foreach (var name in KafkaTypedGenerator.TrackingNames.All)
        {
            Assert.True(steps.ContainsKey(name), $"step {name} did not run");
            foreach (var output in steps[name].SelectMany(s => s.Outputs))
            {
                Assert.True(allowed.Contains(output.Reason), $"step {name} output was {output.Reason}");
            }
        }
    }
}
