using Microsoft.CodeAnalysis;

namespace KafkaTyped.Generators.Tests;

/// <summary>The generator's own diagnostics: right id, right location, a message that names what is wrong.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing KafkaTyped;\n";

    [Fact]
    public void KT0001_TypeNotPartial()
    {
        var diagnostic = Single("""
            [KafkaMessage("a")]
            public record NotPartial(int Value);
            """);

        AssertDiagnostic(diagnostic, "KT0001", "NotPartial");
        Assert.Contains("'NotPartial' carries [KafkaMessage] but is not partial", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void KT0001_ContainingTypeNotPartial()
    {
        var diagnostic = Single("""
            public static class Outer
            {
                [KafkaData]
                public partial record Inner(int Value);
            }
            """);

        AssertDiagnostic(diagnostic, "KT0001", "Inner");
    }

    [Fact]
    public void KT0002_DuplicateTypeId()
    {
        var (run, diagnostics) = Diagnostics("""
            [KafkaMessage("same-id")]
            public partial record First(int Value);

            [KafkaMessage("same-id")]
            public partial record Second(int Value);

            [KafkaMessage("other-id")]
            public partial record Third(int Value);
            """);

        var diagnostic = Assert.Single(diagnostics);
        AssertDiagnostic(diagnostic, "KT0002", "KafkaMessage(\"same-id\")");
        Assert.Equal(6, diagnostic.Location.GetLineSpan().StartLinePosition.Line); // the second attribute, after three using lines
        Assert.NotNull(run);
        Assert.Contains("Type id 'same-id' of 'Second' is already used by 'First'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void KT0003_UnsupportedMemberType()
    {
        var (_, diagnostics) = Diagnostics("""
            [KafkaMessage("a")]
            public partial record WithUnsupported(int Fine, object Anything)
            {
                public HashSet<int> Set { get; init; } = [];

                public Dictionary<int, string> IntKeys { get; init; } = [];

                public Uri? Link { get; set; }
            }
            """);

        Assert.Equal(4, diagnostics.Length);
        Assert.All(diagnostics, d => Assert.Equal("KT0003", d.Id));
        AssertDiagnostic(diagnostics[0], "KT0003", "Anything");
        Assert.Equal("Member 'Anything' of 'WithUnsupported' has type 'object', which KafkaTyped cannot serialize", diagnostics[0].GetMessage());
        AssertDiagnostic(diagnostics[1], "KT0003", "Set");
        Assert.Contains("System.Collections.Generic.HashSet<int>", diagnostics[1].GetMessage(), StringComparison.Ordinal);
        AssertDiagnostic(diagnostics[2], "KT0003", "IntKeys");
        AssertDiagnostic(diagnostics[3], "KT0003", "Link");
    }

    [Fact]
    public void KT0004_TwoKeyMembers()
    {
        var diagnostic = Single("""
            [KafkaMessage("a")]
            public partial class TwoKeys
            {
                [MessageKey]
                public string First { get; set; } = "";

                [MessageKey]
                public string Second { get; set; } = "";
            }
            """);

        AssertDiagnostic(diagnostic, "KT0004", "Second");
        Assert.Contains("both 'First' and 'Second'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void KT0007_TwoMembersWithOneJsonName()
    {
        var diagnostic = Single("""
            [KafkaMessage("a")]
            public partial record Clash(string OrderId)
            {
                [System.Text.Json.Serialization.JsonPropertyName("orderId")]
                public string? Legacy { get; init; }
            }
            """);

        AssertDiagnostic(diagnostic, "KT0007", "Legacy");
        Assert.Contains("'orderId', which member 'OrderId' already has", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[AvroDefault(\"none\")] int Priority", "Priority", "\"none\" is not a constant of its type int")]
    [InlineData("[AvroDefault(300)] byte Small", "Small", "300 is not a constant of its type byte")]
    [InlineData("[AvroDefault(\"Huge\")] Size Size", "Size", "is not a constant of its type Size")]
    [InlineData("[AvroDefault(Other.A)] Size Size", "Size", "is not a constant of its type Size")]
    [InlineData("[AvroDefault(double.NaN)] double Ratio", "Ratio", "is not a constant of its type double")]
    [InlineData("[AvroDefault(\"\")] string? Note", "Note", "a nullable member defaults to null")]
    [InlineData("[AvroDefault(\"1.5\")] decimal Price", "Price", "or that type cannot declare an Avro default")]
    public void KT0009_AnAvroDefaultThatIsNotADefaultOfTheMember(string member, string name, string expected)
    {
        var diagnostic = Single($$"""
            public enum Size { Small, Large }
            public enum Other { A, B }

            [KafkaMessage("a", Format = MessageFormat.Avro)]
            public partial record Defaulted(string Id, {{member}});
            """);

        AssertDiagnostic(diagnostic, "KT0009", name);
        Assert.Contains(expected, diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void KT0005_UnsupportedKeyType()
    {
        var diagnostic = Single("""
            [KafkaMessage("a")]
            public partial record DateKey([property: MessageKey] DateTime At);
            """);

        AssertDiagnostic(diagnostic, "KT0005", "At");
    }

    [Fact]
    public void KT0008_UnsupportedDeduplicationKeyType()
    {
        var diagnostic = Single("""
            [KafkaMessage("a")]
            public partial record Reading([property: DeduplicationKey] string SensorId, [property: DeduplicationKey] double Value);
            """);

        AssertDiagnostic(diagnostic, "KT0008", "Value");
        Assert.Contains("'Value' of 'Reading' has type 'double'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void KT0006_GenericType()
    {
        var diagnostic = Single("""
            [KafkaData]
            public partial record Box<T>(T Value);
            """);

        AssertDiagnostic(diagnostic, "KT0006", "Box");
        Assert.Contains("generic types are not supported", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void KT0006_BaseTypeWithoutParameterlessConstructor()
    {
        var diagnostic = Single("""
            public class Base
            {
                public Base(int value) { }
            }

            [KafkaData]
            public partial class Derived : Base
            {
                public Derived() : base(1) { }

                public int Value { get; set; }
            }
            """);

        AssertDiagnostic(diagnostic, "KT0006", "Derived");
        Assert.Contains("base type 'Base' has no parameterless constructor", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDiagnosticLinksToItsDocumentation()
    {
        foreach (var field in typeof(DiagnosticDescriptors).GetFields().Where(f => f.FieldType == typeof(DiagnosticDescriptor)))
        {
            var descriptor = (DiagnosticDescriptor)field.GetValue(null)!;
            Assert.Equal($"{DiagnosticDescriptors.HelpLinkBase}/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.Equal(DiagnosticSeverity.Error, descriptor.DefaultSeverity);
            var doc = Path.Combine(RepositoryRoot(), "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(doc), $"{doc} is missing");
            Assert.Contains(descriptor.Id, File.ReadAllText(doc), StringComparison.Ordinal);
            Assert.Contains(descriptor.Id, File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Generators", "AnalyzerReleases.Unshipped.md")), StringComparison.Ordinal);
        }
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    private static Diagnostic Single(string source)
    {
        var (_, diagnostics) = Diagnostics(source);
        return Assert.Single(diagnostics);
    }

    private static (GeneratorRun Run, Diagnostic[] Diagnostics) Diagnostics(string source)
    {
        s_lastSource = source;
        var run = GeneratorHarness.Run(Usings + source);
        return (run, run.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToArray());
    }

    private static void AssertDiagnostic(Diagnostic diagnostic, string id, string locatedText)
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);

        // Locations travel through the pipeline as values and come back as file locations (path, span, line span).
        var lineSpan = diagnostic.Location.GetLineSpan();
        Assert.Equal("Subject.cs", lineSpan.Path);
        var text = Microsoft.CodeAnalysis.Text.SourceText.From(Usings + s_lastSource);
        Assert.Equal(locatedText, text.ToString(diagnostic.Location.SourceSpan));
        Assert.Equal(text.Lines.GetLinePositionSpan(diagnostic.Location.SourceSpan), lineSpan.Span);
    }

    [ThreadStatic]
    private static string? s_lastSource;
}
