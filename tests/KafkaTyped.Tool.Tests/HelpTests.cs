using System.Reflection;
using System.Text;

namespace KafkaTyped.Tool.Tests;

/// <summary>
/// The help of every command, snapshot-tested: a change to a command's options shows up in review as a change of
/// <c>Snapshots/help.txt</c>. <c>KAFKATYPED_ACCEPT_SNAPSHOTS=1</c> writes the new text after the diff was reviewed.
/// </summary>
public sealed class HelpTests
{
    private static readonly string[][] s_commands = [[], ["dlq"], ["dlq", "list"], ["dlq", "show"], ["dlq", "replay"], ["tail"], ["lag"]];

    [Fact]
    public async Task The_help_of_every_command_matches_its_snapshot()
    {
        var text = new StringBuilder();
        foreach (var command in s_commands)
        {
            var result = await ToolRun.RunAsync([.. command, "--help"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            text.Append("$ kafkatyped ").AppendJoin(' ', command).Append(command.Length > 0 ? " " : string.Empty).Append("--help\n").Append(result.Stdout.ReplaceLineEndings("\n")).Append('\n');
        }

        var actual = text.ToString();
        var snapshot = Path.Combine(RepoRoot, "tests", "KafkaTyped.Tool.Tests", "Snapshots", "help.txt");
        if (Environment.GetEnvironmentVariable("KAFKATYPED_ACCEPT_SNAPSHOTS") == "1")
        {
            await File.WriteAllTextAsync(snapshot, actual, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(snapshot), $"No snapshot at {snapshot}: run with KAFKATYPED_ACCEPT_SNAPSHOTS=1 and review it.");
        Assert.Equal((await File.ReadAllTextAsync(snapshot, TestContext.Current.CancellationToken)).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public async Task An_unknown_option_or_output_format_is_a_usage_error()
    {
        var unknown = await ToolRun.RunAsync("dlq", "list", "orders.dlq", "--bogus");
        var format = await ToolRun.RunAsync("lag", "--group", "g", "-o", "xml");

        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("--bogus", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, format.ExitCode);
        Assert.Contains("'xml'", format.Stderr, StringComparison.Ordinal);
    }

    internal static string RepoRoot => typeof(HelpTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
}
