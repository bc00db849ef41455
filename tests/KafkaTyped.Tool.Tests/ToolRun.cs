using System.Diagnostics;
using System.Text.Json;

namespace KafkaTyped.Tool.Tests;

/// <summary>What one run of the command printed, and its exit code.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Standard output as JSON lines (with <c>--output json</c>).</summary>
    public IReadOnlyList<JsonElement> JsonLines()
        => [.. Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the <c>kafkatyped</c> command line in this process, exactly as Program does, with captured output.</summary>
public static class ToolRun
{
    public static Task<ToolResult> RunAsync(params string[] args) => RunAsync(args, environment: null, TestContext.Current.CancellationToken);

    public static async Task<ToolResult> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(
            args, stdout, stderr, name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            interactive: false, handleTermination: false, cancellationToken);
        return new ToolResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs an executable (the NativeAOT binary) and waits for it.</summary>
    public static async Task<ToolResult> RunProcessAsync(string path, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}
