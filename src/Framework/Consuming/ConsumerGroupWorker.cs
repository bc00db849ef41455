using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// Runs one consumer group: a Kafka consumer driven by a dedicated poll thread, one <see cref="PartitionLane"/> per
/// assigned partition, and offset commits of completed work. Every consumer call (consume, pause, resume, commit,
/// close) happens on the poll thread, including the rebalance callbacks librdkafka raises from inside Consume.
/// </summary>
internal sealed class ConsumerGroupWorker
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_pausedPollTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_cancelGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_maxStoreInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_commitRetryBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_commitRetryLimit = TimeSpan.FromSeconds(5);

    private readonly ConsumerOptions _options;
    private readonly ConsumerConfig _config;
    private readonly IRecordProcessor _processor;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Action? _onFatal;
    private readonly string _groupId;
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];

    /// <summary>
    /// The assigned partitions this member paused because their lane is full: the one record of which partitions are
    /// paused (no flag or counter kept beside it). Poll thread only.
    /// </summary>
    private readonly List<PartitionState> _paused = [];

    /// <summary>
    /// Loops of lanes that were cancelled (revoked, lost) but had not ended when the worker stopped waiting for them: a
    /// new lane of the same partition waits for them before it handles anything.
    /// </summary>
    private readonly Dictionary<TopicPartition, Task> _retiring = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConsumer<byte[], byte[]>? _consumer;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private volatile Exception? _laneFault;
    private readonly TimeSpan _storeInterval;
    private int _completedSinceStore;
    private long _lastStore;

    public ConsumerGroupWorker(ConsumerOptions options, ConsumerConfig config, IRecordProcessor processor, ILogger logger, TimeProvider timeProvider, Action? onFatal)
    {
        _options = options;
        _config = config;
        _processor = processor;
        _logger = logger;
        _timeProvider = timeProvider;
        _onFatal = onFatal;
        _groupId = options.GroupId ?? string.Empty;
        _storeInterval = options.CommitInterval < s_maxStoreInterval ? options.CommitInterval : s_maxStoreInterval;
    }

    /// <summary>Completes when the poll thread has ended and the consumer is closed.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Creates the consumer (so misconfiguration fails here, at start-up) and starts the poll thread.</summary>
    public void Start()
    {
        try
        {
            _consumer = new ConsumerBuilder<byte[], byte[]>(_config)
                .SetErrorHandler(LibrdkafkaLog.ErrorHandler<IConsumer<byte[], byte[]>>(_logger, _config.ClientId ?? _groupId))
                .SetLogHandler(LibrdkafkaLog.LogHandler<IConsumer<byte[], byte[]>>(_logger))
                .SetPartitionsAssignedHandler(OnAssigned)
                .SetPartitionsRevokedHandler(OnRevoked)
                .SetPartitionsLostHandler(OnLost)
                .SetOffsetsCommittedHandler(OnCommitted)
                .Build();
        }
        catch (Exception ex) when (ex is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"The Kafka consumer of group '{_groupId}' could not be created from {KafkaTypedOptions.SectionName}:Properties and {KafkaTypedOptions.SectionName}:Consumers:*:Properties: {ex.Message}", ex);
        }

        _lastStore = _timeProvider.GetTimestamp();
        _thread = new Thread(PollLoop) { IsBackground = true, Name = "KafkaTyped poll " + _groupId };
        _thread.Start();
    }

    /// <summary>
    /// Stops the group: lanes finish their buffered records (up to <see cref="ConsumerOptions.ShutdownDrainTimeout"/>),
    /// completed offsets are committed, the consumer leaves the group. When <paramref name="cancellationToken"/> is
    /// signalled the stop becomes an abort (in-flight handlers are cancelled, no final commit is waited for) and this
    /// method returns at once: a poll thread still blocked in the client (a commit or a close that cannot reach the
    /// coordinator) finishes in the background.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Register first: a token that is already cancelled turns this stop into an abort before the poll thread sees it.
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort))
        {
            _stopRequested = true;
            try
            {
                await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Log.StopAbandoned(_logger, _groupId);
            }
        }
    }

    private void PollLoop()
    {
        var consumer = _consumer!;
        try
        {
            Log.Subscribing(_logger, _groupId, string.Join(", ", _options.Topics));
            consumer.Subscribe(_options.Topics);
            while (!_stopRequested)
            {
                ConsumeResult<byte[], byte[]>? record = null;
                try
                {
                    record = consumer.Consume(_paused.Count > 0 ? s_pausedPollTimeout : s_pollTimeout);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    Log.ConsumeError(_logger, _groupId, ex.Error.Reason, ex.Error.Code);
                }

                if (record is { IsPartitionEOF: false })
                {
                    Dispatch(consumer, record);
                }

                ResumeDrained(consumer);

                StoreIfDue(consumer);
            }

            var abort = _abort.IsCancellationRequested;
            ShutdownLanes([.. _partitions.Values], abort ? TimeSpan.Zero : _options.ShutdownDrainTimeout);
            StoreOffsets(consumer, _partitions.Values);
            if (!_abort.IsCancellationRequested)
            {
                Commit(consumer, _partitions.Values, "shutdown");
            }

            CloseLanes([.. _partitions.Values]);
            _partitions.Clear();
            _paused.Clear();
            Log.ConsumerStopped(_logger, _groupId, abort ? "aborted" : "drained");
            if (_laneFault is not null)
            {
                // A lane ended on an exception the pipeline does not expect (a bug, not bad input). Its partition
                // would otherwise never be processed again while the group looks healthy: fail loudly instead, so
                // the process restarts and the partition resumes from its committed offset.
                _onFatal?.Invoke();
            }
        }
        catch (Exception ex)
        {
            Log.ConsumerFatal(_logger, _groupId, ex);
            foreach (var partition in _partitions.Values)
            {
                partition.Lane.Cancel();
            }

            CloseLanes([.. _partitions.Values]);
            _partitions.Clear();
            _paused.Clear();
            _onFatal?.Invoke();
        }
        finally
        {
            try
            {
                consumer.Close();
            }
            catch (Exception ex)
            {
                // Close raises the rebalance callbacks of leaving the group and rethrows what they threw; whatever it
                // is, the consumer is disposed and the stop completes, and nothing escapes the poll thread.
                Log.CloseFailed(_logger, _groupId, ex);
            }

            try
            {
                consumer.Dispose();
            }
            catch (Exception ex)
            {
                Log.CloseFailed(_logger, _groupId, ex);
            }

            _stopped.TrySetResult();
        }
    }

    private void Dispatch(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> record)
    {
        if (!_partitions.TryGetValue(record.TopicPartition, out var partition))
        {
            return; // Not assigned to this member any more; the new owner reads it.
        }

        if (!partition.Lane.Enqueue(record) && !_paused.Contains(partition))
        {
            consumer.Pause([partition.TopicPartition]);
            _paused.Add(partition);
            Log.PartitionPaused(_logger, _groupId, partition.TopicPartition.Topic, partition.TopicPartition.Partition.Value);
            KafkaTypedTelemetry.PartitionPauses.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
        }
    }

    private void ResumeDrained(IConsumer<byte[], byte[]> consumer)
    {
        for (var i = _paused.Count - 1; i >= 0; i--)
        {
            var partition = _paused[i];
            if (partition.Lane.TryRelieve())
            {
                consumer.Resume([partition.TopicPartition]);
                _paused.RemoveAt(i);
                Log.PartitionResumed(_logger, _groupId, partition.TopicPartition.Topic, partition.TopicPartition.Partition.Value);
            }
        }
    }

    /// <summary>
    /// Resumes the partitions this member paused and is giving up. librdkafka clears only its own pause flag when a
    /// partition leaves the assignment; the application's flag survives, so a partition assigned back later would
    /// otherwise never be fetched again (librdkafka issue 1849).
    /// </summary>
    private void ResumeReleased(IConsumer<byte[], byte[]> consumer, List<PartitionState> released)
    {
        foreach (var partition in released)
        {
            if (!_paused.Remove(partition))
            {
                continue;
            }

            try
            {
                consumer.Resume([partition.TopicPartition]);
            }
            catch (KafkaException ex)
            {
                Log.ConsumeError(_logger, _groupId, ex.Error.Reason, ex.Error.Code);
            }
        }
    }

    /// <summary>
    /// Hands the committable offsets to librdkafka (<c>StoreOffset</c>, a local call) once <see cref="ConsumerOptions.CommitBatchSize"/>
    /// records completed or 100 ms (at most <see cref="ConsumerOptions.CommitInterval"/>) passed. librdkafka commits the
    /// stored offsets in the background every <c>CommitInterval</c> (<c>auto.commit.interval.ms</c>), so the poll thread
    /// never waits for the group coordinator.
    /// </summary>
    private void StoreIfDue(IConsumer<byte[], byte[]> consumer)
    {
        var completed = Volatile.Read(ref _completedSinceStore);
        if (completed == 0 || (completed < _options.CommitBatchSize && _timeProvider.GetElapsedTime(_lastStore) < _storeInterval))
        {
            return;
        }

        Interlocked.Exchange(ref _completedSinceStore, 0);
        _lastStore = _timeProvider.GetTimestamp();
        StoreOffsets(consumer, _partitions.Values);
    }

    private void StoreOffsets(IConsumer<byte[], byte[]> consumer, IEnumerable<PartitionState> partitions)
    {
        List<PartitionState>? rewound = null;
        foreach (var partition in partitions)
        {
            var (offset, leaderEpoch) = partition.Tracker.CommittablePosition;
            if (offset == partition.LastStored || offset < 0)
            {
                continue;
            }

            if (offset < partition.LastStored)
            {
                // The committable offset only goes back when the log was truncated and the partition rewound (see
                // OffsetTracker): the committed offset must come back too, or the new records below it would be skipped
                // after a restart. Rare, so committed synchronously rather than trusting a background commit to go back.
                Log.PartitionRewound(_logger, _groupId, partition.TopicPartition.Topic, partition.TopicPartition.Partition.Value, partition.LastStored, offset);
                (rewound ??= []).Add(partition);
            }

            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(partition.TopicPartition, new Offset(offset), leaderEpoch));
                partition.LastStored = offset;
            }
            catch (KafkaException ex)
            {
                Log.CommitFailed(_logger, _groupId, "store", ex.Error.Reason, ex);
            }
        }

        if (rewound is not null)
        {
            Commit(consumer, rewound, "rewind");
        }
    }

    /// <summary>
    /// Commits the committable offsets of <paramref name="partitions"/> synchronously, with their leader epochs: only on
    /// revoke, on a graceful stop and after a rewind, where the commit must have happened before going on. A commit the
    /// coordinator refuses because the group is rebalancing (<c>REBALANCE_IN_PROGRESS</c>, transient: a rolling deploy)
    /// is retried with a doubling backoff for up to 5 seconds, unless the stop turns into an abort.
    /// </summary>
    private void Commit(IConsumer<byte[], byte[]> consumer, IEnumerable<PartitionState> partitions, string occasion)
    {
        List<TopicPartitionOffset>? offsets = null;
        foreach (var partition in partitions)
        {
            var (offset, leaderEpoch) = partition.Tracker.CommittablePosition;
            if (offset >= 0)
            {
                (offsets ??= []).Add(new TopicPartitionOffset(partition.TopicPartition, new Offset(offset), leaderEpoch));
            }
        }

        if (offsets is null)
        {
            return;
        }

        var started = _timeProvider.GetTimestamp();
        var backoff = s_commitRetryBackoff;
        while (true)
        {
            try
            {
                consumer.Commit(offsets);
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Committed(_logger, _groupId, occasion, string.Join(", ", offsets));
                }

                return;
            }
            catch (KafkaException ex) when (IsRebalanceInProgress(ex)
                && !_abort.IsCancellationRequested
                && _timeProvider.GetElapsedTime(started) + backoff < s_commitRetryLimit)
            {
                Log.CommitRetrying(_logger, _groupId, occasion, ex.Error.Reason, backoff);
                _abort.Token.WaitHandle.WaitOne(backoff);
                backoff += backoff;
            }
            catch (KafkaException ex)
            {
                Log.CommitFailed(_logger, _groupId, occasion, ex.Error.Reason, ex);
                return;
            }
        }
    }

    private static bool IsRebalanceInProgress(KafkaException exception)
        => exception.Error.Code == ErrorCode.RebalanceInProgress
            || (exception is TopicPartitionOffsetException partial && partial.Results.Exists(static r => r.Error.Code == ErrorCode.RebalanceInProgress));

    /// <summary>
    /// librdkafka's report of every commit, its own background commits of stored offsets and the synchronous ones
    /// alike (raised from Consume or Close, on the poll thread): counted, and logged with the offsets that went through.
    /// </summary>
    private void OnCommitted(IConsumer<byte[], byte[]> consumer, CommittedOffsets committed)
    {
        if (committed.Error.Code == ErrorCode.Local_NoOffset)
        {
            return; // nothing was stored since the last commit
        }

        var group = new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId);
        var failed = committed.Error.IsError ? committed.Error : committed.Offsets.FirstOrDefault(o => o.Error.IsError)?.Error;
        if (failed is not null)
        {
            KafkaTypedTelemetry.Commits.Add(1, group, new KeyValuePair<string, object?>("error.type", failed.Code.ToString()));
            Log.CommitFailed(_logger, _groupId, "auto", failed.Reason, new KafkaException(failed));
            return;
        }

        KafkaTypedTelemetry.Commits.Add(1, group);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Committed(_logger, _groupId, "auto", string.Join(", ", committed.Offsets.Where(o => o.Offset.Value >= 0).Select(o => o.TopicPartitionOffset)));
        }
    }

    private void OnAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return; // a cooperative rebalance that gives this member nothing new
        }

        Log.PartitionsAssigned(_logger, _groupId, Describe(partitions));
        if (_stopRequested)
        {
            return; // stopping: nothing more is dispatched, so no lane is started; closing releases the partitions
        }

        foreach (var partition in partitions)
        {
            if (_partitions.ContainsKey(partition))
            {
                continue;
            }

            Task? predecessor = null;
            if (_retiring.Remove(partition, out var retiring) && !retiring.IsCompleted)
            {
                predecessor = retiring;
                Log.LaneWaitsForPredecessor(_logger, _groupId, partition.Topic, partition.Partition.Value);
            }

            var lane = new PartitionLane(partition, _options.LaneCapacity, _processor, OnCompleted, OnLaneFault);
            _partitions.Add(partition, new PartitionState(lane));
            lane.Start(predecessor);
        }
    }

    private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        var revoked = TakeLanes(partitions.Select(p => p.TopicPartition));
        if (revoked.Count == 0)
        {
            return;
        }

        Log.PartitionsRevoked(_logger, _groupId, Describe(revoked.Select(l => l.TopicPartition)));

        ShutdownLanes(revoked, _abort.IsCancellationRequested ? TimeSpan.Zero : _options.RevokeDrainTimeout);
        StoreOffsets(consumer, revoked);
        if (!_abort.IsCancellationRequested)
        {
            Commit(consumer, revoked, "revoke");
        }

        ResumeReleased(consumer, revoked);
        CloseLanes(revoked);
    }

    private void OnLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        Log.PartitionsLost(_logger, _groupId, Describe(partitions.Select(p => p.TopicPartition)));
        var lost = TakeLanes(partitions.Select(p => p.TopicPartition));
        ShutdownLanes(lost, TimeSpan.Zero);
        ResumeReleased(consumer, lost);
        CloseLanes(lost);
    }

    private List<PartitionState> TakeLanes(IEnumerable<TopicPartition> partitions)
    {
        var taken = new List<PartitionState>();
        foreach (var topicPartition in partitions)
        {
            if (_partitions.Remove(topicPartition, out var partition))
            {
                taken.Add(partition);
            }
        }

        return taken;
    }

    /// <summary>
    /// Lets lanes finish their buffered records within <paramref name="drainTimeout"/> (zero: cancel at once), then
    /// cancels what is left and waits a short grace for handlers to observe the cancellation.
    /// </summary>
    private void ShutdownLanes(List<PartitionState> partitions, TimeSpan drainTimeout)
    {
        if (partitions.Count == 0)
        {
            return;
        }

        var lanes = partitions.ConvertAll(static p => p.Lane);
        var all = Task.WhenAll(lanes.Select(l => l.Completion));
        var drained = false;
        if (drainTimeout > TimeSpan.Zero)
        {
            foreach (var lane in lanes)
            {
                lane.CompleteWriting();
            }

            try
            {
                drained = all.Wait((int)Math.Min(drainTimeout.TotalMilliseconds, int.MaxValue), _abort.Token);
            }
            catch (OperationCanceledException)
            {
                drained = false;
            }

            if (!drained)
            {
                Log.DrainTimedOut(_logger, _groupId, Describe(lanes.Select(l => l.TopicPartition)), drainTimeout);
            }
        }

        if (!drained)
        {
            foreach (var lane in lanes)
            {
                lane.Cancel();
            }

            all.Wait(s_cancelGrace);
            foreach (var lane in lanes)
            {
                if (!lane.Completion.IsCompleted)
                {
                    // A handler that does not observe its token is still running: the partition's next lane waits for it.
                    _retiring[lane.TopicPartition] = lane.Completion;
                }
            }
        }
    }

    private static void CloseLanes(List<PartitionState> partitions)
    {
        foreach (var partition in partitions)
        {
            partition.Tracker.Close();
        }
    }

    /// <summary>Partitions as "topic[partition]" (Confluent's own ToString prints "topic [[partition]]").</summary>
    private static string Describe(IEnumerable<TopicPartition> partitions)
        => string.Join(", ", partitions.Select(static p => $"{p.Topic}[{p.Partition.Value}]"));

    private void OnCompleted() => Interlocked.Increment(ref _completedSinceStore);

    /// <summary>
    /// A lane ended on an unexpected exception (processors throw only when cancelled). The group stops as if asked to:
    /// other lanes drain, offsets completed before the failure are committed, and the host is told the group failed.
    /// </summary>
    private void OnLaneFault(PartitionLane lane, Exception exception)
    {
        Log.LaneFailed(_logger, _groupId, lane.TopicPartition.Topic, lane.TopicPartition.Partition.Value, exception);
        _laneFault = exception;
        _stopRequested = true;
    }
}
