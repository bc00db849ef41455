using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// docs/pipeline-attributes.md: the [Retry] declared on a message applies to each of its handlers without one of its
/// own; a handler's own [Retry] wins. Read by the generator at compile time, applied by the consumer's stages.
/// </summary>
public sealed class DeclaredRetryTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_messages_Retry_applies_to_a_handler_without_its_own_and_the_handlers_own_wins()
    {
        var topic = ClusterFixture.NewTopicName("declared-retry");
        var group = ClusterFixture.NewGroupId("declared-retry");
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);

        // The group's own setting (retry until success) is what both [Retry] declarations override.
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), o => o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)));
        await host.Services.GetRequiredService<IMessagePublisher>().PublishAsync(new StockReserved("sku-1", 1), topic, cancellationToken: Ct);
        await host.StartAsync(Ct);
        using var deadLetters = new DeadLetterTopic(cluster, topic + ".dlq");
        var records = await deadLetters.ReadAsync(2, Deadline, Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == 1, Deadline, "the record to be committed once both handlers dead-lettered it", Ct);
        await host.StopAsync(Ct);

        var attemptsByHandler = records.ToDictionary(
            r => DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.Handler),
            r => DeadLetterTopic.Text(r.Message.Headers, DeadLetterHeaders.Attempts));
        Assert.Equal("2", attemptsByHandler[typeof(ReserveWithMessageRetry).FullName!]);
        Assert.Equal("4", attemptsByHandler[typeof(ReserveWithOwnRetry).FullName!]);
    }
}

[KafkaMessage("it.stock-reserved")]
[Retry(2, BaseDelayMilliseconds = 10, MaxDelayMilliseconds = 20)]
public sealed partial record StockReserved([property: MessageKey] string Sku, long Sequence);

/// <summary>Declares no [Retry]: the message's applies (2 attempts).</summary>
public sealed class ReserveWithMessageRetry : IHandle<StockReserved>
{
    public ValueTask HandleAsync(StockReserved message, MessageContext context, CancellationToken cancellationToken)
        => ValueTask.FromException(new InvalidOperationException($"reserve failed on attempt {context.Attempt}"));
}

/// <summary>Declares its own [Retry], which wins over the message's (4 attempts).</summary>
[Retry(4, BaseDelayMilliseconds = 10, MaxDelayMilliseconds = 20)]
public sealed class ReserveWithOwnRetry : IHandle<StockReserved>
{
    public ValueTask HandleAsync(StockReserved message, MessageContext context, CancellationToken cancellationToken)
        => ValueTask.FromException(new InvalidOperationException($"reserve failed on attempt {context.Attempt}"));
}
