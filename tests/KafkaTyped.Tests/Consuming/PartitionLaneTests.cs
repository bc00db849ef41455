using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;

namespace KafkaTyped.Tests.Consuming;

public sealed class PartitionLaneTests
{
    private static readonly TopicPartition s_partition = new("orders", 3);

    [Fact]
    public async Task Records_are_processed_once_each_in_offset_order()
    {
        var processor = new RecordingProcessor(yieldEvery: 3);
        var lane = new PartitionLane(s_partition, capacity: 1000, processor);
        lane.Start();
        for (long o = 0; o < 500; o++)
        {
            Assert.True(lane.Enqueue(Records.At("orders", 3, o)));
        }

        lane.CompleteWriting();
        await lane.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), processor.Processed);
        Assert.Equal(500, lane.Tracker.Committable);
    }

    [Fact]
    public async Task A_full_lane_asks_for_a_pause_and_keeps_order_through_the_overflow()
    {
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = new TaskCompletionSource() };
        var lane = new PartitionLane(s_partition, capacity: 4, processor);
        lane.Start();

        long next = 0;
        // At most capacity records wait in the channel and one is being handled; the lane must refuse by then.
        while (lane.Enqueue(Records.At("orders", 3, next)))
        {
            next++;
            Assert.True(next <= 6, "the lane never reported being full");
        }

        next++;
        lane.Enqueue(Records.At("orders", 3, next++)); // arrives while paused: kept, in order
        Assert.False(lane.TryRelieve());
        Assert.Equal(0, lane.Tracker.Committable);

        processor.Gate.SetResult();
        await Records.WaitUntil(() => lane.TryRelieve() && processor.Processed.Count == next, "the overflow was processed");
        lane.CompleteWriting();
        await lane.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, (int)next).Select(i => (long)i), processor.Processed);
        Assert.Equal(next, lane.Tracker.Committable);
    }

    [Fact]
    public async Task Cancel_leaves_the_in_flight_record_uncommitted()
    {
        var processor = new RecordingProcessor(yieldEvery: 0) { Gate = new TaskCompletionSource(), BlockAt = 2 };
        var lane = new PartitionLane(s_partition, capacity: 100, processor);
        lane.Start();
        for (long o = 0; o < 10; o++)
        {
            lane.Enqueue(Records.At("orders", 3, o));
        }

        await Records.WaitUntil(() => processor.Started.Contains(2), "offset 2 started");
        lane.Cancel();
        await lane.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal([0L, 1L], processor.Processed);
        Assert.Equal(2, lane.Tracker.Committable);
    }

    [Fact]
    public async Task A_record_delivered_again_is_handled_again_and_the_commit_waits_for_it()
    {
        var processor = new RecordingProcessor(yieldEvery: 0);
        var lane = new PartitionLane(s_partition, capacity: 100, processor);
        lane.Enqueue(Records.At("orders", 3, 0));
        lane.Enqueue(Records.At("orders", 3, 1));
        lane.Enqueue(Records.At("orders", 3, 1));
        lane.Enqueue(Records.At("orders", 3, 0));
        lane.Enqueue(Records.At("orders", 3, 2));
        lane.CompleteWriting();
        lane.Start();
        await lane.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // Offsets at or below one already taken are a rewind (log truncation reuses offsets for new records): handled.
        Assert.Equal([0L, 1L, 1L, 0L, 2L], processor.Processed);
        Assert.Equal(3, lane.Tracker.Committable);
    }

    [Fact]
    public async Task Complete_writing_drains_what_is_buffered()
    {
        var processor = new RecordingProcessor(yieldEvery: 1);
        var lane = new PartitionLane(s_partition, capacity: 100, processor);
        for (long o = 0; o < 50; o++)
        {
            lane.Enqueue(Records.At("orders", 3, o));
        }

        lane.CompleteWriting();
        lane.Start();
        await lane.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(50, processor.Processed.Count);
        Assert.Equal(50, lane.Tracker.Committable);
    }

    private sealed class RecordingProcessor(int yieldEvery) : IRecordProcessor
    {
        private int _calls;

        public TaskCompletionSource? Gate { get; init; }

        public long BlockAt { get; init; } = 0;

        public List<long> Processed { get; } = [];

        public ConcurrentBag<long> Started { get; } = [];

        public async ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            Started.Add(record.Offset.Value);
            if (Gate is not null && record.Offset.Value >= BlockAt)
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }

            if (yieldEvery > 0 && ++_calls % yieldEvery == 0)
            {
                await Task.Yield();
            }

            lock (Processed)
            {
                Processed.Add(record.Offset.Value);
            }

            return MessageOutcome.Handled;
        }
    }
}
