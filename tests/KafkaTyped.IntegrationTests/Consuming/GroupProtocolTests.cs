using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Consuming;

/// <summary>
/// A group that joins with the KIP-848 consumer group protocol (<c>group.protocol=consumer</c>) starts, handles and
/// commits: KafkaTyped applies none of the defaults that protocol forbids.
/// </summary>
public sealed class GroupProtocolTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_group_on_the_consumer_protocol_handles_and_commits_every_message()
    {
        // The image of the Testcontainers path (Kafka 3.5) has no KIP-848 groups; the embedded cluster and recent brokers do.
        _ = cluster.Faults;
        const int count = 50;
        var topic = ClusterFixture.NewTopicName("kip848");
        var group = ClusterFixture.NewGroupId("kip848");
        await cluster.CreateTopicAsync(topic, 3, Ct);
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            consumer.Properties.Remove("session.timeout.ms");
            consumer.Properties.Remove("heartbeat.interval.ms");
            consumer.Properties["group.protocol"] = "consumer";
            o.Consumers.Add(consumer);
        });

        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
        await host.StartAsync(Ct);
        await Wait.UntilAsync(() => recorder.Count >= count, Deadline, $"{count} messages to be handled", Ct);
        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(
            () => Enumerable.Range(0, 3).Sum(p => Math.Max(0, offsets.Committed(topic, p))) == count,
            Deadline,
            $"the committed offsets to add up to {count}",
            Ct);
        await host.StopAsync(Ct);

        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence).Order());
    }
}
