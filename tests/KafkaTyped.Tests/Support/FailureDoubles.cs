using System.Collections.Concurrent;

namespace KafkaTyped.Tests.Support;

/// <summary>A dead-letter sink that keeps what it was given, optionally failing its first calls.</summary>
public sealed class RecordingDeadLetterSink : IDeadLetterSink
{
    public ConcurrentQueue<DeadLetter> Sent { get; } = new();

    public int FailuresLeft { get; set; }

    public int Calls { get; private set; }

    public Task SendAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        Calls++;
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            return Task.FromException(new InvalidOperationException("dead-letter topic unavailable"));
        }

        Sent.Enqueue(deadLetter);
        return Task.CompletedTask;
    }
}

/// <summary>A fixed jitter.</summary>
public sealed class FixedJitter(double value) : IRetryJitter
{
    public double NextDouble() => value;
}

/// <summary>
/// A clock that records every delay asked of it and lets each one elapse at once, so that retry delays are asserted
/// on what was requested, never on wall time.
/// </summary>
public sealed class RecordingDelays : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Requested { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Requested.Enqueue(dueTime);
        }

        return System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
    }
}
