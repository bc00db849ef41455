using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/failures.md: retries in place with growing delays, dead-lettering to &lt;topic&gt;.dlq with the kt-dlq-* headers,
/// and a dead-letter topic that is unavailable for a while: nothing committed past the record, nothing lost.
/// </summary>
public sealed class DeadLetterTests(ClusterFixture cluster)
{
    private const int Count = 10;
    private const int Failing = 4; // one partition, published in order: sequence == offset
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_handler_failing_twice_then_succeeding_is_handled_on_attempt_3_with_growing_delays_and_later_records_wait()
    {
        var (topic, group) = await NewTopicAsync("dlq-transient");
        var attempts = new ConcurrentQueue<(long Sequence, int Attempt)>();
        var recorder = FailingAt(attempts, _ => new TimeoutException("downstream timed out"), failures: 2);
        var delays = new RecordedDelays();
        using var host = Build(cluster.BootstrapServers, recorder, topic, group, maxAttempts: 5, s => s.AddSingleton<TimeProvider>(delays).AddSingleton<IRetryJitter>(new HalfJitter()));

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, Count);
        await host.StartAsync(Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == Count, Deadline, $"the committed offset to reach {Count}", Ct);
        await host.StopAsync(Ct);

        Assert.Equal([1, 2, 3], attempts.Where(c => c.Sequence == Failing).Select(c => c.Attempt));
        Assert.Equal(
            Enumerable.Range(0, Count).SelectMany(i => i == Failing ? [(long)i, i, i] : new[] { (long)i }),
            attempts.Select(c => c.Sequence));
        Assert.Equal([10.0, 20.0], delays.Requested.Select(d => d.TotalMilliseconds));

        // The offset is committed past a record only once its dead-letter record was stored: none was written.
        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        Assert.Empty(deadLetters.ReadAvailable());
    }

    [Fact]
    public async Task A_permanent_failure_is_dead_lettered_once_on_attempt_1_with_every_header_and_the_partition_continues()
    {
        var (topic, group) = await NewTopicAsync("dlq-permanent");
        var attempts = new ConcurrentQueue<(long Sequence, int Attempt)>();
        var recorder = FailingAt(attempts, sequence => new PermanentFailureException($"order {sequence} references no customer"), failures: int.MaxValue);
        using var host = Build(cluster.BootstrapServers, recorder, topic, group, maxAttempts: 0);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();

        await ConsumerHostTests.PublishAsync(publisher, topic, 0, Count);
        var before = DateTimeOffset.UtcNow;
        await host.StartAsync(Ct);
        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var record = Assert.Single(await deadLetters.ReadAsync(1, Deadline, Ct));
        await Wait.UntilAsync(() => recorder.Count >= Count - 1, Deadline, "every other message to be handled", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == Count, Deadline, $"the committed offset to reach {Count}", Ct);
        await host.StopAsync(Ct);

        Assert.Equal([1], attempts.Where(c => c.Sequence == Failing).Select(c => c.Attempt));
        Assert.Equal(Enumerable.Range(0, Count).Where(i => i != Failing).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));

        var headers = record.Message.Headers;
        string Header(string key) => DeadLetterTopic.Text(headers, key);
        Assert.Equal("handler-failed", Header(DeadLetterHeaders.Reason));
        Assert.Equal(typeof(PermanentFailureException).FullName, Header(DeadLetterHeaders.ExceptionType));
        Assert.Equal($"order {Failing} references no customer", Header(DeadLetterHeaders.ExceptionMessage));
        Assert.Contains(nameof(HandlingRecorder), Header(DeadLetterHeaders.StackTrace), StringComparison.Ordinal);
        Assert.InRange(headers.GetLastBytes(DeadLetterHeaders.StackTrace).Length, 1, DeadLetterHeaders.MaxTextBytes);
        Assert.Equal(topic, Header(DeadLetterHeaders.OriginalTopic));
        Assert.Equal("0", Header(DeadLetterHeaders.OriginalPartition));
        Assert.Equal(Failing.ToString(CultureInfo.InvariantCulture), Header(DeadLetterHeaders.OriginalOffset));
        Assert.Equal(group, Header(DeadLetterHeaders.ConsumerGroup));
        Assert.Equal(typeof(PaymentCapturedHandler).FullName, Header(DeadLetterHeaders.Handler)); // sequence 4 is a PaymentCaptured
        Assert.Equal("1", Header(DeadLetterHeaders.Attempts));
        var time = DateTimeOffset.Parse(Header(DeadLetterHeaders.Time), CultureInfo.InvariantCulture);
        Assert.InRange(time, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.EndsWith("Z", Header(DeadLetterHeaders.Time), StringComparison.Ordinal);

        // The original record, unchanged: its key, value and CloudEvents headers.
        Assert.Equal(MessageContract.TypeIdOf<PaymentCaptured>(), DeadLetterTopic.Text(headers, "ce_type"));
        Assert.Equal(Failing, KafkaTyped.Serialization.KafkaSerializer.Deserialize<PaymentCaptured>(record.Message.Value).Sequence);
    }

    [Fact]
    public async Task While_the_dead_letter_topic_is_unavailable_nothing_is_committed_past_the_record_and_a_restarted_consumer_dead_letters_it()
    {
        // Produce errors are injected on a cluster of this test's own: the shared one serves other tests' publishes.
        await using var kafka = ClusterFixture.StartEmbeddedCluster(1);
        var topic = ClusterFixture.NewTopicName("dlq-outage");
        var group = ClusterFixture.NewGroupId("dlq-outage");
        kafka.CreateTopic(topic, 1);
        kafka.CreateTopic(topic + ".dlq", 1);
        var attempts = new ConcurrentQueue<(long Sequence, int Attempt)>();
        var recorder = FailingAt(attempts, sequence => new PermanentFailureException($"order {sequence} is invalid"), failures: int.MaxValue);
        using var committed = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClientConfig.ForConsumer(kafka.BootstrapServers, group)).Build();
        long Committed() => committed.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value;

        using (var host = Build(kafka.BootstrapServers, recorder, topic, group, maxAttempts: 0))
        {
            await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, Count);

            // The dead-letter topic's leader refuses every produce from now on (retriable, so the producer keeps trying).
            kafka.PushRequestErrors(KafkaApiKey.Produce, [.. Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 5000)]);
            await host.StartAsync(Ct);
            await Wait.UntilAsync(() => attempts.Any(a => a.Sequence == Failing), Deadline, "the failing message to be tried", Ct);
            await Wait.UntilAsync(() => Committed() == Failing, Deadline, $"the messages before it to be committed (offset {Failing})", Ct);

            // Several commit intervals while the dead-letter record cannot be written: held at the record, later ones wait.
            await Wait.UntilAsync(() => attempts.Count(a => a.Sequence == Failing) == 1 && Committed() == Failing && recorder.Count == Failing, Deadline, "the partition to be held", Ct);
            Assert.DoesNotContain(attempts, a => a.Sequence > Failing);
            await host.StopAsync(Ct);
        }

        Assert.Equal(Failing, Committed());

        // Restarted during the outage: the record is handled again (not lost), and dead-lettered once the topic is back.
        recorder.Generation = 1;
        using (var restarted = Build(kafka.BootstrapServers, recorder, topic, group, maxAttempts: 0))
        {
            await restarted.StartAsync(Ct);
            await Wait.UntilAsync(() => attempts.Count(a => a.Sequence == Failing) >= 2, Deadline, "the restarted consumer to try the record again", Ct);
            Assert.Equal(Failing, Committed());
            kafka.ClearRequestErrors(KafkaApiKey.Produce);
            await Wait.UntilAsync(() => Committed() == Count, Deadline, $"the committed offset to reach {Count} once the dead-letter topic is back", Ct);
            await restarted.StopAsync(Ct);
        }

        Assert.Equal(Enumerable.Range(0, Count).Where(i => i != Failing).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(KafkaTestClientConfig.ForConsumer(kafka.BootstrapServers, ClusterFixture.NewGroupId("dlq-reader"))).Build();
        reader.Assign(new TopicPartitionOffset(topic + ".dlq", 0, Offset.Beginning));
        var deadLettered = new List<ConsumeResult<byte[]?, byte[]?>>();
        await Wait.UntilAsync(
            () =>
            {
                while (reader.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
                {
                    deadLettered.Add(record);
                }

                return deadLettered.Count >= 1;
            },
            Deadline,
            "the dead-letter record",
            Ct);

        // At least once: a produce the first consumer started may have been stored after it stopped.
        Assert.All(deadLettered, r => Assert.Equal(Failing.ToString(CultureInfo.InvariantCulture), DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.OriginalOffset)));
    }

    private async Task<(string Topic, string Group)> NewTopicAsync(string name)
    {
        var topic = ClusterFixture.NewTopicName(name);
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        return (topic, ClusterFixture.NewGroupId(name));
    }

    /// <summary>A recorder whose handler throws <paramref name="failure"/> for <see cref="Failing"/> on its first <paramref name="failures"/> attempts.</summary>
    private static HandlingRecorder FailingAt(ConcurrentQueue<(long Sequence, int Attempt)> attempts, Func<long, Exception> failure, int failures) => new()
    {
        OnHandling = (sequence, context, _) =>
        {
            attempts.Enqueue((sequence, context.Attempt));
            return sequence == Failing && context.Attempt <= failures ? throw failure(sequence) : ValueTask.CompletedTask;
        },
    };

    private static IHost Build(string bootstrapServers, HandlingRecorder recorder, string topic, string group, int maxAttempts, Action<IServiceCollection>? services = null)
        => KafkaTypedTestHost.Build(
            bootstrapServers,
            recorder,
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(ClusterKind.Embedded, group, topic);
                consumer.MaxHandlerAttempts = maxAttempts;
                consumer.RetryInitialDelay = TimeSpan.FromMilliseconds(10);
                consumer.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
                consumer.ShutdownDrainTimeout = TimeSpan.FromMilliseconds(300);
                o.Consumers.Add(consumer);
            },
            services);

    /// <summary>The middle of the jitter band: delays are the exponential series itself.</summary>
    private sealed class HalfJitter : IRetryJitter
    {
        public double NextDouble() => 0.5;
    }

    /// <summary>The system clock, recording the one-shot delays asked of it (the retry waits: nothing else in the consumer sets a timer).</summary>
    private sealed class RecordedDelays : TimeProvider
    {
        public ConcurrentQueue<TimeSpan> Requested { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan && period == Timeout.InfiniteTimeSpan)
            {
                Requested.Enqueue(dueTime);
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
