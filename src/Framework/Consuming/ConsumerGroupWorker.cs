using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using KafkaTyped.Publishing;
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

    private readonly ConsumerOptions _options;
    private readonly ConsumerConfig _config;
    private readonly IRecordProcessor _processor;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Action? _onFatal;
    private readonly string _groupId;
    private readonly Dictionary<TopicPartition, PartitionLane> _lanes = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConsumer<byte[], byte[]>? _consumer;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private volatile Exception? _laneFault;
    private int _completedSinceCommit;
    private long _lastCommit;
    private int _paused;

    public ConsumerGroupWorker(ConsumerOptions options, ConsumerConfig config, IRecordProcessor processor, ILogger logger, TimeProvider timeProvider, Action? onFatal)
    {
        _options = options;
        _config = config;
        _processor = processor;
        _logger = logger;
        _timeProvider = timeProvider;
        _onFatal = onFatal;
        _groupId = options.GroupId ?? string.Empty;
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
                .Build();
        }
        catch (Exception ex) when (ex is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"The Kafka consumer of group '{_groupId}' could not be created from {KafkaTypedOptions.SectionName}:Properties and {KafkaTypedOptions.SectionName}:Consumers:*:Properties: {ex.Message}", ex);
        }

        _lastCommit = _timeProvider.GetTimestamp();
        _thread = new Thread(PollLoop) { IsBackground = true, Name = "KafkaTyped poll " + _groupId };
        _thread.Start();
    }

    /// <summary>
    /// Stops the group: lanes finish their buffered records (up to <see cref="ConsumerOptions.ShutdownDrainTimeout"/>),
    /// completed offsets are committed, the consumer leaves the group. When <paramref name="cancellationToken"/> is
    /// signalled the stop becomes an abort: in-flight handlers are cancelled and nothing more is committed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Register first: a token that is already cancelled turns this stop into an abort before the poll thread sees it.
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort))
        {
            _stopRequested = true;
            await _stopped.Task.ConfigureAwait(false);
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
                    record = consumer.Consume(_paused > 0 ? s_pausedPollTimeout : s_pollTimeout);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    Log.ConsumeError(_logger, _groupId, ex.Error.Reason, ex.Error.Code);
                }

                if (record is { IsPartitionEOF: false })
                {
                    Dispatch(consumer, record);
                }

                if (_paused > 0)
                {
                    ResumeDrained(consumer);
                }

                CommitIfDue(consumer);
            }

            var abort = _abort.IsCancellationRequested;
            ShutdownLanes([.. _lanes.Values], abort ? TimeSpan.Zero : _options.ShutdownDrainTimeout);
            if (!_abort.IsCancellationRequested)
            {
                Commit(consumer, _lanes.Values, "shutdown");
            }

            CloseLanes([.. _lanes.Values]);
            _lanes.Clear();
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
            foreach (var lane in _lanes.Values)
            {
                lane.Cancel();
            }

            CloseLanes([.. _lanes.Values]);
            _lanes.Clear();
            _onFatal?.Invoke();
        }
        finally
        {
            try
            {
                consumer.Close();
            }
            catch (Exception ex) when (ex is KafkaException or ObjectDisposedException)
            {
                Log.ConsumeError(_logger, _groupId, ex.Message, ErrorCode.Unknown);
            }

            consumer.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Dispatch(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> record)
    {
        if (!_lanes.TryGetValue(record.TopicPartition, out var lane))
        {
            return; // Not assigned to this member any more; the new owner reads it.
        }

        if (!lane.Enqueue(record) && !lane.Paused)
        {
            consumer.Pause([lane.TopicPartition]);
            lane.Paused = true;
            _paused++;
            Log.PartitionPaused(_logger, _groupId, lane.TopicPartition.Topic, lane.TopicPartition.Partition.Value);
            KafkaTypedTelemetry.PartitionPauses.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
        }
    }

    private void ResumeDrained(IConsumer<byte[], byte[]> consumer)
    {
        foreach (var lane in _lanes.Values)
        {
            if (lane.Paused && lane.TryRelieve())
            {
                consumer.Resume([lane.TopicPartition]);
                lane.Paused = false;
                _paused--;
                Log.PartitionResumed(_logger, _groupId, lane.TopicPartition.Topic, lane.TopicPartition.Partition.Value);
            }
        }
    }

    private void CommitIfDue(IConsumer<byte[], byte[]> consumer)
    {
        if (Volatile.Read(ref _completedSinceCommit) < _options.CommitBatchSize
            && _timeProvider.GetElapsedTime(_lastCommit) < _options.CommitInterval)
        {
            return;
        }

        Interlocked.Exchange(ref _completedSinceCommit, 0);
        _lastCommit = _timeProvider.GetTimestamp();
        Commit(consumer, _lanes.Values, "periodic");
    }

    private void Commit(IConsumer<byte[], byte[]> consumer, IEnumerable<PartitionLane> lanes, string occasion)
    {
        List<TopicPartitionOffset>? offsets = null;
        List<PartitionLane>? committed = null;
        foreach (var lane in lanes)
        {
            var offset = lane.Tracker.Committable;
            if (offset > lane.LastCommitted)
            {
                (offsets ??= []).Add(new TopicPartitionOffset(lane.TopicPartition, new Offset(offset)));
                (committed ??= []).Add(lane);
            }
        }

        if (offsets is null)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
            for (var i = 0; i < committed!.Count; i++)
            {
                committed[i].LastCommitted = offsets[i].Offset.Value;
            }

            KafkaTypedTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                Log.Committed(_logger, _groupId, occasion, string.Join(", ", offsets));
            }
        }
        catch (KafkaException ex)
        {
            KafkaTypedTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId), new KeyValuePair<string, object?>("error.type", ex.Error.Code.ToString()));
            Log.CommitFailed(_logger, _groupId, occasion, ex.Error.Reason, ex);
        }
    }

    private void OnAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return; // a cooperative rebalance that gives this member nothing new
        }

        Log.PartitionsAssigned(_logger, _groupId, Describe(partitions));
        foreach (var partition in partitions)
        {
            if (_lanes.ContainsKey(partition))
            {
                continue;
            }

            var lane = new PartitionLane(partition, _options.LaneCapacity, _processor, OnCompleted, OnLaneFault);
            _lanes.Add(partition, lane);
            lane.Start();
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
        if (!_abort.IsCancellationRequested)
        {
            Commit(consumer, revoked, "revoke");
        }

        foreach (var lane in revoked)
        {
            if (lane.Paused)
            {
                consumer.Resume([lane.TopicPartition]);
                _paused--;
            }
        }

        CloseLanes(revoked);
    }

    private void OnLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        Log.PartitionsLost(_logger, _groupId, Describe(partitions.Select(p => p.TopicPartition)));
        var lost = TakeLanes(partitions.Select(p => p.TopicPartition));
        ShutdownLanes(lost, TimeSpan.Zero);
        foreach (var lane in lost)
        {
            if (lane.Paused)
            {
                _paused--;
            }
        }

        CloseLanes(lost);
    }

    private List<PartitionLane> TakeLanes(IEnumerable<TopicPartition> partitions)
    {
        var taken = new List<PartitionLane>();
        foreach (var partition in partitions)
        {
            if (_lanes.Remove(partition, out var lane))
            {
                taken.Add(lane);
            }
        }

        return taken;
    }

    /// <summary>
    /// Lets lanes finish their buffered records within <paramref name="drainTimeout"/> (zero: cancel at once), then
    /// cancels what is left and waits a short grace for handlers to observe the cancellation.
    /// </summary>
    private void ShutdownLanes(List<PartitionLane> lanes, TimeSpan drainTimeout)
    {
        if (lanes.Count == 0)
        {
            return;
        }

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
        }
    }

    private static void CloseLanes(List<PartitionLane> lanes)
    {
        foreach (var lane in lanes)
        {
            lane.Tracker.Close();
        }
    }

    /// <summary>Partitions as "topic[partition]" (Confluent's own ToString prints "topic [[partition]]").</summary>
    private static string Describe(IEnumerable<TopicPartition> partitions)
        => string.Join(", ", partitions.Select(static p => $"{p.Topic}[{p.Partition.Value}]"));

    private void OnCompleted() => Interlocked.Increment(ref _completedSinceCommit);

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
