using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// Compiles test sources against the .NET 10 reference pack installed with the SDK (no package download) plus the
/// real KafkaTyped contracts, with nullable enabled.
/// </summary>
internal static class TestSetup
{
    /// <summary>Usings every test source starts with.</summary>
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using KafkaTyped;

        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    /// <summary>The .NET reference pack and the KafkaTyped contracts.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public static void Configure(AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        test.TestState.AdditionalReferences.AddRange(References);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution.WithProjectCompilationOptions(projectId, options.WithNullableContextOptions(NullableContextOptions.Enable));
        });
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var path in FrameworkReferencePaths())
        {
            builder.Add(MetadataReference.CreateFromFile(path));
        }

        foreach (var assembly in new[] { typeof(IHandle<>).Assembly, typeof(Confluent.Kafka.Headers).Assembly, typeof(MessagePack.MessagePackWriter).Assembly, typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly })
        {
            builder.Add(MetadataReference.CreateFromFile(assembly.Location));
        }

        return builder.ToImmutable();
    }

    private static IEnumerable<string> FrameworkReferencePaths()
    {
        // <dotnet>/shared/Microsoft.NETCore.App/<version>/ -> <dotnet>/packs/Microsoft.NETCore.App.Ref/<version>/ref/net10.0
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var refDirectory = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(d => Path.Combine(d, "ref", "net10.0"))
                .Where(Directory.Exists)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out var v) ? v : new Version(0, 0))
                .FirstOrDefault()
            : null;
        if (refDirectory is not null)
        {
            return Directory.GetFiles(refDirectory, "*.dll");
        }

        // No reference pack: compile against the running framework's assemblies.
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Where(p => p.StartsWith(runtimeDirectory, StringComparison.Ordinal));
    }
}

/// <summary>Runs one analyzer over sources with markup (<c>{|KT0010:span|}</c>) and checks the diagnostics.</summary>
internal static class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => VerifyAsync(source, additionalFiles: [], expected);

    public static async Task VerifyAsync(string source, (string Path, string Text)[] additionalFiles, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = TestSetup.Usings + source };
        foreach (var file in additionalFiles)
        {
            test.TestState.AdditionalFiles.Add((file.Path, file.Text));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(TestContext.Current.CancellationToken);
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test() => TestSetup.Configure(this);

        /// <summary>Runs the KafkaTyped source generator too, so messages implement IKafkaMessage&lt;T&gt; as in a real build.</summary>
        public bool RunGenerator { get; init; }

        protected override IEnumerable<Type> GetSourceGenerators()
            => RunGenerator ? [typeof(KafkaTyped.Generators.KafkaTypedGenerator)] : [];
    }
}

/// <summary>Runs an analyzer and a code fix, checks the diagnostics before and the fixed code (which must compile).</summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static async Task VerifyAsync(string source, string fixedSource, bool addUsings = true)
    {
        var prefix = addUsings ? TestSetup.Usings : string.Empty;
        var test = new Test { TestCode = prefix + source, FixedCode = prefix + fixedSource };
        await test.RunAsync(TestContext.Current.CancellationToken);
    }

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test() => TestSetup.Configure(this);
    }
}
