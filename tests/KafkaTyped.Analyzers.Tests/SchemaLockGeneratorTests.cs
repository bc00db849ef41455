using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Analyzers.Tests;

public sealed class SchemaLockGeneratorTests
{
    private const string Source = TestSetup.Usings + """
        namespace Shop;

        [KafkaMessage("order-shipped")]
        public partial class OrderShipped
        {
            public const int Version = 1;
            public static int Count;
            public Guid Id { get; init; }
            public string Display => Id.ToString();
            private int hidden;
            internal int? Carrier;
            public required string[] Parcels { get; set; }
            public IReadOnlyDictionary<string, decimal?> Prices { get; set; } = new Dictionary<string, decimal?>();
            protected string? Secret { get; set; }
            public int Hidden => hidden;
        }

        [KafkaMessage("order-created")]
        public partial record OrderCreated([property: MessageKey] Guid OrderId, string? Customer)
        {
            public decimal Amount { get; init; }
            public string Customer { get; init; } = Customer ?? "";
            public Status State;
        }

        public enum Status { New, Done }

        public record NotAMessage(int X);

        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record PaymentTaken(Guid PaymentId, [property: AvroDecimal(18, 4)] decimal Amount, Status State)
        {
            public string? Note { get; init; }
            public List<Fee> Fees { get; init; } = [];
        }

        [KafkaData]
        public partial record Fee(string Name, decimal Amount);

        #nullable disable
        [KafkaMessage("legacy", Format = MessageFormat.Json)]
        public partial class Legacy
        {
            public string Name { get; set; }
            public List<string> Tags { get; set; }
        }
        #nullable restore
        """;

    private const string ExpectedLock = """
        # KafkaTyped schema lock: the wire shape of every message, members in wire order.
        # Checked by the KafkaTyped analyzers (KT0040-KT0045). Update: dotnet build -p:KafkaTypedUpdateSchemaLock=true
        message legacy format=json
          0 Name: string?
          1 Tags: System.Collections.Generic.List<string>?
        message order-created
          0 OrderId: System.Guid
          1 Customer: string?
          2 Amount: decimal
          3 State: Shop.Status
        message order-shipped
          0 Id: System.Guid
          1 Carrier: int?
          2 Parcels: string[]
          3 Prices: System.Collections.Generic.IReadOnlyDictionary<string, decimal?>
        message payment-taken format=avro
          avro {"type":"record","name":"PaymentTaken","namespace":"Shop","fields":[{"name":"paymentId","type":{"type":"string","logicalType":"uuid"}},{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":18,"scale":4}},{"name":"state","type":{"type":"enum","name":"Status","namespace":"Shop","symbols":["New","Done"]}},{"name":"note","type":["null","string"],"default":null},{"name":"fees","type":{"type":"array","items":{"type":"record","name":"Fee","namespace":"Shop","fields":[{"name":"name","type":"string"},{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":29,"scale":14}}]}}}]}

        """;

    [Fact]
    public void Writes_the_lock_of_every_message_in_wire_order_when_asked()
    {
        var result = Run(updateRequested: true);

        var generated = Assert.Single(result.GeneratedTrees);
        Assert.EndsWith(SchemaLockGenerator.HintName, generated.FilePath, StringComparison.Ordinal);
        Assert.Equal(ExpectedLock.ReplaceLineEndings("\n"), SchemaLockGenerator.Extract(generated.GetText(TestContext.Current.CancellationToken).ToString()));
    }

    [Fact]
    public void Writes_nothing_in_an_ordinary_build()
    {
        var result = Run(updateRequested: false);

        Assert.Empty(result.GeneratedTrees);
    }

    [Fact]
    public void The_written_lock_passes_the_compatibility_check()
    {
        var lockText = SchemaLockGenerator.Extract(Assert.Single(Run(updateRequested: true).GeneratedTrees).GetText(TestContext.Current.CancellationToken).ToString());
        var parsed = SchemaLock.Parse(SourceText.From(lockText));

        Assert.Empty(parsed.Errors);
        Assert.Equal(["legacy", "order-created", "order-shipped", "payment-taken"], parsed.Messages.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("avro", parsed.Messages["payment-taken"].Format);
        Assert.Empty(parsed.Messages["payment-taken"].Members);
        Assert.StartsWith("{\"type\":\"record\",\"name\":\"PaymentTaken\"", parsed.Messages["payment-taken"].AvroSchema, StringComparison.Ordinal);
        Assert.Equal(new LockedMember("Prices", "System.Collections.Generic.IReadOnlyDictionary<string, decimal?>"), parsed.Messages["order-shipped"].Members[3]);
        Assert.Equal("json", parsed.Messages["legacy"].Format);
        Assert.Equal(string.Empty, parsed.Messages["order-created"].Format);
    }

    [Fact]
    public void Generated_file_compiles_and_round_trips_the_lock_text()
    {
        var rendered = SchemaLockGenerator.Render(ExpectedLock);

        Assert.Equal(ExpectedLock.ReplaceLineEndings("\n"), SchemaLockGenerator.Extract(rendered));
        Assert.Empty(CSharpSyntaxTree.ParseText(rendered, cancellationToken: TestContext.Current.CancellationToken).GetDiagnostics(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Editing_an_unrelated_file_leaves_the_message_step_cached()
    {
        var ct = TestContext.Current.CancellationToken;
        var unrelated = CSharpSyntaxTree.ParseText("namespace Shop; public class Unrelated { }", new CSharpParseOptions(LanguageVersion.Latest), cancellationToken: ct);
        var compilation = CreateCompilation().AddSyntaxTrees(unrelated);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new SchemaLockGenerator().AsSourceGenerator()],
            optionsProvider: Options(updateRequested: true),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation, ct);

        var edited = compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText("namespace Shop; public class Unrelated { public int X; }", new CSharpParseOptions(LanguageVersion.Latest), cancellationToken: ct));
        var result = driver.RunGenerators(edited, ct).GetRunResult().Results.Single();

        var steps = result.TrackedSteps["Messages"];
        Assert.NotEmpty(steps);
        Assert.All(steps.SelectMany(s => s.Outputs), output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Messages step was {output.Reason}"));
    }

    private static CSharpCompilation CreateCompilation()
    {
        var compilation = CSharpCompilation.Create(
            "Shop",
            [CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Latest), cancellationToken: TestContext.Current.CancellationToken)],
            TestSetup.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }

    private static OptionsProvider Options(bool updateRequested)
        => new(updateRequested ? ImmutableDictionary<string, string>.Empty.Add(SchemaLock.UpdateProperty, "true") : ImmutableDictionary<string, string>.Empty);

    private static GeneratorDriverRunResult Run(bool updateRequested)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new SchemaLockGenerator().AsSourceGenerator()], optionsProvider: Options(updateRequested));
        return driver.RunGenerators(CreateCompilation(), TestContext.Current.CancellationToken).GetRunResult();
    }

    private sealed class OptionsProvider(ImmutableDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(ImmutableDictionary<string, string>.Empty);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(ImmutableDictionary<string, string>.Empty);

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
