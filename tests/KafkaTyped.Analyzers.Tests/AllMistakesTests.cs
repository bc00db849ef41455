using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// Compiles Acceptance/AllMistakes.cs.txt with every KafkaTyped analyzer (and, in one test, the source generator,
/// which reports KT0001-KT0006 and KT0008) and the lock file beside it, the way <c>dotnet build</c> of a project with those
/// mistakes does, and checks that each id is reported.
/// </summary>
public sealed class AllMistakesTests
{
    private static readonly string[] AnalyzerIds =
    [
        "KT0010", "KT0011", "KT0013", "KT0014",
        "KT0020", "KT0021", "KT0022", "KT0023",
        "KT0030", "KT0031", "KT0032", "KT0033", "KT0034", "KT0035",
        "KT0040", "KT0041", "KT0042", "KT0043", "KT0044", "KT0045",
    ];

    [Fact]
    public async Task Every_analyzer_id_is_reported_for_a_project_with_all_mistakes()
    {
        var ids = (await AnalyzeAsync(includeLock: true)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(AnalyzerIds, AnalyzerIds.Where(ids.Contains));
        Assert.DoesNotContain(ids, id => !id.StartsWith("KT", StringComparison.Ordinal) && id != "CS8019");
        Assert.DoesNotContain(ids, id => string.CompareOrdinal(id, "KT0010") < 0);
    }

    [Fact]
    public async Task With_the_generator_every_generator_and_analyzer_id_is_reported()
    {
        var ids = (await AnalyzeAsync(includeLock: true, runGenerator: true)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);

        string[] all = ["KT0001", "KT0002", "KT0003", "KT0004", "KT0005", "KT0006", "KT0008", .. AnalyzerIds];
        Assert.Equal(all, all.Where(ids.Contains));
    }

    [Fact]
    public async Task Every_reported_id_is_documented_and_tracked()
    {
        var descriptors = AllAnalyzers().SelectMany(a => a.SupportedDiagnostics).ToList();
        var unshipped = await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "src/Analyzers/KafkaTyped.Analyzers/AnalyzerReleases.Unshipped.md"), TestContext.Current.CancellationToken);

        Assert.Equal(AnalyzerIds, descriptors.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));
        foreach (var descriptor in descriptors)
        {
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + descriptor.Id + ".md", descriptor.HelpLinkUri);
            Assert.True(File.Exists(Path.Combine(RepoRoot(), "docs/diagnostics", descriptor.Id + ".md")), $"docs/diagnostics/{descriptor.Id}.md is missing");
            Assert.Contains(descriptor.Id + " | " + descriptor.Category + " | " + descriptor.DefaultSeverity, unshipped, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_the_lock_file_no_schema_diagnostics_are_reported()
    {
        var ids = (await AnalyzeAsync(includeLock: false)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);

        Assert.DoesNotContain(ids, id => id.StartsWith("KT004", StringComparison.Ordinal));
        Assert.Contains("KT0010", ids);
    }

    private static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers() =>
    [
        new MessageDeclarationAnalyzer(), new MessageUsageAnalyzer(), new HandlerDeclarationAnalyzer(),
        new HandlerBodyAnalyzer(), new PipelineAttributeAnalyzer(), new SchemaCompatibilityAnalyzer(),
    ];

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(bool includeLock, bool runGenerator = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Path.Combine(AppContext.BaseDirectory, "Acceptance");
        var source = await File.ReadAllTextAsync(Path.Combine(directory, "AllMistakes.cs.txt"), ct);
        var compilation = CSharpCompilation.Create(
            "Acceptance",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), "AllMistakes.cs", cancellationToken: ct)],
            TestSetup.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics(ct).Where(d => d.Severity == DiagnosticSeverity.Error));

        var generatorDiagnostics = ImmutableArray<Diagnostic>.Empty;
        if (runGenerator)
        {
            CSharpGeneratorDriver.Create(new Generators.KafkaTypedGenerator())
                .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out generatorDiagnostics, ct);
            compilation = (CSharpCompilation)generated;
        }

        var lockPath = Path.Combine(directory, "kafkatyped.schema.lock");
        ImmutableArray<AdditionalText> additionalFiles = includeLock ? [new FileText(lockPath)] : [];
        var withAnalyzers = compilation.WithAnalyzers(AllAnalyzers(), new AnalyzerOptions(additionalFiles));
        return generatorDiagnostics.AddRange(await withAnalyzers.GetAllDiagnosticsAsync(ct));
    }

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KafkaTyped.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("KafkaTyped.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(File.ReadAllText(Path));
    }
}
