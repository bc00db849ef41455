using System.Threading.Channels;

namespace KafkaTyped.Consuming;

/// <summary>
/// Runs the admitted records of every partition of one consumer group through the group's processor, at most
/// <see cref="ConsumerOptions.MaxConcurrency"/> at a time: that many loops drain one queue of records whose turn it is
/// (the partitions' <see cref="DispatchStrategy"/> decide the turn). A record of a partition cancelled meanwhile is
/// dropped uncompleted. The queue holds at most the records buffered by the partitions, which the poll thread bounds.
/// </summary>
internal sealed class GroupExecutor
{
    private readonly Channel<DispatchedRecord> _ready = Channel.CreateUnbounded<DispatchedRecord>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly IRecordProcessor _processor;
    private readonly Action _onCompleted;
    private readonly Action<PartitionState, Exception> _onFault;
    private readonly int _concurrency;
    private Task _loops = Task.CompletedTask;

    /// <summary>The records held back by the batching thread; touched by that thread only.</summary>
    private readonly List<DispatchedRecord> _batch = [];
    private int _batchingThread;

    /// <summary>While set, no record starts: the loops wait for it to complete (<see cref="Hold"/>).</summary>
    private TaskCompletionSource? _hold;
    private int _waitingAtHold;

    public GroupExecutor(int concurrency, IRecordProcessor processor, Action onCompleted, Action<PartitionState, Exception> onFault)
    {
        _concurrency = concurrency;
        _processor = processor;
        _onCompleted = onCompleted;
        _onFault = onFault;
    }

    /// <summary>Completes when every loop ended after <see cref="Complete"/>.</summary>
    public Task Completion => _loops;

    public void Start()
    {
        var loops = new Task[_concurrency];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = Task.Run(RunAsync);
        }

        _loops = Task.WhenAll(loops);
    }

    /// <summary>
    /// Queues a record whose turn it is; any thread. Between <see cref="BeginBatch"/> and <see cref="EndBatch"/>, what the
    /// batching thread submits waits for <see cref="EndBatch"/>; other threads' records go at once.
    /// </summary>
    public void Submit(DispatchedRecord record)
    {
        if (Environment.CurrentManagedThreadId == Volatile.Read(ref _batchingThread))
        {
            _batch.Add(record);
            return;
        }

        _ready.Writer.TryWrite(record);
    }

    /// <summary>Holds back what this thread submits until <see cref="EndBatch"/> (the poll thread, during a burst).</summary>
    public void BeginBatch() => Volatile.Write(ref _batchingThread, Environment.CurrentManagedThreadId);

    /// <summary>Queues what the batch held back, in order: a waiting loop is woken by the first and finds the rest.</summary>
    public void EndBatch()
    {
        Volatile.Write(ref _batchingThread, 0);
        FlushBatch();
    }

    /// <summary>
    /// Queues what the batch held back so far and keeps batching: for the batching thread that must wait for records it
    /// already dispatched (a full partition given time to drain, an exactly-once group ending its transaction in a
    /// rebalance callback raised inside a burst). Batching thread only.
    /// </summary>
    public void FlushBatch()
    {
        foreach (var record in _batch)
        {
            _ready.Writer.TryWrite(record);
        }

        _batch.Clear();
    }

    /// <summary>Whether records wait at a <see cref="Hold"/>.</summary>
    public bool Held => Volatile.Read(ref _hold) is not null;

    /// <summary>Records taken by a loop and waiting at the hold to start.</summary>
    internal int WaitingAtHold => Volatile.Read(ref _waitingAtHold);

    /// <summary>
    /// Starts no record until <see cref="Release"/>: each loop waits with the record it took, and records whose partition
    /// was revoked or lost meanwhile are dropped when it goes on, as always. The handler calls under way go on.
    /// </summary>
    public void Hold() => Interlocked.CompareExchange(ref _hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Lets the records waiting at the hold start.</summary>
    public void Release() => Interlocked.Exchange(ref _hold, null)?.TrySetResult();

    /// <summary>Ends the loops once they took what is queued (a hold is released: nothing may wait for it any more).</summary>
    public void Complete()
    {
        Release();
        _ready.Writer.TryComplete();
    }

    /// <summary>
    /// One loop: waits for records, then takes them until none is left. A channel wakes every waiting loop when a record
    /// is written to it empty, so records are best handed over in batches (<see cref="EndBatch"/>): the woken loops
    /// share the batch. Waiting in <c>ReadAsync</c> instead hands each record to its own waiting loop, one thread-pool
    /// item per record, which measured slower (docs/benchmarks.md#what-users-run).
    /// </summary>
    private async Task RunAsync()
    {
        var reader = _ready.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var record))
            {
                await ExecuteAsync(record).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask ExecuteAsync(DispatchedRecord record)
    {
        if (Volatile.Read(ref _hold) is { } hold)
        {
            Interlocked.Increment(ref _waitingAtHold);
            await hold.Task.ConfigureAwait(false);
            Interlocked.Decrement(ref _waitingAtHold);
        }

        var partition = record.Partition;
        if (!partition.TryBegin(record))
        {
            return;
        }

        var cancellationToken = partition.Token;
        try
        {
            await _processor.ProcessAsync(record.Record, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled: the record is not completed, so its offset is not committed.
            partition.Abandoned(record);
            return;
        }
        catch (Exception ex)
        {
            // Processors throw only when cancelled: this is a defect. The partition stops here (its offset stays
            // before the record) and the group is told.
            partition.Abandoned(record);
            partition.Cancel();
            _onFault(partition, ex);
            return;
        }

        partition.Completed(record);
        _onCompleted();
    }
}
