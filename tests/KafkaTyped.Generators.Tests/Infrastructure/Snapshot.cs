using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// Compares generated sources with the checked-in <c>Snapshots/&lt;Test&gt;.&lt;hint&gt;.verified.cs</c> files. On a
/// mismatch it writes <c>*.received.cs</c> beside them and fails. To accept changed output, review the received
/// files and rename them, or run the tests once with <c>KAFKATYPED_ACCEPT_SNAPSHOTS=1</c> (see README.md in this folder).
/// </summary>
internal static partial class Snapshot
{
    public const string AcceptVariable = "KAFKATYPED_ACCEPT_SNAPSHOTS";

    public static void Verify(GeneratorRun run, [CallerMemberName] string test = "", [CallerFilePath] string callerFile = "")
        => Verify(run, test, Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots"), Environment.GetEnvironmentVariable(AcceptVariable) == "1");

    public static void Verify(GeneratorRun run, string test, string directory, bool accept)
    {
        Directory.CreateDirectory(directory);
        var failures = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);

        foreach (var source in run.Sources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            var stem = $"{test}.{Path.GetFileNameWithoutExtension(source.HintName)}";
            var verified = Path.Combine(directory, stem + ".verified.cs");
            var received = Path.Combine(directory, stem + ".received.cs");
            expectedFiles.Add(Path.GetFileName(verified));
            var actual = Scrub(source.SourceText.ToString());

            if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == actual)
            {
                File.Delete(received);
                continue;
            }

            if (accept)
            {
                File.WriteAllText(verified, actual);
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, actual);
            failures.Add(File.Exists(verified) ? $"{stem}: differs from the verified snapshot" : $"{stem}: no verified snapshot yet");
        }

        foreach (var stale in Directory.EnumerateFiles(directory, $"{test}.*.verified.cs"))
        {
            if (!expectedFiles.Contains(Path.GetFileName(stale)))
            {
                if (accept)
                {
                    File.Delete(stale);
                }
                else
                {
                    failures.Add($"{Path.GetFileName(stale)}: no longer generated");
                }
            }
        }

        Assert.True(failures.Count == 0, $"Snapshots in {directory} do not match (set {AcceptVariable}=1 to accept):{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
    }

    /// <summary>Pins what changes with every release (the generator version) so that snapshots only change with the code.</summary>
    private static string Scrub(string source) => Normalize(GeneratedCodeVersion().Replace(source, "\"KafkaTyped.Generators\", \"VERSION\""));

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\uFEFF');

    [GeneratedRegex("\"KafkaTyped\\.Generators\", \"[0-9.]+\"")]
    private static partial Regex GeneratedCodeVersion();
}
