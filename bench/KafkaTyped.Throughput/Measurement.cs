using System.Diagnostics;

namespace KafkaTyped.Throughput;

/// <summary>One measured phase: wall-clock time, process CPU time and managed bytes allocated (all threads) per message.</summary>
internal readonly record struct Measurement(int Messages, TimeSpan Elapsed, TimeSpan Cpu, long AllocatedBytes)
{
    public double MessagesPerSecond => Messages / Elapsed.TotalSeconds;

    public double CpuMicrosecondsPerMessage => Cpu.TotalMilliseconds * 1000 / Messages;

    public double BytesPerMessage => (double)AllocatedBytes / Messages;

    /// <summary>The phase's first and last <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC on Linux), for a profiler's time filter.</summary>
    public (long Start, long Stop) Window { get; init; }
}

/// <summary>Starts counting at <see cref="Start"/>; <see cref="Stop"/> returns the measurement.</summary>
internal sealed class PhaseMeter
{
    private long _startTicks;
    private TimeSpan _startCpu;
    private long _startAllocated;
    private int _started;

    /// <summary>Starts once (later calls are ignored), so a consumer can start the meter on the first record it sees.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        _startAllocated = GC.GetTotalAllocatedBytes(precise: true);
        _startCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _startTicks = Stopwatch.GetTimestamp();
    }

    public Measurement Stop(int messages)
    {
        var stopTicks = Stopwatch.GetTimestamp();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _startCpu;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - _startAllocated;
        return new Measurement(messages, Stopwatch.GetElapsedTime(_startTicks, stopTicks), cpu, allocated) { Window = (_startTicks, stopTicks) };
    }
}
