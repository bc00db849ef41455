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

    /// <summary>Queues a record whose turn it is; any thread.</summary>
    public void Submit(DispatchedRecord record) => _ready.Writer.TryWrite(record);

    /// <summary>Ends the loops once they took what is queued.</summary>
    public void Complete() => _ready.Writer.TryComplete();

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
