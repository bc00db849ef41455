using System.Collections.Concurrent;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// The handler-failure policy (docs/failures.md): a failing handler is retried with backoff in place, so the partition's
/// order holds across retries; with MaxHandlerAttempts = 0 (the default) it is retried until it succeeds and nothing is
/// committed past it; with MaxHandlerAttempts = N it is given up after N attempts, logged (event 209), counted and
/// dead-lettered to &lt;topic&gt;.dlq, and only then committed.
/// </summary>
public sealed class HandlerFailureTests(ClusterFixture cluster)
{
    private const int Count = 20;
    private const int Failing = 7; // one partition, published in order: sequence == offset
    private const int Retrying = 208;
    private const int Abandoned = 209;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_message_whose_handler_always_throws_is_dead_lettered_after_MaxHandlerAttempts_and_later_messages_follow_in_order()
    {
        var (topic, group) = await NewTopicAsync("abandon");
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        var attempts = new ConcurrentQueue<(long Sequence, int Attempt)>();
        var recorder = Failing_(attempts, failures: int.MaxValue);
        var logs = new LogCapture();
        using var metrics = new MetricCapture();
        using var host = Build(recorder, topic, group, maxAttempts: 3, logs.AddTo);

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, Count);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= Count - 1, Deadline, "every other message to be handled", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == Count, Deadline, $"the committed offset to pass the given-up message and reach {Count}", Ct);
        await host.StopAsync(Ct);

        var calls = attempts.ToList();
        Assert.Equal([1, 2, 3], calls.Where(c => c.Sequence == Failing).Select(c => c.Attempt));
        Assert.All(calls.Where(c => c.Sequence != Failing), c => Assert.Equal(1, c.Attempt));
        // Order across retries: every attempt of the failing message came after its predecessor and before its successor.
        Assert.Equal(
            Enumerable.Range(0, Count).SelectMany(i => i == Failing ? [(long)i, i, i] : new[] { (long)i }),
            calls.Select(c => c.Sequence));
        Assert.Equal(Enumerable.Range(0, Count).Where(i => i != Failing).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));

        var retried = logs.WithEventId(Retrying);
        Assert.Equal(2, retried.Count);
        Assert.All(retried, e => Assert.Equal((long)Failing, e["Offset"]));
        var givenUp = Assert.Single(logs.WithEventId(Abandoned));
        Assert.Equal((long)Failing, givenUp["Offset"]);
        Assert.Equal(3, givenUp["Attempt"]);
        Assert.IsType<InvalidOperationException>(givenUp.Exception);
        Assert.Equal(3, metrics.Sum("kafkatyped.consume.handler_failures", "messaging.consumer.group.name", group));
        Assert.Equal(1, metrics.Sum("kafkatyped.consume.abandoned", "messaging.consumer.group.name", group));

        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var deadLetter = Assert.Single(await deadLetters.ReadAsync(1, Deadline, Ct));
        Assert.Equal("handler-failed", DeadLetterTopic.Text(deadLetter.Message.Headers, DeadLetterHeaders.Reason));
        Assert.Equal("3", DeadLetterTopic.Text(deadLetter.Message.Headers, DeadLetterHeaders.Attempts));
        Assert.Equal($"{Failing}", DeadLetterTopic.Text(deadLetter.Message.Headers, DeadLetterHeaders.OriginalOffset));
    }

    [Fact]
    public async Task A_handler_failing_transiently_is_retried_in_place_until_it_succeeds_keeping_partition_order()
    {
        var (topic, group) = await NewTopicAsync("transient");
        var attempts = new ConcurrentQueue<(long Sequence, int Attempt)>();
        var recorder = Failing_(attempts, failures: 3);
        using var host = Build(recorder, topic, group, maxAttempts: 0);

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, Count);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= Count, Deadline, "every message to be handled", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == Count, Deadline, $"the committed offset to reach {Count}", Ct);
        await host.StopAsync(Ct);

        Assert.Equal([1, 2, 3, 4], attempts.Where(c => c.Sequence == Failing).Select(c => c.Attempt));
        Assert.Equal(
            Enumerable.Range(0, Count).SelectMany(i => i == Failing ? [(long)i, i, i, i] : new[] { (long)i }),
            attempts.Select(c => c.Sequence));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
    }

    [Fact]
    public async Task With_the_default_policy_nothing_is_committed_past_a_message_whose_handler_keeps_failing()
    {
        var (topic, group) = await NewTopicAsync("never-past");
        var attempts = new ConcurrentQueue<(long Sequence, int Attempt)>();
        var recorder = Failing_(attempts, failures: int.MaxValue);
        using var offsets = new GroupOffsets(cluster, group);

        using (var host = Build(recorder, topic, group, maxAttempts: 0))
        {
            await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, Count);
            await host.StartAsync(Ct);
            await Wait.UntilAsync(() => offsets.Committed(topic, 0) == Failing, Deadline, $"the messages before the failing one to be committed (offset {Failing})", Ct);
            await Wait.UntilAsync(() => attempts.Count(c => c.Sequence == Failing) >= 5, Deadline, "the failing message to be retried", Ct);

            // Several commit intervals passed while it was retried: the partition is held at the failing message.
            Assert.Equal(Failing, offsets.Committed(topic, 0));
            Assert.Equal(Enumerable.Range(0, Failing).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
            Assert.DoesNotContain(attempts, c => c.Sequence > Failing);

            // A graceful stop cannot drain a handler that keeps failing: after ShutdownDrainTimeout it is cancelled and not committed.
            await host.StopAsync(Ct);
        }

        Assert.Equal(Failing, offsets.Committed(topic, 0));

        // Once the handler is fixed, a new host resumes at the failing message: nothing lost, nothing handled twice.
        recorder.OnHandling = null;
        recorder.Generation = 1;
        using (var fixedHost = Build(recorder, topic, group, maxAttempts: 0))
        {
            await fixedHost.StartAsync(Ct);
            await Wait.UntilAsync(() => recorder.Count >= Count, Deadline, "every message to be handled", Ct);
            await fixedHost.StopAsync(Ct);
        }

        var handled = recorder.Snapshot();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), handled.Select(h => h.Sequence));
        Assert.All(handled, h => Assert.Equal(h.Sequence < Failing ? 0 : 1, h.Generation));
    }

    private async Task<(string Topic, string Group)> NewTopicAsync(string name)
    {
        var topic = ClusterFixture.NewTopicName(name);
        await cluster.CreateTopicAsync(topic, 1, Ct);
        return (topic, ClusterFixture.NewGroupId(name));
    }

    /// <summary>A recorder whose handler throws for <see cref="Failing"/> on its first <paramref name="failures"/> attempts.</summary>
    private static HandlingRecorder Failing_(ConcurrentQueue<(long Sequence, int Attempt)> attempts, int failures) => new()
    {
        OnHandling = (sequence, context, _) =>
        {
            attempts.Enqueue((sequence, context.Attempt));
            return sequence == Failing && context.Attempt <= failures
                ? throw new InvalidOperationException($"handler failure {context.Attempt} of message {sequence}")
                : ValueTask.CompletedTask;
        },
    };

    private IHost Build(HandlingRecorder recorder, string topic, string group, int maxAttempts, Action<IServiceCollection>? services = null)
        => KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            recorder,
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
                consumer.MaxHandlerAttempts = maxAttempts;
                consumer.RetryInitialDelay = TimeSpan.FromMilliseconds(10);
                consumer.RetryMaxDelay = TimeSpan.FromMilliseconds(40);
                consumer.ShutdownDrainTimeout = TimeSpan.FromMilliseconds(300);
                o.Consumers.Add(consumer);
            },
            services);
}
