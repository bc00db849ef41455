using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// The commit of a graceful stop refused with REBALANCE_IN_PROGRESS (as in a rolling deploy, where members come and go)
/// is retried: otherwise the next owner handles everything the stopping member drained again. Runs on an embedded
/// cluster of its own (request errors hit every group of a cluster).
/// </summary>
public sealed class CommitRetryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_shutdown_commit_refused_while_the_group_rebalances_is_retried()
    {
        const int count = 20;
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var topic = ClusterFixture.NewTopicName("commit-retry");
        var group = ClusterFixture.NewGroupId("commit-retry");
        cluster.CreateTopic(topic, 1);
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(ClusterKind.Embedded, group, topic);
            consumer.CommitInterval = TimeSpan.FromHours(1); // only the stop commits
            o.Consumers.Add(consumer);
        });

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count == count, Deadline, $"{count} messages to be handled", Ct);

        // Refuse the stop's commit and the client's own commit on close once each (and once more for good measure).
        cluster.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.RebalanceInProgress, ErrorCode.RebalanceInProgress, ErrorCode.RebalanceInProgress);
        await host.StopAsync(Ct);

        using var offsets = new GroupOffsets(cluster.CreateConsumerConfig(group));
        Assert.Equal(count, offsets.Committed(topic, 0));
    }
}
