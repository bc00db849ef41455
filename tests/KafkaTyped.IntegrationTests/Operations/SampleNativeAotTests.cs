using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KafkaTyped.IntegrationTests.Infrastructure;

namespace KafkaTyped.IntegrationTests.Operations;

/// <summary>
/// samples/OrderService published with NativeAOT: the publish reports no trim or AOT warning of ours, the native binary
/// runs the README's <c>--count</c> demo, and as a service it answers 200 on <c>/live</c> and <c>/ready</c> (each on
/// its own embedded cluster). The publish takes minutes on a small machine; <c>KAFKATYPED_SAMPLE_AOT_BINARY</c> may
/// name a binary published before (<c>dotnet publish samples/OrderService -c Release -r linux-x64 -p:PublishAot=true</c>)
/// to skip it.
/// </summary>
public sealed class SampleNativeAotTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);
    private static readonly SemaphoreSlim s_publishOnce = new(1, 1);
    private static string? s_binary;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_native_sample_runs_the_count_demo_and_answers_live_and_ready_with_200()
    {
        if (!OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("KAFKATYPED_SAMPLE_AOT_BINARY") is null)
        {
            Assert.Skip("The NativeAOT publish is checked on linux-x64.");
        }

        var binary = await BinaryAsync();

        var demo = await RunAsync(binary, ["--count", "50"], RunTimeout);
        Assert.True(demo.ExitCode == 0, demo.Output);
        Assert.Matches(@"Handled +150 messages", demo.Output);
        Assert.Matches(@"Out of order +0\n", demo.Output.ReplaceLineEndings("\n"));

        var port = FreePort();
        using var service = Start(binary, ["--urls", $"http://127.0.0.1:{port}"], out var output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var ready = await UntilOkAsync(http, "/ready", service, output);
            Assert.Contains("\"kafkatyped-ready\"", ready, StringComparison.Ordinal);
            Assert.Contains("\"order-service.state\": \"Assigned\"", ready, StringComparison.Ordinal);
            var live = await http.GetAsync("/live", Ct);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Contains("\"kafkatyped-live\"", await live.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task<string> BinaryAsync()
    {
        if (Environment.GetEnvironmentVariable("KAFKATYPED_SAMPLE_AOT_BINARY") is { Length: > 0 } given)
        {
            return given;
        }

        await s_publishOnce.WaitAsync(Ct);
        try
        {
            return s_binary ??= await PublishAsync();
        }
        finally
        {
            s_publishOnce.Release();
        }
    }

    private static async Task<string> PublishAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"kafkatyped-sample-aot-{Guid.NewGuid():N}");
        var output = Path.Combine(root, "publish");
        var project = Path.Combine(RepositoryRoot(), "samples", "OrderService", "OrderService.csproj");
        var publish = await RunAsync(
            DotnetHost.Path,
            ["publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", output, "--artifacts-path", Path.Combine(root, "artifacts"), "--disable-build-servers"],
            PublishTimeout);
        Assert.True(publish.ExitCode == 0, publish.Output);

        // Our assemblies produce no trim or AOT warning; Confluent.Kafka's own reflection is reported once (IL2104, docs/nativeaot.md).
        var warnings = publish.Output.Split('\n').Where(l => l.Contains("warning IL", StringComparison.Ordinal) || l.Contains("warning AOT", StringComparison.Ordinal)).ToList();
        Assert.All(warnings, w => Assert.Contains("Confluent.Kafka", w, StringComparison.Ordinal));
        var binary = Path.Combine(output, "OrderService");
        Assert.True(File.Exists(binary), $"no {binary}: {publish.Output}");
        return binary;
    }

    private static async Task<string> UntilOkAsync(HttpClient http, string path, Process service, StringBuilder output)
    {
        var stopwatch = Stopwatch.StartNew();
        var last = "(no answer)";
        while (stopwatch.Elapsed < RunTimeout)
        {
            Assert.False(service.HasExited, $"the service exited ({(service.HasExited ? service.ExitCode : 0)}): {Snapshot(output)}");
            try
            {
                using var response = await http.GetAsync(path, Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return body;
                }

                last = $"{(int)response.StatusCode} {body}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message; // not listening yet
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail($"{path} did not answer 200 within {RunTimeout.TotalSeconds:0} s; last: {last}; output: {Snapshot(output)}");
        return "";
    }

    private static Process Start(string file, string[] arguments, out StringBuilder output)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var captured = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (captured) { captured.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (captured) { captured.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = captured;
        return process;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, TimeSpan timeout)
    {
        using var process = Start(file, arguments, out var output);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(file)} {string.Join(' ', arguments)} did not exit within {timeout.TotalMinutes:0.#} min: {Snapshot(output)}");
        }

        process.WaitForExit(); // the output's last lines
        return (process.ExitCode, Snapshot(output));
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));
}
