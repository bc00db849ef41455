namespace KafkaTyped.Outbox;

/// <summary>
/// How far the outbox relay has got, for the readiness check and the <c>kafkatyped.outbox.*</c> instruments: when it
/// last found the outbox drained (a claim that returned less than a full batch) and how many failed batches it has had
/// in a row since its last good one. Written by the relay, read from any thread.
/// </summary>
internal sealed class OutboxRelayStatus : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private long _lastCaughtUpTicks;
    private int _consecutiveFailures;
    private long _backlog = -1;

    public OutboxRelayStatus(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _lastCaughtUpTicks = timeProvider.GetUtcNow().UtcTicks;
        Diagnostics.StatusGauges.Register(this);
    }

    public void Dispose() => Diagnostics.StatusGauges.Unregister(this);

    /// <summary>When the relay last found nothing more to publish (at creation: the start).</summary>
    public DateTimeOffset LastCaughtUp => new(Interlocked.Read(ref _lastCaughtUpTicks), TimeSpan.Zero);

    /// <summary>The unsent messages at the relay's last count, or <see langword="null"/> before one (or when the store does not count).</summary>
    public long? Backlog => Interlocked.Read(ref _backlog) is >= 0 and var backlog ? backlog : null;

    public void Counted(long? backlog) => Interlocked.Exchange(ref _backlog, backlog ?? -1);

    /// <summary>Failed batches since the last batch that went through.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>How long the relay has had more to publish than it published (zero while it keeps up).</summary>
    public TimeSpan Behind => _timeProvider.GetUtcNow() - LastCaughtUp is { Ticks: > 0 } behind ? behind : TimeSpan.Zero;

    public void BatchPublished(bool drained)
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        if (drained)
        {
            Interlocked.Exchange(ref _lastCaughtUpTicks, _timeProvider.GetUtcNow().UtcTicks);
        }
    }

    public void BatchFailed() => Interlocked.Increment(ref _consecutiveFailures);
}
