using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.IntegrationTests.Consuming;

/// <summary>
/// A lane whose processor fails in a way the pipeline never expects (a bug, not bad input) must not leave its partition
/// assigned but unprocessed: the group stops, commits what was completed before the failure and reports itself failed.
/// The worker runs with a processor of this test's own, standing in for such a bug, against the real client.
/// </summary>
public sealed class LaneFaultTests(ClusterFixture cluster)
{
    private const int Records = 10;
    private const int FailingOffset = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_lane_failing_unexpectedly_stops_its_group_and_commits_only_the_records_completed_before_it()
    {
        var topic = ClusterFixture.NewTopicName("lane-fault");
        var group = ClusterFixture.NewGroupId("lane-fault");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await ProduceRawAsync(cluster, topic, Records);

        var processor = new BuggyProcessor(FailingOffset);
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = cluster.ConsumerConfig(group);
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        var worker = new ConsumerGroupWorker(
            new ConsumerOptions { GroupId = group, Topics = { topic } }, config, processor, NullLogger.Instance, TimeProvider.System, () => failed.TrySetResult());

        worker.Start();
        await failed.Task.WaitAsync(Deadline, Ct);
        await worker.Stopped.WaitAsync(Deadline, Ct);

        Assert.Equal(Enumerable.Range(0, FailingOffset + 1).Select(i => (long)i), processor.Seen);
        using var offsets = new GroupOffsets(cluster, group);
        Assert.Equal(FailingOffset, offsets.Committed(topic, 0));
    }

    /// <summary>Writes <paramref name="count"/> one-byte records (no KafkaTyped envelope) to <paramref name="topic"/>.</summary>
    internal static async Task ProduceRawAsync(ClusterFixture cluster, string topic, int count)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build();
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Value = [(byte)i] }, Ct);
        }
    }

    private sealed class BuggyProcessor(long failAt) : IRecordProcessor
    {
        private readonly List<long> _seen = [];

        public IReadOnlyList<long> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            lock (_seen)
            {
                _seen.Add(record.Offset.Value);
            }

            return record.Offset.Value == failAt
                ? throw new InvalidOperationException("a defect in a pipeline stage")
                : new(MessageOutcome.Handled);
        }
    }
}
