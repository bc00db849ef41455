using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// Which classes are handlers (docs/generator.md): those whose own base list names IHandle&lt;T&gt;. Only those are
/// bound, so the cost of an edit does not grow with the number of classes that have a base list.
/// </summary>
public sealed class HandlerDiscoveryTests(ITestOutputHelper output)
{
    private const string Messages = """
        using System.Threading;
        using System.Threading.Tasks;
        using KafkaTyped;
        using Handler = KafkaTyped.IHandle<Shop.OrderCreated>;

        namespace Shop;

        [KafkaMessage("order-created")]
        public partial record OrderCreated(int Id);

        public sealed class Plain : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class Qualified : System.IDisposable, KafkaTyped.IHandle<OrderCreated>
        {
            public void Dispose() { }
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed record GloballyQualified : global::KafkaTyped.IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public abstract class HandlerBase : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class ThroughBaseClass : HandlerBase { }

        public sealed class ThroughBaseClassAndNamed : HandlerBase, IHandle<OrderCreated> { }

        public sealed class ThroughAlias : Handler
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    [Fact]
    public void A_class_that_names_IHandle_in_its_base_list_is_routed_and_one_that_inherits_it_or_uses_an_alias_is_not()
    {
        var run = GeneratorHarness.Run(Messages);

        run.AssertCompilesCleanly();
        var routing = run.Source(KafkaTypedGenerator.Emitter.RoutingHintName);
        foreach (var routed in new[] { "Plain", "Qualified", "GloballyQualified", "ThroughBaseClassAndNamed" })
        {
            Assert.Contains($"typeof(global::Shop.{routed}),", routing, StringComparison.Ordinal);
        }

        // The analyzers report these two (KT0023): add IHandle<OrderCreated> to their own base list.
        Assert.DoesNotContain("global::Shop.ThroughBaseClass)", routing, StringComparison.Ordinal);
        Assert.DoesNotContain("global::Shop.ThroughAlias", routing, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_classes_that_name_IHandle_are_bound_in_a_large_compilation()
    {
        var (compilation, tree) = LargeCompilation(classes: 2_000, handlers: 3);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var candidates = driver.GetRunResult().Results.Single().TrackedSteps[KafkaTypedGenerator.TrackingNames.HandlerCandidates];

        // One transform per class that names IHandle<...> (the three handlers), not one per class with a base list.
        Assert.Equal(3, candidates.Length);

        // The cost of an edit, for the record (not asserted: timing on a shared machine is noise).
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "// edit\n")));
        driver.RunGenerators(edited);
        var stopwatch = Stopwatch.StartNew();
        const int Edits = 20;
        for (var i = 0; i < Edits; i++)
        {
            var next = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, $"// edit {i}\n")));
            driver = driver.RunGenerators(next);
        }

        output.WriteLine($"{Edits} edits of a file of 2,000 classes with base lists: {stopwatch.Elapsed.TotalMilliseconds / Edits:F1} ms per generator run");
    }

    internal static (CSharpCompilation Compilation, SyntaxTree Tree) LargeCompilation(int classes, int handlers)
    {
        var source = new System.Text.StringBuilder("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using KafkaTyped;

            namespace Large;

            [KafkaMessage("large-message")]
            public partial record LargeMessage(int Id);

            public interface IService { }

            public abstract class ServiceBase : IService, IDisposable { public void Dispose() { } }

            """);
        for (var i = 0; i < classes; i++)
        {
            source.AppendLine(i % 2 == 0
                ? $"public sealed class Service{i} : ServiceBase, IComparable<Service{i}> {{ public int CompareTo(Service{i}? other) => 0; }}"
                : $"public sealed class Service{i} : List<int>, IService {{ }}");
        }

        for (var i = 0; i < handlers; i++)
        {
            source.AppendLine($"public sealed class Handler{i} : IHandle<LargeMessage> {{ public ValueTask HandleAsync(LargeMessage message, MessageContext context, CancellationToken cancellationToken) => default; }}");
        }

        var compilation = GeneratorHarness.CreateCompilation(source.ToString());
        return (compilation, compilation.SyntaxTrees.Single());
    }
}
