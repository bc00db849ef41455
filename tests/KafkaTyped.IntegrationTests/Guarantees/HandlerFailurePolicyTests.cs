using System.Collections.Concurrent;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/failures.md: each handler of a record is retried on its own policy, a declared non-retryable exception ends
/// the attempts at once, a declared dead-letter topic receives that handler's failures, and a configured secret in a
/// handler's exception text reaches neither a dead-letter header nor a log line.
/// </summary>
public sealed class HandlerFailurePolicyTests(ClusterFixture cluster)
{
    internal const string Secret = "pa55-w0rd-of-the-cluster";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_failing_handler_is_retried_and_each_handlers_failure_goes_to_its_own_dead_letter_topic_without_secrets()
    {
        var topic = ClusterFixture.NewTopicName("handler-policies");
        var group = ClusterFixture.NewGroupId("handler-policies");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        await cluster.CreateTopicAsync(InvoiceStore.DeadLetterTopic, 1, Ct);
        var run = Guid.NewGuid();
        var logs = new LogCapture();
        using var host = KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            new HandlingRecorder(),
            o =>
            {
                // A secret the handler's exception happens to contain (as a connection error might).
                o.Properties["sasl.password"] = Secret;
                o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic));
            },
            logs: logs);

        await host.Services.GetRequiredService<IMessagePublisher>().PublishAsync(new InvoiceSent(run, "inv-1"), topic, cancellationToken: Ct);
        await host.StartAsync(Ct);
        using var ownDeadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        using var declaredDeadLetters = new DeadLetterTopic(cluster, InvoiceStore.DeadLetterTopic);
        var emailFailure = Assert.Single(await ownDeadLetters.ReadAsync(1, Deadline, Ct));
        var storeFailure = Assert.Single(await declaredDeadLetters.ReadAsync(1, Deadline, Ct), r => DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.OriginalTopic) == topic);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 1, Deadline, "the record to be committed once every handler completed or dead-lettered it", Ct);
        await host.StopAsync(Ct);

        // Call order is by handler name: book (succeeds), email (fails 3 times), store (non-retryable, once).
        Assert.Equal(["book:1", "email:1", "email:2", "email:3", "store:1"], InvoiceCalls.Of(run));

        Assert.Equal(typeof(InvoiceEmail).FullName, DeadLetterTopic.Text(emailFailure.Message.Headers, DeadLetterHeaders.Handler));
        Assert.Equal("3", DeadLetterTopic.Text(emailFailure.Message.Headers, DeadLetterHeaders.Attempts));
        Assert.Equal(typeof(InvoiceStore).FullName, DeadLetterTopic.Text(storeFailure.Message.Headers, DeadLetterHeaders.Handler));
        Assert.Equal("1", DeadLetterTopic.Text(storeFailure.Message.Headers, DeadLetterHeaders.Attempts));
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, DeadLetterTopic.Text(storeFailure.Message.Headers, DeadLetterHeaders.ExceptionType));
        Assert.Empty(ownDeadLetters.ReadAvailable().Skip(1));

        var message = DeadLetterTopic.Text(emailFailure.Message.Headers, DeadLetterHeaders.ExceptionMessage);
        Assert.Equal("smtp login with password *** refused", message);
        foreach (var record in new[] { emailFailure, storeFailure })
        {
            Assert.All(record.Message.Headers, h => Assert.DoesNotContain(Secret, System.Text.Encoding.UTF8.GetString(h.GetValueBytes()), StringComparison.Ordinal));
        }

        var failureLogs = logs.Entries.Where(e => e.Exception is not null).ToList();
        Assert.NotEmpty(failureLogs);
        Assert.All(logs.Entries, e =>
        {
            Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, e.Exception?.ToString() ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, e.Exception?.Message ?? string.Empty, StringComparison.Ordinal);
        });
    }
}

[KafkaMessage("it.invoice-sent")]
public sealed partial record InvoiceSent(Guid Run, [property: MessageKey] string InvoiceId);

/// <summary>The handlers' calls per test run, in call order.</summary>
internal static class InvoiceCalls
{
    private static readonly ConcurrentDictionary<Guid, ConcurrentQueue<string>> s_calls = new();

    public static void Add(Guid run, string call) => s_calls.GetOrAdd(run, _ => new()).Enqueue(call);

    public static IReadOnlyList<string> Of(Guid run) => s_calls.TryGetValue(run, out var calls) ? [.. calls] : [];
}

/// <summary>Succeeds: runs once even though a later handler of the record is retried.</summary>
public sealed class InvoiceBook : IHandle<InvoiceSent>
{
    public ValueTask HandleAsync(InvoiceSent message, MessageContext context, CancellationToken cancellationToken)
    {
        InvoiceCalls.Add(message.Run, $"book:{context.Attempt}");
        return default;
    }
}

/// <summary>Fails on every attempt with a transient exception whose text holds the configured secret.</summary>
[Retry(3, BaseDelayMilliseconds = 10, MaxDelayMilliseconds = 20)]
public sealed class InvoiceEmail : IHandle<InvoiceSent>
{
    public ValueTask HandleAsync(InvoiceSent message, MessageContext context, CancellationToken cancellationToken)
    {
        InvoiceCalls.Add(message.Run, $"email:{context.Attempt}");
        return ValueTask.FromException(new InvalidOperationException($"smtp login with password {HandlerFailurePolicyTests.Secret} refused"));
    }
}

/// <summary>Throws a type derived from a declared non-retryable one: dead-lettered on attempt 1 to its declared topic.</summary>
[Retry(5, BaseDelayMilliseconds = 10, NonRetryable = [typeof(ArgumentException)])]
[DeadLetterTopic(DeadLetterTopic)]
public sealed class InvoiceStore : IHandle<InvoiceSent>
{
    public const string DeadLetterTopic = "it.invoice-store.failed";

    public ValueTask HandleAsync(InvoiceSent message, MessageContext context, CancellationToken cancellationToken)
    {
        InvoiceCalls.Add(message.Run, $"store:{context.Attempt}");
        return ValueTask.FromException(new ArgumentOutOfRangeException(nameof(message), "the invoice has no lines"));
    }
}
