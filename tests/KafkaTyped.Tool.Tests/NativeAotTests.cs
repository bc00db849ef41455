namespace KafkaTyped.Tool.Tests;

/// <summary>
/// The tool published as one NativeAOT executable runs <c>dlq list</c> against the embedded cluster. The publish takes
/// minutes on a small machine; <c>KAFKATYPED_TOOL_AOT_BINARY</c> may name an executable published before
/// (<c>dotnet publish src/Tool/KafkaTyped.Tool -c Release -r linux-x64 -p:PublishAot=true</c>) to skip it.
/// </summary>
public sealed class NativeAotTests(ToolCluster cluster)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_NativeAOT_binary_lists_dead_letters()
    {
        if (!OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("KAFKATYPED_TOOL_AOT_BINARY") is null)
        {
            Assert.Skip("The NativeAOT publish is checked on linux-x64.");
        }

        var binary = Environment.GetEnvironmentVariable("KAFKATYPED_TOOL_AOT_BINARY") ?? await PublishAsync();
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);

        var result = await ToolRun.RunProcessAsync(binary, ["dlq", "list", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json"], TimeSpan.FromMinutes(2), Ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        var group = Assert.Single(result.JsonLines());
        Assert.Equal(2, group.GetProperty("count").GetInt32());
        Assert.Equal(orders.Billing, group.GetProperty("group").GetString());
        Assert.DoesNotContain("warning", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<string> PublishAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), ToolCluster.Unique("kafkatyped-aot"));
        var output = Path.Combine(root, "publish");
        var publish = await ToolRun.RunProcessAsync(
            "dotnet",
            ["publish", Path.Combine(HelpTests.RepoRoot, "src", "Tool", "KafkaTyped.Tool", "KafkaTyped.Tool.csproj"), "-c", "Release", "-r", "linux-x64",
                "-p:PublishAot=true", "-o", output, "--artifacts-path", Path.Combine(root, "artifacts"), "--disable-build-servers"],
            PublishTimeout,
            Ct);
        Assert.True(publish.ExitCode == 0, publish.ToString());

        // Our assemblies produce no trim or AOT warning; Confluent.Kafka's own reflection is reported once (IL2104, docs/nativeaot.md).
        var warnings = publish.Stdout.Split('\n').Where(l => l.Contains("warning IL", StringComparison.Ordinal) || l.Contains("warning AOT", StringComparison.Ordinal)).ToList();
        Assert.All(warnings, w => Assert.Contains("Confluent.Kafka", w, StringComparison.Ordinal));
        var binary = Path.Combine(output, "kafkatyped");
        Assert.True(File.Exists(binary), $"no {binary}: {publish}");
        return binary;
    }
}
