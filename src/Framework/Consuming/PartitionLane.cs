using System.Threading.Channels;
using Confluent.Kafka;

namespace KafkaTyped.Consuming;

/// <summary>
/// The ordered work queue of one assigned partition: a bounded channel written by the poll thread and drained, one
/// record at a time and in offset order, by a long-running loop. When the channel is full, records wait in a small
/// overflow queue and the poll thread pauses the partition until the lane has drained to half its capacity.
/// </summary>
internal sealed class PartitionLane
{
    private readonly Channel<Dispatched> _channel;
    private readonly Queue<Dispatched> _overflow = new();
    private readonly CancellationTokenSource _cancellation = new();
    private readonly IRecordProcessor _processor;
    private readonly Action<PartitionLane, Exception>? _onFault;
    private readonly Action? _onCompleted;
    private readonly int _capacity;

    public PartitionLane(TopicPartition topicPartition, int capacity, IRecordProcessor processor, Action? onCompleted = null, Action<PartitionLane, Exception>? onFault = null)
    {
        TopicPartition = topicPartition;
        _capacity = capacity;
        _processor = processor;
        _onCompleted = onCompleted;
        _onFault = onFault;
        _channel = Channel.CreateBounded<Dispatched>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    public TopicPartition TopicPartition { get; }

    /// <summary>Dispatched and not yet completed offsets of the partition.</summary>
    public OffsetTracker Tracker { get; } = new();

    /// <summary>Completes when the processing loop ended (drained, cancelled or faulted).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Records waiting in the lane (channel and overflow).</summary>
    public int Buffered => _channel.Reader.Count + _overflow.Count;

    /// <summary>Starts the processing loop.</summary>
    /// <param name="predecessor">
    /// The loop of an earlier lane of the same partition that was cancelled but has not ended yet (a handler that does
    /// not observe its token): this lane handles nothing before it ended, so one partition never has two handler calls at once.
    /// </param>
    public void Start(Task? predecessor = null) => Completion = Task.Run(() => RunAsync(predecessor));

    /// <summary>
    /// Adds a record (poll thread only), in the order the client delivers them. A record at or below an offset already
    /// taken is a rewind of the partition (see <see cref="OffsetTracker"/>): it is handled, and the commit waits for it.
    /// </summary>
    /// <returns><see langword="false"/> when the lane is full and the partition should be paused.</returns>
    public bool Enqueue(ConsumeResult<byte[], byte[]> record)
    {
        if (!Tracker.Register(record.Offset.Value, record.LeaderEpoch, out var generation))
        {
            return _overflow.Count == 0;
        }

        var dispatched = new Dispatched(record, generation);
        if (_overflow.Count == 0 && _channel.Writer.TryWrite(dispatched))
        {
            return true;
        }

        _overflow.Enqueue(dispatched);
        return false;
    }

    /// <summary>Moves overflow into the channel (poll thread only).</summary>
    /// <returns>Whether the lane has drained enough for its partition to be resumed.</returns>
    public bool TryRelieve()
    {
        while (_overflow.TryPeek(out var record) && _channel.Writer.TryWrite(record))
        {
            _overflow.Dequeue();
        }

        return _overflow.Count == 0 && _channel.Reader.Count <= _capacity / 2;
    }

    /// <summary>Accepts no more records; the loop ends once the channel is drained. Overflow records are dropped (never completed, so never committed).</summary>
    public void CompleteWriting()
    {
        _overflow.Clear();
        _channel.Writer.TryComplete();
    }

    /// <summary>Cancels the record being handled and ends the loop.</summary>
    public void Cancel()
    {
        _channel.Writer.TryComplete();
        _cancellation.Cancel();
    }

    private async Task RunAsync(Task? predecessor)
    {
        var reader = _channel.Reader;
        var cancellationToken = _cancellation.Token;
        try
        {
            if (predecessor is not null)
            {
                await predecessor.WaitAsync(cancellationToken).ConfigureAwait(false); // it never faults: its loop catches everything
            }

            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (!cancellationToken.IsCancellationRequested && reader.TryRead(out var dispatched))
                {
                    await _processor.ProcessAsync(dispatched.Record, cancellationToken).ConfigureAwait(false);
                    Tracker.Complete(dispatched.Record.Offset.Value, dispatched.Generation);
                    _onCompleted?.Invoke();
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled: the record being handled is not completed, so its offset is not committed.
        }
        catch (Exception ex)
        {
            _onFault?.Invoke(this, ex);
        }
    }

    /// <summary>A record in the lane, with the tracker generation it was registered in.</summary>
    private readonly record struct Dispatched(ConsumeResult<byte[], byte[]> Record, int Generation);
}
