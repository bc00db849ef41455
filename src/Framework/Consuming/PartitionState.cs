using Confluent.Kafka;

namespace KafkaTyped.Consuming;

/// <summary>
/// Everything a consumer group keeps for one assigned partition, created fresh on each assignment: its offset tracker,
/// whether this member paused it, the offset last stored for commit, and its lanes: the records dispatched from the
/// poll and not yet completed, admitted to run by the <see cref="DispatchStrategy"/> of each record's ordering mode.
/// The poll thread enqueues records and reads the flags; the group's <see cref="GroupExecutor"/> runs admitted records
/// and reports their completion from any thread (the lanes are guarded by a lock).
/// </summary>
internal sealed class PartitionState
{
    private readonly Lock _lock = new();
    private readonly Queue<DispatchedRecord> _held = new();
    private readonly Queue<DispatchedRecord> _inOffsetOrder = new();
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly GroupExecutor _executor;
    private readonly TimeProvider _timeProvider;
    private readonly LaneCapacity _capacity;
    private readonly Task? _predecessor;
    private int _buffered;
    private long _bufferedBytes;
    private ManualResetEventSlim? _drained;
    private bool _waitingForDrain;
    private int _executing;
    private bool _writingCompleted;
    private bool _finishing;
    private bool _cancelled;
    private bool _paused;
    private long _lastCommitted = -1;
    private long _highWatermark = -1;

    /// <param name="topicPartition">The partition.</param>
    /// <param name="capacity">Records (and their bytes) dispatched and not completed at which the poll thread pauses the partition.</param>
    /// <param name="executor">Runs the group's admitted records, bounded by its concurrency.</param>
    /// <param name="timeProvider">The clock of the status (ages).</param>
    /// <param name="predecessor">
    /// The work of an earlier state of the same partition that was cancelled but has not ended (a handler that does not
    /// observe its token): nothing is admitted before it ended, so one partition never has two owners' handler calls at once.
    /// </param>
    public PartitionState(TopicPartition topicPartition, LaneCapacity capacity, GroupExecutor executor, TimeProvider timeProvider, Task? predecessor = null)
    {
        TopicPartition = topicPartition;
        _capacity = capacity;
        _executor = executor;
        _timeProvider = timeProvider;
        AssignedAt = timeProvider.GetUtcNow();
        if (predecessor is { IsCompleted: false })
        {
            _predecessor = predecessor;
            predecessor.ContinueWith(
                static (_, state) =>
                {
                    var partition = (PartitionState)state!;
                    lock (partition._lock)
                    {
                        partition.Pump();
                    }
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    public TopicPartition TopicPartition { get; }

    /// <summary>Dispatched and not yet completed offsets of the partition; what may be committed.</summary>
    public OffsetTracker Tracker { get; } = new();

    /// <summary>Whether this member paused the partition because it was full. Written by the poll thread only.</summary>
    public bool Paused
    {
        get => Volatile.Read(ref _paused);
        set => Volatile.Write(ref _paused, value);
    }

    /// <summary>
    /// The offset after the last record the client delivered for this partition, with that record's leader epoch, or
    /// <see langword="null"/> before the first: where fetching resumes after a pause. Poll thread only.
    /// </summary>
    public TopicPartitionOffset? Next { get; private set; }

    /// <summary>
    /// The first record the client delivered for this state (its offset and leader epoch), or <see langword="null"/>: where an
    /// exactly-once group handles the partition again from after an abort before its first commit. Poll thread only.
    /// </summary>
    public TopicPartitionOffset? First { get; private set; }

    /// <summary>The last offset stored for librdkafka to commit, or -1. Poll thread only.</summary>
    public long LastStored { get; set; } = -1;

    /// <summary>The last offset the client reported committed for this partition, or -1.</summary>
    public long LastCommitted
    {
        get => Volatile.Read(ref _lastCommitted);
        set => Volatile.Write(ref _lastCommitted, value);
    }

    /// <summary>The partition's high watermark as last fetched, or -1.</summary>
    public long HighWatermark
    {
        get => Volatile.Read(ref _highWatermark);
        set => Volatile.Write(ref _highWatermark, value);
    }

    /// <summary>When the partition was assigned to this member.</summary>
    public DateTimeOffset AssignedAt { get; }

    /// <summary>The cancellation of the partition's handler calls (revoked, lost, aborted).</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Completes when nothing of the partition runs any more: drained after <see cref="CompleteWriting"/>, or cancelled.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Records dispatched and not completed: waiting in the lanes or being handled.</summary>
    public int Buffered => Volatile.Read(ref _buffered);

    /// <summary>Records being handled now.</summary>
    public int InFlight => Volatile.Read(ref _executing);

    /// <summary>Bytes of the keys and values of the records dispatched and not completed.</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedBytes);

    /// <summary>Whether the partition drained enough to be resumed: to half its capacity, in records and in bytes.</summary>
    public bool CanResume => _capacity.DrainedToHalf(Buffered, BufferedBytes);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a full partition to drain to half its capacity (poll thread only, as
    /// the one who would pause it); <see langword="true"/> when it did.
    /// </summary>
    public bool WaitUntilResumable(TimeSpan timeout)
    {
        ManualResetEventSlim drained;
        lock (_lock)
        {
            if (CanResumeLocked || _cancelled || _finishing)
            {
                return true;
            }

            drained = _drained ??= new ManualResetEventSlim();
            drained.Reset();
            _waitingForDrain = true;
        }

        drained.Wait(timeout);
        lock (_lock)
        {
            _waitingForDrain = false;
            return CanResumeLocked;
        }
    }

    private bool CanResumeLocked => _capacity.DrainedToHalf(_buffered, _bufferedBytes);

    /// <summary>How long the oldest record dispatched and not completed has waited since it was polled, or zero.</summary>
    public TimeSpan OldestInFlightAge
    {
        get
        {
            long since;
            lock (_lock)
            {
                if (!_inOffsetOrder.TryPeek(out var oldest))
                {
                    return TimeSpan.Zero;
                }

                since = oldest.DispatchedAt;
            }

            return _timeProvider.GetElapsedTime(since);
        }
    }

    /// <summary>
    /// Adds a polled record (poll thread only, in the order the client delivers them) and admits what its ordering
    /// allows. A record at or below an offset already taken is a rewind (see <see cref="OffsetTracker"/>): it is handled,
    /// and the commit waits for it.
    /// </summary>
    /// <returns><see langword="false"/> when the partition is full and should be paused.</returns>
    public bool Enqueue(ConsumeResult<byte[], byte[]> record, DispatchStrategy strategy)
    {
        First ??= new TopicPartitionOffset(TopicPartition, record.Offset, record.LeaderEpoch);
        Next = new TopicPartitionOffset(TopicPartition, new Offset(record.Offset.Value + 1), record.LeaderEpoch);
        if (!Tracker.Register(record.Offset.Value, record.LeaderEpoch, out var generation))
        {
            return true; // closed: released, nothing more is dispatched
        }

        var dispatched = new DispatchedRecord(this, record, generation, strategy, _timeProvider.GetTimestamp());
        lock (_lock)
        {
            if (_cancelled || _writingCompleted)
            {
                return true;
            }

            _buffered++;
            _bufferedBytes += dispatched.Bytes;
            _inOffsetOrder.Enqueue(dispatched);
            _held.Enqueue(dispatched);
            Pump();
            return _capacity.HasRoom(_buffered, _bufferedBytes);
        }
    }

    /// <summary>Accepts no more records; <see cref="Completion"/> completes once every buffered record completed.</summary>
    public void CompleteWriting()
    {
        lock (_lock)
        {
            _writingCompleted = true;
            CheckDone();
        }
    }

    /// <summary>
    /// Accepts no more records and starts none of those waiting (admitted or not): only the handler calls under way go on;
    /// <see cref="Completion"/> completes once they returned. What was not started is never completed, so never
    /// committed: the partition's next owner handles it. This is how a revoked partition and a stopping consumer let go.
    /// </summary>
    public void FinishInFlight()
    {
        List<ConcurrencyGate>? gates = null;
        lock (_lock)
        {
            _writingCompleted = true;
            _finishing = true;
            _held.Clear();
            foreach (var record in _inOffsetOrder)
            {
                if (record.HoldsGate && !record.Running)
                {
                    record.HoldsGate = false;
                    (gates ??= []).Add(record.Strategy.Gate!);
                }
            }

            CheckDone();
        }

        if (gates is not null)
        {
            foreach (var gate in gates)
            {
                gate.Exit();
            }
        }
    }

    /// <summary>
    /// Cancels the records being handled and drops the waiting ones (never completed, so never committed);
    /// <see cref="Completion"/> completes once the handler calls under way returned.
    /// </summary>
    public void Cancel()
    {
        List<ConcurrencyGate>? gates = null;
        lock (_lock)
        {
            _cancelled = true;
            _held.Clear();

            // Admitted records that will never complete give their gate slots back now; one still running that completes
            // later finds its slot already returned.
            foreach (var record in _inOffsetOrder)
            {
                if (record.HoldsGate)
                {
                    record.HoldsGate = false;
                    (gates ??= []).Add(record.Strategy.Gate!);
                }
            }

            CheckDone();
        }

        _cancellation.Cancel();
        if (gates is not null)
        {
            foreach (var gate in gates)
            {
                gate.Exit();
            }
        }
    }

    /// <summary>A gate this partition waited for has a free slot: admits what can go now. Never under another partition's lock.</summary>
    internal void Wake()
    {
        lock (_lock)
        {
            Pump();
        }
    }

    // ---- What the strategies use, under the lock ----

    /// <summary>Records admitted and not completed. Under the lock.</summary>
    internal int Admitted { get; set; }

    /// <summary>Whether a <see cref="OrderingMode.Partition"/> record is admitted and not completed. Under the lock.</summary>
    internal bool BarrierHeld { get; set; }

    /// <summary>Per record key, the admitted key-ordered records: the head runs, the others wait for it. Under the lock.</summary>
    internal Dictionary<byte[], Queue<DispatchedRecord>> KeyLanes { get; } = new(KeyComparer.Instance);

    /// <summary>Hands an admitted record whose turn it is to the group's executor. Under the lock.</summary>
    internal void Run(DispatchedRecord record) => _executor.Submit(record);

    // ---- What the executor calls ----

    /// <summary>Whether <paramref name="record"/> may start (the partition was not cancelled meanwhile); counts it in flight.</summary>
    internal bool TryBegin(DispatchedRecord record)
    {
        lock (_lock)
        {
            if (_cancelled || _finishing)
            {
                return false; // its gate slot, if any, was given back by Cancel or FinishInFlight
            }

            _executing++;
            record.Running = true;
            return true;
        }
    }

    /// <summary>The record's processing ended: its offset completes and what waited for it is admitted.</summary>
    internal void Completed(DispatchedRecord record)
    {
        Tracker.Complete(record.Record.Offset.Value, record.Generation);
        ConcurrencyGate? gate = null;
        lock (_lock)
        {
            _executing--;
            _buffered--;
            _bufferedBytes -= record.Bytes;
            Admitted--;
            if (_waitingForDrain && CanResumeLocked)
            {
                _drained!.Set();
            }

            record.Done = true;
            if (record.HoldsGate)
            {
                record.HoldsGate = false;
                gate = record.Strategy.Gate;
            }

            record.Strategy.Completed(this, record);
            while (_inOffsetOrder.TryPeek(out var oldest) && oldest.Done)
            {
                _inOffsetOrder.Dequeue();
            }

            Pump();
            CheckDone();
        }

        gate?.Exit();
    }

    /// <summary>The record's processing was cancelled or failed: its offset stays uncompleted.</summary>
    internal void Abandoned(DispatchedRecord record)
    {
        lock (_lock)
        {
            _executing--;
            CheckDone();
        }
    }

    /// <summary>Admits held records, in offset order, as far as their strategies allow. Under the lock.</summary>
    private void Pump()
    {
        if (_cancelled || _finishing || _predecessor is { IsCompleted: false })
        {
            return;
        }

        while (_held.TryPeek(out var next) && next.Strategy.TryAdmit(this, next))
        {
            _held.Dequeue();
        }
    }

    private void CheckDone()
    {
        if (((_cancelled || _finishing) && _executing == 0) || (_writingCompleted && _buffered == 0))
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>Record keys compared by content; a record without a key has the empty key.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}

/// <summary>A polled record in its partition's lanes.</summary>
internal sealed class DispatchedRecord(PartitionState partition, ConsumeResult<byte[], byte[]> record, int generation, DispatchStrategy strategy, long dispatchedAt)
{
    public PartitionState Partition { get; } = partition;

    public ConsumeResult<byte[], byte[]> Record { get; } = record;

    /// <summary>The tracker generation the offset was registered in.</summary>
    public int Generation { get; } = generation;

    public DispatchStrategy Strategy { get; } = strategy;

    /// <summary>When it was polled (a <see cref="TimeProvider"/> timestamp).</summary>
    public long DispatchedAt { get; } = dispatchedAt;

    /// <summary>The bytes of its key and value, as the partition's capacity counts them.</summary>
    public long Bytes { get; } = (record.Message.Key?.Length ?? 0) + (record.Message.Value?.Length ?? 0);

    /// <summary>The record key as its key lane knows it (the empty key when it has none).</summary>
    public byte[] Key => Record.Message.Key ?? [];

    /// <summary>Whether it completed. Under the partition's lock.</summary>
    public bool Done { get; set; }

    /// <summary>Whether its handling started. Under the partition's lock.</summary>
    public bool Running { get; set; }

    /// <summary>Whether it holds a slot of its strategy's <see cref="DispatchStrategy.Gate"/>. Under the partition's lock.</summary>
    public bool HoldsGate { get; set; }
}

/// <summary>What a partition may hold before it is paused: records, and bytes of their keys and values.</summary>
internal readonly record struct LaneCapacity(int Records, long Bytes)
{
    /// <summary>A capacity in records only (no byte bound).</summary>
    public static implicit operator LaneCapacity(int records) => new(records, long.MaxValue);

    /// <summary>Whether a partition holding <paramref name="records"/> of <paramref name="bytes"/> is below both bounds.</summary>
    public bool HasRoom(int records, long bytes) => records < Records && bytes < Bytes;

    /// <summary>Whether a partition holding that much drained to half of both bounds, when a paused one is resumed.</summary>
    public bool DrainedToHalf(int records, long bytes) => records <= Records / 2 && bytes <= Bytes / 2;
}
