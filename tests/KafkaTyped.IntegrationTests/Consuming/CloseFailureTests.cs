using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Consuming;

/// <summary>
/// Closing the consumer raises librdkafka callbacks (rebalance, commit reports) and Close rethrows whatever they threw.
/// Whatever it is, the worker must still finish stopping, and the exception must not escape the poll thread (which would
/// end the process). The worker runs against the real client with a logger that throws for one event, as a broken
/// logging provider would.
/// </summary>
public sealed class CloseFailureTests(ClusterFixture cluster)
{
    private const int Records = 5;
    private const int Committed = 218;
    private const int CloseFailed = 221;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_exception_from_a_callback_raised_by_close_is_logged_and_the_stop_completes()
    {
        var topic = ClusterFixture.NewTopicName("close-failure");
        var group = ClusterFixture.NewGroupId("close-failure");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await LaneFaultTests.ProduceRawAsync(cluster, topic, Records);

        var config = cluster.ConsumerConfig(group);
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;
        config.AutoCommitIntervalMs = 3_600_000; // nothing is committed before the close
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        var processor = new CountingProcessor();
        var logger = new ThrowingLogger(Committed);
        var worker = new ConsumerGroupWorker(new ConsumerOptions { GroupId = group, Topics = { topic } }, config, processor, logger, TimeProvider.System, onFatal: null);

        worker.Start();
        await Wait.UntilAsync(() => processor.Count == Records, Deadline, $"{Records} records to be processed", Ct);

        // An aborted stop commits nothing itself: librdkafka commits the stored offsets while closing and reports the
        // commit to the callback, whose log call throws.
        await worker.StopAsync(new CancellationToken(canceled: true));
        await worker.Stopped.WaitAsync(Deadline, Ct);

        Assert.True(logger.Thrown > 0, "the commit report was raised during close");
        Assert.Contains(CloseFailed, logger.Logged);
    }

    private sealed class CountingProcessor : IRecordProcessor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return new(MessageOutcome.Handled);
        }
    }

    private sealed class ThrowingLogger(int throwOn) : ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<int> _logged = new();
        private int _thrown;

        public int Thrown => Volatile.Read(ref _thrown);

        public IReadOnlyList<int> Logged => [.. _logged];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _logged.Enqueue(eventId.Id);
            if (eventId.Id == throwOn)
            {
                Interlocked.Increment(ref _thrown);
                throw new InvalidOperationException("a logging provider that fails");
            }
        }
    }
}
