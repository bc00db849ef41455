using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// The committer of an exactly-once group (<see cref="ConsumerOptions.ExactlyOnce"/>): the offsets of the records handled
/// are sent with <c>SendOffsetsToTransaction</c> (with the consumer's group metadata) into the member's transaction, which
/// holds what the handlers published, and committed with it. On the poll thread; see docs/exactly-once.md.
/// </summary>
/// <remarks>
/// <para>
/// <b>Batches.</b> A transaction is committed once <see cref="ConsumerOptions.TransactionBatchSize"/> records completed
/// in it or <see cref="ConsumerOptions.TransactionInterval"/> passed. To commit, the poll thread dispatches nothing more
/// and waits until every record dispatched so far completed (key lanes still run in parallel up to then). So the
/// committed offset of each partition is exactly one past its last dispatched record, every record below it was handled
/// in this or an earlier transaction, and none above it published into this one: the offsets and the output of the
/// transaction cover the same records. Records that do not complete within half of
/// <see cref="PublisherOptions.TransactionTimeout"/> make the transaction abort.
/// </para>
/// <para>
/// <b>Aborts.</b> An aborted (or lost, fenced) transaction leaves its records uncommitted and its output invisible: each
/// partition this member keeps is rewound to the offset its last transaction committed (the worker replaces its state
/// and seeks), so every record of the batch is handled again, in a new transaction.
/// </para>
/// <para>
/// <b>Revoke and shutdown.</b> The transaction is ended before partitions are released: committed when every record of
/// the released partitions completed (the worker finishes the calls under way), aborted otherwise (records that were not
/// started are the next owner's, and the outputs of later ones must not become visible without them).
/// </para>
/// </remarks>
internal sealed class TransactionalOffsetCommitter : IOffsetCommitter, IDisposable
{
    private static readonly TimeSpan s_waitSlice = TimeSpan.FromMilliseconds(20);

    private readonly IGroupConsumer _consumer;
    private readonly ExactlyOnceMember _member;
    private readonly ConsumerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _abort;
    private readonly Func<PartitionState, TopicPartitionOffset, PartitionState?> _rewind;
    private readonly Action _flushDispatch;
    private readonly string _groupId;
    private readonly TimeSpan _drainLimit;
    private readonly ManualResetEventSlim _completedSignal = new(false);

    /// <summary>Per partition state, the position its records are handled again from after an abort: what its last transaction committed, else where its assignment started.</summary>
    private readonly Dictionary<PartitionState, TopicPartitionOffset> _positions = [];
    private IEnumerable<PartitionState>? _assigned;
    private int _completed;
    private long _started;

    /// <param name="consumer">The group's consumer (its group metadata).</param>
    /// <param name="member">The member's transactional producer.</param>
    /// <param name="options">The group's options.</param>
    /// <param name="transactionTimeout">The transactions' timeout; records must complete within half of it.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="abort">Set when a stop became an abort.</param>
    /// <param name="rewind">Replaces a partition's state by a fresh one and seeks it to the position (the worker's); <see langword="null"/> when it is not assigned any more.</param>
    /// <param name="flushDispatch">Hands the records a burst of polls dispatched so far to the executor (a revoke raised inside a burst waits for them).</param>
    public TransactionalOffsetCommitter(
        IGroupConsumer consumer,
        ExactlyOnceMember member,
        ConsumerOptions options,
        TimeSpan transactionTimeout,
        ILogger logger,
        TimeProvider timeProvider,
        CancellationToken abort,
        Func<PartitionState, TopicPartitionOffset, PartitionState?> rewind,
        Action flushDispatch)
    {
        _flushDispatch = flushDispatch;
        _consumer = consumer;
        _member = member;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _abort = abort;
        _rewind = rewind;
        _groupId = options.GroupId ?? string.Empty;
        _drainLimit = transactionTimeout / 2;
        _started = timeProvider.GetTimestamp();
    }

    /// <summary>Transactions committed by this member (for tests and the benchmark).</summary>
    public int Commits { get; private set; }

    /// <summary>Transactions aborted (or lost) by this member.</summary>
    public int Aborts { get; private set; }

    public void RecordCompleted()
    {
        Interlocked.Increment(ref _completed);
        _completedSignal.Set();
    }

    public void CommitIfDue(IEnumerable<PartitionState> partitions)
    {
        // The worker passes its live assignment each time: what a revoke keeps is read from it.
        _assigned = partitions;
        foreach (var partition in partitions)
        {
            // Until a transaction commits, a partition state is rewound to the first record it delivered.
            if (partition.First is { } first && !_positions.ContainsKey(partition))
            {
                _positions[partition] = first;
            }
        }

        var completed = Volatile.Read(ref _completed);
        if (completed == 0 || (completed < _options.TransactionBatchSize && _timeProvider.GetElapsedTime(_started) < _options.TransactionInterval))
        {
            return;
        }

        var all = partitions.ToList();
        EndTransaction(all, released: [], "batch", _drainLimit);
    }

    public void CommitBeforeRelease(IReadOnlyCollection<PartitionState> partitions, string occasion)
    {
        var retained = _assigned?.Where(p => !partitions.Contains(p)).ToList() ?? [];
        if (_abort.IsCancellationRequested)
        {
            // The stop became an abort: nothing is waited for; what the transaction held is handled again by the next owner.
            AbortAndRewind([.. partitions, .. retained], partitions, occasion, "the stop was aborted");
        }
        else
        {
            EndTransaction([.. partitions, .. retained], partitions, occasion, _options.RevokeDrainTimeout);
        }

        foreach (var partition in partitions)
        {
            _positions.Remove(partition);
        }
    }

    public void OnCommitted(CommittedOffsets committed)
    {
        // enable.auto.commit is off in an exactly-once group and nothing is committed by the consumer: no reports.
    }

    /// <summary>
    /// Zero: a member the group no longer counts is fenced by its transaction (the offsets carry its generation), so
    /// nothing it handled meanwhile takes effect; the member's handling is not held back.
    /// </summary>
    public TimeSpan Unconfirmed => TimeSpan.Zero;

    public void MembershipConfirmed()
    {
    }

    public void Dispose()
    {
        _member.Dispose();
        _completedSignal.Dispose();
    }

    /// <summary>Waits for the records dispatched so far, then commits their offsets with the transaction, or aborts it and rewinds.</summary>
    private void EndTransaction(List<PartitionState> all, IReadOnlyCollection<PartitionState> released, string occasion, TimeSpan drainLimit)
    {
        var records = Interlocked.Exchange(ref _completed, 0);
        _started = _timeProvider.GetTimestamp();
        if (!WaitUntilDrained(all, drainLimit))
        {
            Log.TransactionDrainTimedOut(_logger, _groupId, drainLimit);
            AbortAndRewind(all, released, occasion, "its records did not complete");
            return;
        }

        records += Interlocked.Exchange(ref _completed, 0);

        // A partition taken from this member without a revoke (lost) may have handled records in this transaction: its
        // next owner handles them again from the committed offset, so their output must not become visible.
        foreach (var known in _positions.Keys)
        {
            if (!all.Contains(known) && HandledSinceCommit(known))
            {
                _positions.Remove(known);
                AbortAndRewind(all, released, occasion, $"{known.TopicPartition.Topic}[{known.TopicPartition.Partition.Value}] was lost");
                return;
            }
        }

        foreach (var stale in _positions.Keys.Where(p => !all.Contains(p)).ToList())
        {
            _positions.Remove(stale); // released or lost with nothing handled since the last commit
        }

        // Every record dispatched completed, except on a released partition whose waiting records were left to the next
        // owner: committing the later ones' output without them would skip them.
        foreach (var partition in all)
        {
            if (partition.Buffered > 0)
            {
                AbortAndRewind(all, released, occasion, $"{partition.TopicPartition.Topic}[{partition.TopicPartition.Partition.Value}] has records that were not handled");
                return;
            }
        }

        var offsets = new List<TopicPartitionOffset>();
        foreach (var partition in all)
        {
            var (offset, leaderEpoch) = partition.Tracker.CommittablePosition;
            if (offset >= 0 && HandledSinceCommit(partition))
            {
                offsets.Add(new TopicPartitionOffset(partition.TopicPartition, new Offset(offset), leaderEpoch));
            }
        }

        if (offsets.Count == 0 && !_member.InTransaction)
        {
            return;
        }

        if (_consumer.GroupMetadata is not { } metadata)
        {
            AbortAndRewind(all, released, occasion, "the consumer has no group metadata");
            return;
        }

        var commitStarted = _timeProvider.GetTimestamp();
        var (outcome, error) = _member.Locked(producer =>
        {
            if (!producer.InTransaction)
            {
                producer.Begin();
            }

            Error? failure = null;
            var result = offsets.Count == 0 ? TransactionOutcome.Committed : producer.SendOffsets(offsets, metadata, out failure);
            if (result == TransactionOutcome.Committed)
            {
                result = producer.Commit(out failure);
            }

            return (result, failure);
        });

        KafkaTypedTelemetry.RecordCommitDuration(
            _timeProvider.GetElapsedTime(commitStarted), _groupId, outcome == TransactionOutcome.Committed ? null : error ?? new Error(ErrorCode.Unknown));
        if (outcome != TransactionOutcome.Committed)
        {
            _member.Discarded();
            Aborts++;
            Rewind(all, released, occasion, $"{(outcome == TransactionOutcome.Fenced ? "the producer was fenced or failed fatally" : "the commit failed")}: {error?.Reason} ({error?.Code})");
            return;
        }

        Commits++;
        foreach (var offset in offsets)
        {
            var partition = all.Find(p => p.TopicPartition == offset.TopicPartition)!;
            _positions[partition] = offset;
            partition.LastCommitted = offset.Offset.Value;
        }

        KafkaTypedTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.TransactionCommitted(_logger, _groupId, occasion, records, string.Join(", ", offsets));
        }
    }

    /// <summary>Whether the partition delivered records since its position (its last commit, or its start).</summary>
    private bool HandledSinceCommit(PartitionState partition)
        => partition.Next is { } next && (!_positions.TryGetValue(partition, out var position) || next.Offset.Value != position.Offset.Value);

    private bool WaitUntilDrained(List<PartitionState> partitions, TimeSpan limit)
    {
        _flushDispatch();
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            _completedSignal.Reset();
            if (partitions.TrueForAll(static p => p.Buffered == 0 || p.Completion.IsCompleted))
            {
                return true;
            }

            var left = limit - _timeProvider.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || _abort.IsCancellationRequested)
            {
                return false;
            }

            // Woken by each completion; the slice bounds the wait for a partition that was cancelled meanwhile.
            _completedSignal.Wait(left < s_waitSlice ? left : s_waitSlice);
        }
    }

    private void AbortAndRewind(List<PartitionState> all, IReadOnlyCollection<PartitionState> released, string occasion, string reason)
    {
        Interlocked.Exchange(ref _completed, 0);
        _member.Locked(producer => producer.Abort(out _));
        _member.Discarded();
        Aborts++;
        Rewind(all, released, occasion, reason);
    }

    /// <summary>Every partition this member keeps is handled again from its position; released ones are read by their next owner from the committed offset.</summary>
    private void Rewind(List<PartitionState> all, IReadOnlyCollection<PartitionState> released, string occasion, string reason)
    {
        var rewound = new List<string>();
        foreach (var partition in all)
        {
            if (released.Contains(partition) || !_positions.TryGetValue(partition, out var position) || !HandledSinceCommitAt(partition, position))
            {
                continue;
            }

            _positions.Remove(partition);
            if (_rewind(partition, position) is { } fresh)
            {
                _positions[fresh] = position;
                rewound.Add(position.ToString());
            }
        }

        Log.TransactionRewound(_logger, _groupId, occasion, reason, rewound.Count == 0 ? "(none)" : string.Join(", ", rewound));
    }

    private static bool HandledSinceCommitAt(PartitionState partition, TopicPartitionOffset position)
        => partition.Next is { } next && next.Offset.Value != position.Offset.Value;
}
