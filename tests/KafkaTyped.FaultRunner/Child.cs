using System.Diagnostics;
using System.Runtime.InteropServices;

namespace KafkaTyped.FaultRunner;

/// <summary>
/// A member or producer: this same program started again with a verb, speaking TCP to the cluster of the parent.
/// Its output is kept (the last lines are printed when it crashes). Killed with SIGKILL (<see cref="Process.Kill()"/>
/// on Linux), or stopped gracefully by closing its standard input.
/// </summary>
public sealed class Child : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _readyLine;

    private Child(string name, string verb, IEnumerable<string> arguments, IDictionary<string, string> environment)
    {
        Name = name;
        _readyLine = (verb == "produce" ? "producer" : verb) + " started";
        var start = new ProcessStartInfo(DotnetHost) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Child).Assembly.Location);
        start.ArgumentList.Add(verb);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        StartedAt = DateTime.UtcNow;
    }

    public string Name { get; }

    public DateTime StartedAt { get; }

    /// <summary>Killed by the runner (SIGKILL): its exit is expected.</summary>
    public bool Killed { get; private set; }

    /// <summary>Stopped by the runner (standard input closed).</summary>
    public bool Stopping { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the child printed that it runs.</summary>
    public Task Ready => _ready.Task;

    /// <summary>An exit the runner did not cause, or a non-zero exit after a graceful stop: a crash.</summary>
    public bool Crashed => _process.HasExited && !Killed && (!Stopping || _process.ExitCode != 0);

    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    public static Child Start(string name, string verb, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
        => new(name, verb, arguments, environment ?? new Dictionary<string, string>());

    /// <summary>SIGKILL: no drain, no commit, no leaving the group.</summary>
    public void Kill()
    {
        Killed = true;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        _process.WaitForExit();
    }

    /// <summary>A graceful stop (drain, commit, leave); killed when it takes longer than <paramref name="deadline"/>.</summary>
    public async Task StopAsync(TimeSpan deadline)
    {
        Stopping = true;
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Line($"[runner] {Name} did not stop within {deadline.TotalSeconds:0} s; killed");
            Killed = false;
            _process.Kill();
            await _process.WaitForExitAsync();
            StopTimedOut = true;
        }
    }

    /// <summary>A graceful stop that did not finish in time.</summary>
    public bool StopTimedOut { get; private set; }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line == _readyLine)
        {
            _ready.TrySetResult();
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
        }
    }

    /// <summary>The dotnet muxer (<c>DOTNET_HOST_PATH</c>, else the one beside the running runtime, else <c>dotnet</c>).</summary>
    private static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }

            var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            var muxer = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return File.Exists(muxer) ? muxer : "dotnet";
        }
    }
}
