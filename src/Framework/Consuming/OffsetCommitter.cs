using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>
/// How a consumer group makes completed offsets durable. The worker tells it when records complete and when partitions
/// are released or the group stops; it decides what is committed when. Called on the poll thread, except
/// <see cref="RecordCompleted"/>. <see cref="StoredOffsetCommitter"/> by default; <see cref="TransactionalOffsetCommitter"/>
/// (offsets sent with the member's producer transaction) in an exactly-once group.
/// </summary>
internal interface IOffsetCommitter
{
    /// <summary>A record's offset completed; any thread.</summary>
    void RecordCompleted();

    /// <summary>Called after every poll: makes the committable offsets of <paramref name="partitions"/> durable once due.</summary>
    void CommitIfDue(IEnumerable<PartitionState> partitions);

    /// <summary>
    /// Makes the committable offsets of <paramref name="partitions"/> durable before they are released (revoke) or the
    /// group stops; synchronously unless the stop became an abort.
    /// </summary>
    void CommitBeforeRelease(IReadOnlyCollection<PartitionState> partitions, string occasion);

    /// <summary>The client's report of a commit (raised on the poll thread).</summary>
    void OnCommitted(CommittedOffsets committed);

    /// <summary>
    /// How long completed offsets have waited for a commit the group coordinator accepted (zero when none wait): the
    /// member's evidence that the group still counts it a member. Poll thread.
    /// </summary>
    TimeSpan Unconfirmed { get; }

    /// <summary>A rebalance completed (the group told this member its assignment): nothing waits for a confirmation.</summary>
    void MembershipConfirmed();
}

/// <summary>Why offsets are committed synchronously, as logged.</summary>
internal static class CommitOccasion
{
    /// <summary>Partitions are revoked: from inside the rebalance callback.</summary>
    public const string Revoke = "revoke";

    /// <summary>The consumer stops gracefully.</summary>
    public const string Shutdown = "shutdown";

    /// <summary>A partition's committable offset went back (the log was truncated).</summary>
    public const string Rewind = "rewind";
}

/// <summary>
/// The default committer: hands committable offsets to librdkafka (<c>StoreOffset</c>, a local call) once
/// <see cref="ConsumerOptions.CommitBatchSize"/> records completed or 100 ms (at most <see cref="ConsumerOptions.CommitInterval"/>)
/// passed, and librdkafka commits the stored offsets in the background every <c>CommitInterval</c>
/// (<c>auto.commit.interval.ms</c>), so the poll thread never waits for the group coordinator. Commits synchronously
/// only on revoke, on a graceful stop and after a rewind. See docs/consumer.md, "Offsets and commits".
/// </summary>
internal sealed class StoredOffsetCommitter : IOffsetCommitter
{
    private static readonly TimeSpan s_maxStoreInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_commitRetryBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_commitRetryLimit = TimeSpan.FromSeconds(5);

    private readonly IGroupConsumer _consumer;
    private readonly ConsumerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _abort;
    private readonly string _groupId;
    private readonly TimeSpan _storeInterval;
    private int _completedSinceStore;
    private long _lastStore;
    private bool _awaitingConfirmation;
    private long _awaitingSince;

    public StoredOffsetCommitter(IGroupConsumer consumer, ConsumerOptions options, ILogger logger, TimeProvider timeProvider, CancellationToken abort)
    {
        _consumer = consumer;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _abort = abort;
        _groupId = options.GroupId ?? string.Empty;
        _storeInterval = options.CommitInterval < s_maxStoreInterval ? options.CommitInterval : s_maxStoreInterval;
        _lastStore = timeProvider.GetTimestamp();
    }

    public void RecordCompleted() => Interlocked.Increment(ref _completedSinceStore);

    /// <summary>Since the first offset stored after the last commit the coordinator accepted (stores happen while records complete).</summary>
    public TimeSpan Unconfirmed => _awaitingConfirmation ? _timeProvider.GetElapsedTime(_awaitingSince) : TimeSpan.Zero;

    public void MembershipConfirmed() => _awaitingConfirmation = false;

    public void CommitIfDue(IEnumerable<PartitionState> partitions)
    {
        var completed = Volatile.Read(ref _completedSinceStore);
        if (completed == 0 || (completed < _options.CommitBatchSize && _timeProvider.GetElapsedTime(_lastStore) < _storeInterval))
        {
            return;
        }

        Interlocked.Exchange(ref _completedSinceStore, 0);
        _lastStore = _timeProvider.GetTimestamp();
        Store(partitions);
    }

    public void CommitBeforeRelease(IReadOnlyCollection<PartitionState> partitions, string occasion)
    {
        Store(partitions);
        if (!_abort.IsCancellationRequested)
        {
            // A revoke is not retried: the member is inside the rebalance that refuses its commit, and the group waits for
            // it to return and rejoin. Kafka refuses a commit of the current generation only while the group completes
            // a rebalance, which cannot happen before this member rejoined; the embedded coordinator refuses commits while
            // it waits for members to rejoin, and completes the rebalance without one that does not come back in time
            // (with the assignment it last reported, so its partitions may be given to another member while it still
            // holds them). The stored offsets stay with librdkafka, and the next owner repeats at most what completed
            // since the last accepted commit.
            Commit(partitions, occasion, retryWhileRebalancing: occasion != CommitOccasion.Revoke);
        }
    }

    private void Store(IEnumerable<PartitionState> partitions)
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
                _consumer.StoreOffset(new TopicPartitionOffset(partition.TopicPartition, new Offset(offset), leaderEpoch));
                partition.LastStored = offset;
                if (!_awaitingConfirmation)
                {
                    _awaitingConfirmation = true;
                    _awaitingSince = _timeProvider.GetTimestamp();
                }
            }
            catch (KafkaException ex)
            {
                Log.CommitFailed(_logger, _groupId, "store", ex.Error.Reason, ex);
            }
        }

        if (rewound is not null)
        {
            Commit(rewound, CommitOccasion.Rewind, retryWhileRebalancing: true);
        }
    }

    /// <summary>
    /// Commits the committable offsets of <paramref name="partitions"/> synchronously, with their leader epochs. With
    /// <paramref name="retryWhileRebalancing"/>, a commit the coordinator refuses because the group is rebalancing
    /// (<c>REBALANCE_IN_PROGRESS</c>, transient: a rolling deploy) is retried with a doubling backoff for up to 5 seconds,
    /// unless the stop turns into an abort.
    /// </summary>
    private void Commit(IEnumerable<PartitionState> partitions, string occasion, bool retryWhileRebalancing)
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
                _consumer.Commit(offsets);
                KafkaTypedTelemetry.RecordCommitDuration(_timeProvider.GetElapsedTime(started), _groupId, error: null);
                _awaitingConfirmation = false;
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Committed(_logger, _groupId, occasion, string.Join(", ", offsets));
                }

                return;
            }
            catch (KafkaException ex) when (retryWhileRebalancing
                && IsRebalanceInProgress(ex)
                && !_abort.IsCancellationRequested
                && _timeProvider.GetElapsedTime(started) + backoff < s_commitRetryLimit)
            {
                Log.CommitRetrying(_logger, _groupId, occasion, ex.Error.Reason, backoff);
                _abort.WaitHandle.WaitOne(backoff);
                backoff += backoff;
            }
            catch (KafkaException ex)
            {
                KafkaTypedTelemetry.RecordCommitDuration(_timeProvider.GetElapsedTime(started), _groupId, ex.Error);
                Log.CommitFailed(_logger, _groupId, occasion, ex.Error.Reason, ex);
                return;
            }
        }
    }

    /// <summary>
    /// Whether a failed commit leaves the member's membership unconfirmed: the client could not reach the coordinator
    /// (a local error), or the coordinator refused the member or its generation (it is rebalancing, moved or loading,
    /// does not know the member, or knows a newer generation). Kafka reports these per partition, as every other error.
    /// </summary>
    private static bool RefusesMembership(CommittedOffsets committed)
        => AnyError(committed.Error, committed.Offsets, s_isMembershipError) || (committed.Offsets.Count == 0 && committed.Error.IsError);

    private static readonly Func<ErrorCode, bool> s_isMembershipError = static code
        => code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId
            or ErrorCode.FencedInstanceId or ErrorCode.StaleMemberEpoch
            or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupCoordinatorNotAvailable or ErrorCode.GroupLoadInProgress
            or ErrorCode.RequestTimedOut or ErrorCode.NetworkException
            || (code != ErrorCode.NoError && (int)code < 0); // librdkafka's local errors: transport, timeouts, no coordinator

    private static bool IsRebalanceInProgress(KafkaException exception)
        => AnyError(exception.Error, (exception as TopicPartitionOffsetException)?.Results, static code => code == ErrorCode.RebalanceInProgress);

    /// <summary>Whether a commit's error, or the error of one of its partitions (Kafka reports most errors per partition), matches.</summary>
    private static bool AnyError(Error error, IList<TopicPartitionOffsetError>? partitions, Func<ErrorCode, bool> match)
    {
        if (match(error.Code))
        {
            return true;
        }

        for (var i = 0; i < (partitions?.Count ?? 0); i++)
        {
            if (match(partitions![i].Error.Code))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// librdkafka's report of every commit, its own background commits of stored offsets and the synchronous ones
    /// alike: counted, and logged with the offsets that went through.
    /// </summary>
    public void OnCommitted(CommittedOffsets committed)
    {
        if (committed.Error.Code == ErrorCode.Local_NoOffset)
        {
            _awaitingConfirmation = false; // nothing was stored since the last commit: nothing waits
            return;
        }

        var group = new KeyValuePair<string, object?>("messaging.consumer.group.name", _groupId);
        var failed = committed.Error.IsError ? committed.Error : committed.Offsets.FirstOrDefault(o => o.Error.IsError)?.Error;
        if (failed is not null)
        {
            if (!RefusesMembership(committed))
            {
                // The coordinator took the commit as this member's and refused partitions of it for their own reasons
                // (the embedded cluster refuses an offset whose leader epoch is older than the partition's, until
                // records of the new epoch complete): the membership itself is confirmed.
                _awaitingConfirmation = false;
            }

            KafkaTypedTelemetry.Commits.Add(1, group, new KeyValuePair<string, object?>("error.type", failed.Code.ToString()));
            KafkaTypedTelemetry.CommitFailures.Add(1, group, new KeyValuePair<string, object?>("error.type", failed.Code.ToString()));
            Log.CommitFailed(_logger, _groupId, "auto", failed.Reason, new KafkaException(failed));
            return;
        }

        _awaitingConfirmation = false;
        KafkaTypedTelemetry.Commits.Add(1, group);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Committed(_logger, _groupId, "auto", string.Join(", ", committed.Offsets.Where(o => o.Offset.Value >= 0).Select(o => o.TopicPartitionOffset)));
        }
    }
}
