using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using KafkaTyped.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// Runs one consumer group: a Kafka consumer (made by an <see cref="IGroupConsumerFactory"/>) driven by a dedicated poll
/// thread, a <see cref="PartitionState"/> per assigned partition whose lanes admit records by their ordering mode, a
/// <see cref="GroupExecutor"/> that runs admitted records up to <see cref="ConsumerOptions.MaxConcurrency"/> at a time, and
/// an <see cref="IOffsetCommitter"/> that makes completed offsets durable. Every consumer call (consume, pause, resume,
/// commit, close) happens on the poll thread, including the rebalance callbacks the client raises from inside Consume.
/// </summary>
internal sealed partial class ConsumerGroupWorker
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_pausedPollTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_cancelGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_watermarkInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_pauseGrace = TimeSpan.FromMilliseconds(100);

    /// <summary>The most records one burst of polls dispatches before the executor gets them (see <see cref="DispatchBurst"/>).</summary>
    internal const int BurstLimit = 256;

    private readonly ConsumerOptions _options;
    private readonly ConsumerConfig _config;
    private readonly IRecordProcessor _processor;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Action? _onFatal;
    private readonly IGroupConsumerFactory _consumerFactory;
    private readonly string _groupId;
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];

    /// <summary>The assigned partitions this member paused (poll thread only), so a poll looks at them alone.</summary>
    private readonly List<PartitionState> _paused = [];

    /// <summary>
    /// Work of partitions that were cancelled (revoked, lost) but had not ended when the worker stopped waiting for
    /// them: a new state of the same partition admits nothing before it ended.
    /// </summary>
    private readonly Dictionary<TopicPartition, Task> _retiring = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly GroupExecutor _executor;
    private IGroupConsumer? _consumer;
    private IOffsetCommitter? _committer;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private volatile Exception? _laneFault;
    private volatile PartitionState[] _snapshot = [];
    private long _lastPoll;
    private long _lastWatermarks;
    private volatile ConsumerMemberState _state = ConsumerMemberState.Starting;
    private readonly TimeSpan _sessionTimeout;
    private readonly TimeSpan _membershipLease;
    private long _heldSince;
    private bool _rejoined;

    public ConsumerGroupWorker(
        ConsumerOptions options,
        ConsumerConfig config,
        IRecordProcessor processor,
        ILogger logger,
        TimeProvider timeProvider,
        Action? onFatal,
        IGroupConsumerFactory? consumerFactory = null,
        ExactlyOnceMember? exactlyOnce = null)
    {
        _exactlyOnce = exactlyOnce;
        _options = options;
        _config = config;
        _processor = processor;
        _logger = logger;
        _timeProvider = timeProvider;
        _onFatal = onFatal;
        _consumerFactory = consumerFactory ?? KafkaGroupConsumerFactory.Instance;
        _groupId = options.GroupId ?? string.Empty;
        (_sessionTimeout, _membershipLease) = MembershipLease(config, options, exactlyOnce is not null);
        _executor = new GroupExecutor(options.MaxConcurrency, exactlyOnce is null ? processor : new TransactionalRecordProcessor(processor, exactlyOnce), OnCompleted, OnLaneFault);
    }

    /// <summary>The group id.</summary>
    public string GroupId => _groupId;

    /// <summary>Records waiting for the membership to be confirmed before they start (<see cref="CheckMembership"/>).</summary>
    internal int WaitingForMembership => _executor.WaitingAtHold;

    /// <summary>The assigned partitions' states at the last change of the assignment; any thread.</summary>
    internal IReadOnlyList<PartitionState> Partitions => _snapshot;

    /// <summary>When the poll thread last returned from polling, or <see langword="null"/> before the first poll.</summary>
    public DateTimeOffset? LastPoll
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastPoll);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Completes when the poll thread has ended and the consumer is closed.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Where the member is in its life; any thread.</summary>
    public ConsumerMemberState State => _state;

    /// <summary>A snapshot of the member and its partitions (<see cref="IConsumerStatus"/>); any thread, takes no lock of the poll loop.</summary>
    public ConsumerGroupStatus Status()
    {
        var partitions = _snapshot;
        var statuses = new PartitionStatus[partitions.Length];
        var inFlight = 0;
        for (var i = 0; i < partitions.Length; i++)
        {
            var partition = partitions[i];
            var running = partition.InFlight;
            inFlight += running;
            var committed = partition.LastCommitted;
            var high = partition.HighWatermark;
            statuses[i] = new PartitionStatus(
                partition.TopicPartition.Topic,
                partition.TopicPartition.Partition.Value,
                committed >= 0 ? committed : null,
                high >= 0 ? high : null,
                Math.Max(0, partition.Buffered - running),
                running,
                partition.Paused,
                partition.OldestInFlightAge);
        }

        Array.Sort(statuses, static (a, b) =>
        {
            var byTopic = string.CompareOrdinal(a.Topic, b.Topic);
            return byTopic != 0 ? byTopic : a.Partition.CompareTo(b.Partition);
        });
        var maxPollInterval = TimeSpan.FromMilliseconds(_config.MaxPollIntervalMs ?? ClientConfigFactory.DefaultMaxPollIntervalMs);
        return new ConsumerGroupStatus(_groupId, _state, LastPoll, maxPollInterval, inFlight, _options.MaxConcurrency, statuses);
    }

    /// <summary>Creates the consumer (so misconfiguration fails here, at start-up) and starts the poll thread.</summary>
    public void Start()
    {
        try
        {
            var callbacks = new GroupConsumerCallbacks { Assigned = OnAssigned, Revoked = OnRevoked, Lost = OnLost, Committed = OnCommitted };
            _consumer = _consumerFactory.Create(_config, callbacks, _logger, _config.ClientId ?? _groupId);
        }
        catch (Exception ex) when (ex is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"The Kafka consumer of group '{_groupId}' could not be created from {KafkaTypedOptions.SectionName}:Properties and {KafkaTypedOptions.SectionName}:Consumers:*:Properties: {ex.Message}", ex);
        }

        _committer = CreateCommitter(_consumer);
        _state = ConsumerMemberState.Joining;
        _executor.Start();
        _thread = new Thread(PollLoop) { IsBackground = true, Name = "KafkaTyped poll " + _groupId };
        _thread.Start();
    }

    /// <summary>
    /// Stops the group: the handler calls under way finish (up to <see cref="ConsumerOptions.ShutdownDrainTimeout"/>),
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
        var committer = _committer!;
        try
        {
            Log.Subscribing(_logger, _groupId, string.Join(", ", _options.Topics));
            consumer.Subscribe(_options.Topics);
            while (!_stopRequested)
            {
                var record = TryConsume(consumer, _paused.Count > 0 ? s_pausedPollTimeout : s_pollTimeout);
                Interlocked.Exchange(ref _lastPoll, _timeProvider.GetUtcNow().UtcTicks);
                if (record is not null)
                {
                    DispatchBurst(consumer, record);
                }

                ResumeDrained(consumer);
                committer.CommitIfDue(_partitions.Values);
                CheckMembership(consumer, committer);
                ReadWatermarksIfDue(consumer);
            }

            _state = ConsumerMemberState.Stopping;
            var abort = _abort.IsCancellationRequested;
            var all = _partitions.Values.ToList();
            ShutdownPartitions(all, abort ? TimeSpan.Zero : _options.ShutdownDrainTimeout);
            committer.CommitBeforeRelease(all, CommitOccasion.Shutdown);
            ClosePartitions(all);
            _partitions.Clear();
            PublishSnapshot();
            Log.ConsumerStopped(_logger, _groupId, abort ? "aborted" : "drained");
            if (_laneFault is not null)
            {
                // A record's processing ended on an exception the pipeline does not expect (a bug, not bad input). Its
                // partition would otherwise never be processed again while the group looks healthy: fail loudly
                // instead, so the process restarts and the partition resumes from its committed offset.
                _state = ConsumerMemberState.Faulted;
                _onFatal?.Invoke();
            }
        }
        catch (Exception ex)
        {
            Log.ConsumerFatal(_logger, _groupId, ex);
            foreach (var partition in _partitions.Values)
            {
                partition.Cancel();
            }

            ClosePartitions([.. _partitions.Values]);
            _partitions.Clear();
            PublishSnapshot();
            _state = ConsumerMemberState.Faulted;
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

            (_committer as IDisposable)?.Dispose();
            _executor.Complete();
            if (_state != ConsumerMemberState.Faulted)
            {
                _state = ConsumerMemberState.Stopped;
            }

            _stopped.TrySetResult();
        }
    }

    private ConsumeResult<byte[], byte[]>? TryConsume(IGroupConsumer consumer, TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            Log.ConsumeError(_logger, _groupId, ex.Error.Reason, ex.Error.Code);
            return null;
        }
    }

    /// <summary>
    /// Dispatches <paramref name="first"/> and what the client has ready behind it without waiting (up to
    /// <see cref="BurstLimit"/> records), handing the admitted ones to the executor together at the end: its loops are
    /// woken once per burst rather than once per record, and the per-poll work (resume, commit, watermarks, the clock)
    /// is done once per burst. A rebalance callback raised inside the burst's polls finds the records admitted and not
    /// handed over yet not started, which is what it lets go of anyway.
    /// </summary>
    private void DispatchBurst(IGroupConsumer consumer, ConsumeResult<byte[], byte[]> first)
    {
        _executor.BeginBatch();
        try
        {
            var record = first;
            for (var dispatched = 1; ; dispatched++)
            {
                if (!record.IsPartitionEOF)
                {
                    Dispatch(consumer, record);
                }

                if (dispatched == BurstLimit || _stopRequested || (record = TryConsume(consumer, TimeSpan.Zero)) is null)
                {
                    return;
                }
            }
        }
        finally
        {
            _executor.EndBatch();
        }
    }

    private void Dispatch(IGroupConsumer consumer, ConsumeResult<byte[], byte[]> record)
    {
        if (!_partitions.TryGetValue(record.TopicPartition, out var partition))
        {
            return; // Not assigned to this member any more; the new owner reads it.
        }

        var strategy = _processor.StrategyOf(record);
        if (!partition.Enqueue(record, strategy) && !partition.Paused && !DrainedWithinGrace(partition))
        {
            consumer.Pause([partition.TopicPartition]);
            partition.Paused = true;
            _paused.Add(partition);
            Log.PartitionPaused(_logger, _groupId, partition.TopicPartition.Topic, partition.TopicPartition.Partition.Value);
            KafkaTypedTelemetry.PartitionPauses.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId));
        }
    }

    /// <summary>
    /// A full partition is given <see cref="s_pauseGrace"/> to drain to half before it is paused, with the records this
    /// burst admitted handed over first. A pause is expensive: librdkafka drops what it prefetched for the partition,
    /// and after the resume it fetches again only when its broker thread next looks (measured on the embedded cluster:
    /// 0.4-1 s, the end of a fetch in flight or of the thread's idle wait). When the handlers are merely slower than
    /// the fetcher, the lanes drain within the grace and the partition is never paused; a partition that stays full (a
    /// slow partition among fast ones) is paused after it, while polling the others waited that long once.
    /// </summary>
    private bool DrainedWithinGrace(PartitionState partition)
    {
        _executor.FlushBatch();
        return partition.WaitUntilResumable(s_pauseGrace);
    }

    private void ResumeDrained(IGroupConsumer consumer)
    {
        for (var i = _paused.Count - 1; i >= 0; i--)
        {
            var partition = _paused[i];
            if (partition.CanResume)
            {
                consumer.Resume([partition.TopicPartition]);
                partition.Paused = false;
                _paused.RemoveAt(i);
                SeekToNext(consumer, partition);
                Log.PartitionResumed(_logger, _groupId, partition.TopicPartition.Topic, partition.TopicPartition.Partition.Value);
            }
        }
    }

    /// <summary>
    /// Pausing made librdkafka drop what it had prefetched for the partition; resumed alone, it fetches again only on its
    /// next fetch cycle (measured on the embedded cluster: about a second, whatever the fetch settings). Seeking to the
    /// offset after the last record delivered starts that fetch at once (2-6 ms), from exactly where dispatching stopped.
    /// </summary>
    private void SeekToNext(IGroupConsumer consumer, PartitionState partition)
    {
        if (partition.Next is not { } next)
        {
            return;
        }

        try
        {
            consumer.Seek(next);
        }
        catch (KafkaException ex)
        {
            // Not fatal: the resumed partition is fetched on the client's next cycle instead.
            Log.ConsumeError(_logger, _groupId, ex.Error.Reason, ex.Error.Code);
        }
    }

    /// <summary>Reads the high watermarks the client last fetched (a local call) once a second, for the status.</summary>
    private void ReadWatermarksIfDue(IGroupConsumer consumer)
    {
        if (_partitions.Count == 0 || _timeProvider.GetElapsedTime(_lastWatermarks) < s_watermarkInterval)
        {
            return;
        }

        _lastWatermarks = _timeProvider.GetTimestamp();
        foreach (var partition in _partitions.Values)
        {
            try
            {
                var high = consumer.GetWatermarkOffsets(partition.TopicPartition).High.Value;
                if (high >= 0)
                {
                    partition.HighWatermark = high;
                }
            }
            catch (KafkaException)
            {
                // Not known yet; the next read tries again.
            }
        }
    }

    /// <summary>
    /// Resumes the partitions this member paused and is giving up. librdkafka clears only its own pause flag when a
    /// partition leaves the assignment; the application's flag survives, so a partition assigned back later would
    /// otherwise never be fetched again (librdkafka issue 1849).
    /// </summary>
    private void ResumeReleased(IGroupConsumer consumer, List<PartitionState> released)
    {
        foreach (var partition in released)
        {
            if (!partition.Paused)
            {
                continue;
            }

            partition.Paused = false;
            _paused.Remove(partition);
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
    /// The session timeout the member joined with and the lease derived from it: three quarters of the session, or zero
    /// (not enforced) in an exactly-once group (its transactions fence a member the group dropped), under
    /// <c>group.protocol=consumer</c> (the broker keeps the session there, and its heartbeats go on during a
    /// reconciliation), and when <see cref="ConsumerOptions.CommitInterval"/> is too long for two commits to fit in it.
    /// </summary>
    internal static (TimeSpan Session, TimeSpan Lease) MembershipLease(ConsumerConfig config, ConsumerOptions options, bool exactlyOnce)
    {
        // Read as text: a value librdkafka refuses fails when the consumer is created, naming the setting.
        var session = TimeSpan.FromMilliseconds(
            int.TryParse(config.Get("session.timeout.ms"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : DefaultSessionTimeoutMs);
        var lease = session * 3 / 4;
        var enforced = !exactlyOnce
            && !string.Equals(config.Get("group.protocol"), "consumer", StringComparison.OrdinalIgnoreCase)
            && options.CommitInterval * 2 <= lease;
        return (session, enforced ? lease : TimeSpan.Zero);
    }

    /// <summary>librdkafka's default <c>session.timeout.ms</c>.</summary>
    internal const int DefaultSessionTimeoutMs = 45_000;

    /// <summary>
    /// Holds every handler call back while the member's completed offsets have waited longer than the lease for a commit
    /// the coordinator accepted, and lets them go once one is accepted. The coordinator drops a member it has not heard
    /// from for <c>session.timeout.ms</c> and gives its partitions to others; librdkafka notices by itself only while the
    /// member is in a stable group, not while it rejoins (a cooperative rebalance keeps the partitions and their
    /// handling), so a member that cannot reach its coordinator in the middle of a rebalance would go on handling
    /// partitions their new owners handle too. Commits are the member's evidence: librdkafka sends them every
    /// <see cref="ConsumerOptions.CommitInterval"/> while records complete, and an accepted one means the coordinator
    /// still counts the member in its generation. Nothing is dropped while held: the records wait in their lanes, and a
    /// revocation or loss releases them as always. See docs/consumer.md, "Membership".
    /// </summary>
    private void CheckMembership(IGroupConsumer consumer, IOffsetCommitter committer)
    {
        if (_membershipLease == TimeSpan.Zero)
        {
            return;
        }

        var unconfirmed = committer.Unconfirmed;
        if (!_executor.Held)
        {
            if (unconfirmed > _membershipLease && !_stopRequested)
            {
                _executor.Hold();
                _heldSince = _timeProvider.GetTimestamp();
                _rejoined = false;
                _state = ConsumerMemberState.Joining;
                Log.MembershipUnconfirmed(_logger, _groupId, unconfirmed, _sessionTimeout);
            }
        }
        else if (unconfirmed == TimeSpan.Zero)
        {
            ReleaseHold("a commit was accepted");
        }
        else if (!_rejoined && unconfirmed > _sessionTimeout * 3 / 2 && !_stopRequested)
        {
            // Still nothing accepted, and no rebalance told the member where it stands: whatever the coordinator thinks,
            // the member leaves the group and joins it again, as librdkafka does when a stable member's session runs out.
            // The revoke that follows releases the hold; the records still buffered are the next owner's to read.
            _rejoined = true;
            Log.MembershipRejoining(_logger, _groupId, unconfirmed, _sessionTimeout);
            consumer.Unsubscribe();
            consumer.Subscribe(_options.Topics);
        }
    }

    /// <summary>Lets held handler calls start: the member's membership was confirmed.</summary>
    private void ReleaseHold(string confirmation)
    {
        if (!_executor.Held)
        {
            return;
        }

        _executor.Release();
        if (_state == ConsumerMemberState.Joining && !_stopRequested)
        {
            _state = ConsumerMemberState.Assigned;
        }

        Log.MembershipConfirmed(_logger, _groupId, confirmation, _timeProvider.GetElapsedTime(_heldSince));
    }

    /// <summary>The client's report of a commit: kept per partition for the status, then the committer's.</summary>
    private void OnCommitted(CommittedOffsets committed)
    {
        if (!committed.Error.IsError)
        {
            foreach (var offset in committed.Offsets)
            {
                if (!offset.Error.IsError && offset.Offset.Value >= 0 && _partitions.TryGetValue(offset.TopicPartition, out var partition))
                {
                    partition.LastCommitted = offset.Offset.Value;
                }
            }
        }

        _committer?.OnCommitted(committed);
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        if (!_stopRequested)
        {
            _state = ConsumerMemberState.Assigned; // also with nothing: a member of a group with more members than partitions
        }

        // The group completed a rebalance with this member in it: what it keeps is its own.
        _committer?.MembershipConfirmed();
        ReleaseHold("partitions assigned");
        if (partitions.Count == 0)
        {
            return; // a cooperative rebalance that gives this member nothing new
        }

        Log.PartitionsAssigned(_logger, _groupId, Describe(partitions));
        if (_stopRequested)
        {
            return; // stopping: nothing more is dispatched, so no state is made; closing releases the partitions
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

            _partitions.Add(partition, new PartitionState(partition, new LaneCapacity(_options.LaneCapacity, _options.LaneCapacityBytes), _executor, _timeProvider, predecessor));
        }

        PublishSnapshot();
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var revoked = TakePartitions(partitions.Select(p => p.TopicPartition));
        if (revoked.Count == 0)
        {
            return;
        }

        Log.PartitionsRevoked(_logger, _groupId, Describe(revoked.Select(l => l.TopicPartition)));

        ShutdownPartitions(revoked, _abort.IsCancellationRequested ? TimeSpan.Zero : _options.RevokeDrainTimeout);
        _committer!.CommitBeforeRelease(revoked, CommitOccasion.Revoke);
        ResumeReleased(_consumer!, revoked);
        ClosePartitions(revoked);

        // Records of the revoked partitions no longer start (FinishInFlight); what the member keeps was confirmed by the
        // rebalance (cooperative), or nothing is kept (eager).
        _committer.MembershipConfirmed();
        ReleaseHold("partitions revoked");
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        if (!_stopRequested)
        {
            _state = ConsumerMemberState.Joining; // the session expired: the member joins again
        }

        Log.PartitionsLost(_logger, _groupId, Describe(partitions.Select(p => p.TopicPartition)));
        var lost = TakePartitions(partitions.Select(p => p.TopicPartition));
        ShutdownPartitions(lost, TimeSpan.Zero);
        ResumeReleased(_consumer!, lost);
        ClosePartitions(lost);
        _committer?.MembershipConfirmed(); // nothing of the lost partitions waits for a commit any more
        ReleaseHold("partitions lost");
        if (!_stopRequested)
        {
            _state = ConsumerMemberState.Joining;
        }
    }

    private List<PartitionState> TakePartitions(IEnumerable<TopicPartition> partitions)
    {
        var taken = new List<PartitionState>();
        foreach (var topicPartition in partitions)
        {
            if (_partitions.Remove(topicPartition, out var partition))
            {
                taken.Add(partition);
            }
        }

        if (taken.Count > 0)
        {
            PublishSnapshot();
        }

        return taken;
    }

    private void PublishSnapshot() => _snapshot = [.. _partitions.Values];

    /// <summary>
    /// Lets the handler calls under way finish within <paramref name="drainTimeout"/> (zero: cancel at once) and starts no
    /// other record of the partitions (the next owner reads them from the committed offset), then cancels what is left and
    /// waits a short grace for handlers to observe the cancellation. Finishing only what runs keeps a revoke short: the
    /// group gives the partitions to another member once the rebalance completes, and a member still handling them then
    /// would handle a partition, or a key, at the same time as its new owner.
    /// </summary>
    private void ShutdownPartitions(List<PartitionState> partitions, TimeSpan drainTimeout)
    {
        if (partitions.Count == 0)
        {
            return;
        }

        var all = Task.WhenAll(partitions.Select(p => p.Completion));
        var drained = false;
        if (drainTimeout > TimeSpan.Zero)
        {
            foreach (var partition in partitions)
            {
                partition.FinishInFlight();
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
                Log.DrainTimedOut(_logger, _groupId, Describe(partitions.Select(l => l.TopicPartition)), drainTimeout);
            }
        }

        if (!drained)
        {
            foreach (var partition in partitions)
            {
                partition.Cancel();
            }

            all.Wait(s_cancelGrace);
            foreach (var partition in partitions)
            {
                if (!partition.Completion.IsCompleted)
                {
                    // A handler that does not observe its token is still running: the partition's next state waits for it.
                    _retiring[partition.TopicPartition] = partition.Completion;
                }
            }
        }
    }

    private static void ClosePartitions(List<PartitionState> partitions)
    {
        foreach (var partition in partitions)
        {
            partition.Tracker.Close();
        }
    }

    /// <summary>Partitions as "topic[partition]" (Confluent's own ToString prints "topic [[partition]]").</summary>
    private static string Describe(IEnumerable<TopicPartition> partitions)
        => string.Join(", ", partitions.Select(static p => $"{p.Topic}[{p.Partition.Value}]"));

    private void OnCompleted() => _committer?.RecordCompleted();

    /// <summary>
    /// A record's processing ended on an unexpected exception (processors throw only when cancelled). The group stops as
    /// if asked to: other partitions drain, offsets completed before the failure are committed, and the host is told
    /// the group failed.
    /// </summary>
    private void OnLaneFault(PartitionState partition, Exception exception)
    {
        Log.LaneFailed(_logger, _groupId, partition.TopicPartition.Topic, partition.TopicPartition.Partition.Value, exception);
        _laneFault = exception;
        _stopRequested = true;
    }
}
