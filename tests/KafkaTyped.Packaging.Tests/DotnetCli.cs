using System.Diagnostics;
using System.Text;

namespace KafkaTyped.Packaging.Tests;

/// <summary>The output of a finished <c>dotnet</c> command.</summary>
public sealed record CommandResult(string CommandLine, string WorkingDirectory, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>Everything a reader needs when the command did not do what was expected.</summary>
    public string Describe()
        => $"`{CommandLine}` in {WorkingDirectory} exited with {ExitCode} after {Elapsed.TotalSeconds:0} s. Output:{Environment.NewLine}{Output}";
}

/// <summary>Runs the <c>dotnet</c> CLI as a user would, with a deadline; a command that overruns is killed with its children.</summary>
public static class DotnetCli
{
    /// <summary>
    /// Environment variables that <c>dotnet test</c> sets for its own MSBuild and test host; a child command must find its
    /// SDK and MSBuild the ordinary way, as in a terminal.
    /// </summary>
    private static readonly string[] InheritedBuildVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILDNOINPROCNODE", "_MSBUILDTLENABLED", "DOTNET_HOST_PATH",
    ];

    /// <summary>The dotnet executable that runs this test (so the same SDK is used), else the one on PATH.</summary>
    public static string Executable { get; } = FindExecutable();

    public static async Task<CommandResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in InheritedBuildVariables)
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        var commandLine = $"dotnet {string.Join(' ', arguments)}";
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            throw new TimeoutException($"`{commandLine}` in {workingDirectory} did not finish within {timeout.TotalMinutes:0} min and was killed. Output so far:{Environment.NewLine}{text}");
        }

        // The parameterless wait returns once the redirected streams are drained too.
        process.WaitForExit();
        lock (output)
        {
            return new CommandResult(commandLine, workingDirectory, process.ExitCode, output.ToString(), stopwatch.Elapsed);
        }
    }

    private static string FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        return OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
    }
}
