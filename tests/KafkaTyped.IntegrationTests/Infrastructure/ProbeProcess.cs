using System.Diagnostics;
using System.Text;

namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>
/// One of the probe programs built beside this project (a <c>KafkaTyped.*Probe.dll</c>), running as a child process:
/// for what cannot be simulated inside the test process, such as a process killed with <c>SIGKILL</c> at a chosen point.
/// Its standard output and error are collected line by line; closing its standard input asks it to stop.
/// </summary>
public sealed class ProbeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<string> _lines = [];

    private ProbeProcess(Process process) => _process = process;

    /// <summary>Whether the process ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything it wrote so far (standard output and error, interleaved by line).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The lines of standard output and error so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_output)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Starts <paramref name="probe"/> (a dll beside the tests) with <paramref name="arguments"/>.</summary>
    /// <param name="probe">The probe's file name, such as <c>KafkaTyped.OutboxRelayProbe.dll</c>.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The running process.</returns>
    public static ProbeProcess Start(string probe, params IEnumerable<string> arguments)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, probe);
        Assert.True(File.Exists(path), $"{path} is built with the solution (referenced by this project).");
        var start = new ProcessStartInfo(DotnetHost.Path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var probeProcess = new ProbeProcess(new Process { StartInfo = start });
        probeProcess._process.OutputDataReceived += (_, e) => probeProcess.Append(e.Data);
        probeProcess._process.ErrorDataReceived += (_, e) => probeProcess.Append(e.Data);
        probeProcess._process.Start();
        probeProcess._process.BeginOutputReadLine();
        probeProcess._process.BeginErrorReadLine();
        return probeProcess;
    }

    /// <summary>Waits until the process wrote a line containing <paramref name="text"/>; fails when it exits or the deadline passes first.</summary>
    /// <param name="text">The text of the line.</param>
    /// <param name="timeout">The deadline.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the line was written.</returns>
    public async Task WaitForLineAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Wait.UntilAsync(() => HasLine(text) || _process.HasExited, timeout, $"the probe to write '{text}'", cancellationToken);
        Assert.True(HasLine(text), $"The probe exited (code {(_process.HasExited ? _process.ExitCode : 0)}) without writing '{text}': {Output}");
    }

    /// <summary>Whether a line written so far contains <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns><see langword="true"/> when one does.</returns>
    public bool HasLine(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Kills the process with <c>SIGKILL</c> (no shutdown, no flush, nothing committed) and waits until it is gone.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when it exited.</returns>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill();
        await _process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Closes its standard input (the probes stop normally then) and waits for it to exit.</summary>
    /// <param name="timeout">The deadline.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Kills the process when it still runs.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            _lines.Add(line);
        }
    }
}
