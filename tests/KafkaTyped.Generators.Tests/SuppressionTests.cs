using System.Diagnostics;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// The generator's diagnostics can be suppressed like any other: <c>#pragma warning disable</c> and
/// <c>[SuppressMessage]</c>. They keep their syntax tree; a location rebuilt from a file path could not be suppressed.
/// </summary>
public sealed class SuppressionTests
{
    // KT0004 is reported on the second key member of each type; only the last one is not suppressed.
    private const string Source = """
        using KafkaTyped;

        namespace Shop;

        #pragma warning disable KT0004
        [KafkaMessage("pragma")]
        public partial record SuppressedByPragma([property: MessageKey] string A, [property: MessageKey] string B);
        #pragma warning restore KT0004

        [System.Diagnostics.CodeAnalysis.SuppressMessage("KafkaTyped.Generator", "KT0004:More than one [MessageKey] member")]
        [KafkaMessage("attribute")]
        public partial record SuppressedByAttribute([property: MessageKey] string A, [property: MessageKey] string B);

        [KafkaMessage("reported")]
        public partial record Reported([property: MessageKey] string A, [property: MessageKey] string B);
        """;

    [Fact]
    public void The_driver_marks_a_diagnostic_under_pragma_warning_disable_as_suppressed()
    {
        // The generator driver filters what generators report through the compilation's options and pragmas, as the
        // compiler does: a suppressed diagnostic comes back with IsSuppressed set, and the compiler does not print it.
        var run = GeneratorHarness.Run(Source);

        var keys = run.GeneratorDiagnostics.Where(d => d.Id == "KT0004").ToList();
        Assert.Contains(keys, d => d.IsSuppressed && d.GetMessage().Contains("SuppressedByPragma", StringComparison.Ordinal));
        Assert.Contains(keys, d => !d.IsSuppressed && d.GetMessage().Contains("'Shop.Reported'", StringComparison.Ordinal));
        Assert.NotNull(keys.Single(d => d.GetMessage().Contains("SuppressedByPragma", StringComparison.Ordinal)).Location.SourceTree);
    }

    [Fact]
    public void The_compiler_reports_only_the_diagnostic_that_is_not_suppressed()
    {
        // The real compiler of the SDK running this test, with the generator as an analyzer assembly: what a build does.
        var directory = Directory.CreateTempSubdirectory("kafkatyped-suppression-");
        try
        {
            var source = Path.Combine(directory.FullName, "Messages.cs");
            File.WriteAllText(source, Source);
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(Path.PathSeparator)
                .Where(path => !Path.GetFileName(path).StartsWith("KafkaTyped.Generators", StringComparison.Ordinal));
            var arguments = new List<string> { Compiler.Path, "-nologo", "-noconfig", "-t:library", "-nullable:enable", $"-out:{Path.Combine(directory.FullName, "Messages.dll")}" };
            arguments.AddRange(references.Select(r => $"-r:{r}"));
            arguments.Add($"-analyzer:{typeof(KafkaTypedGenerator).Assembly.Location}");
            arguments.Add(source);
            var responseFile = Path.Combine(directory.FullName, "csc.rsp");
            File.WriteAllLines(responseFile, arguments.Skip(1).Select(a => $"\"{a}\""));

            var output = Compiler.Run(responseFile);

            var reported = output.Split('\n').Where(line => line.Contains("KT0004", StringComparison.Ordinal)).ToList();
            var line = Assert.Single(reported);
            Assert.Contains("'Shop.Reported'", line, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The csc.dll of the SDK whose host runs the tests.</summary>
    private static class Compiler
    {
        public static string Path { get; } = Find();

        public static string Run(string responseFile)
        {
            var start = new ProcessStartInfo(Host, [Path, $"@{responseFile}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            process.WaitForExit();
            return stdout.Result + stderr.Result;
        }

        private static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : System.IO.Path.Combine(Root, "dotnet");

        private static string Root
            => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host
                ? System.IO.Path.GetDirectoryName(host)!
                : System.IO.Path.GetFullPath(System.IO.Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

        private static string Find()
        {
            var candidates = Directory.EnumerateDirectories(System.IO.Path.Combine(Root, "sdk"))
                .Select(sdk => System.IO.Path.Combine(sdk, "Roslyn", "bincore", "csc.dll"))
                .Where(File.Exists)
                .OrderByDescending(path => Version.TryParse(System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(path)))!)?.Split('-')[0], out var version) ? version : new Version(0, 0))
                .ToList();
            Assert.True(candidates.Count > 0, $"no csc.dll under {Root}/sdk");
            return candidates[0];
        }
    }
}
