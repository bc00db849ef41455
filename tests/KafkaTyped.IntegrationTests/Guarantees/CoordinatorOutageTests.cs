using System.Diagnostics;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>
/// The group coordinator's broker goes down while the partition leaders stay up: commits cannot go through, but the
/// leaders still serve fetches, so records keep being handled; and stopping the host honours its token although the
/// final commit cannot reach the coordinator. Runs on an embedded cluster of its own (a broker goes down).
/// </summary>
public sealed class CoordinatorOutageTests
{
    private const int CoordinatorBroker = 1;
    private const int LeaderBroker = 2;
    private const int Rounds = 10;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_keep_being_handled_while_the_coordinator_is_down_and_stop_honours_its_token()
    {
        using var cluster = ClusterFixture.StartEmbeddedCluster(3);
        var topic = ClusterFixture.NewTopicName("coordinator-down");
        var group = ClusterFixture.NewGroupId("coordinator-down");
        cluster.CreateTopic(topic, 1);
        cluster.SetPartitionLeader(topic, 0, LeaderBroker);
        cluster.SetCoordinator(CoordinatorType.Group, group, CoordinatorBroker);
        var recorder = new HandlingRecorder();
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, recorder, o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(ClusterKind.Embedded, group, topic);
            // A session longer than the test: the member keeps its partition although no heartbeat gets through.
            consumer.Properties["session.timeout.ms"] = "60000";
            consumer.Properties["heartbeat.interval.ms"] = "1000";
            o.Consumers.Add(consumer);
        });
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();

        await host.StartAsync(Ct);
        await ConsumerHostTests.Publish(publisher, topic, 0);
        await Wait.UntilAsync(() => recorder.Count == 1, Deadline, "the first message to be handled", Ct);

        cluster.SetBrokerDown(CoordinatorBroker);
        try
        {
            // One message at a time, each after the previous one was handled (and so became due for a commit that cannot
            // reach the coordinator): every one is fetched from the leader and handled.
            for (var i = 1; i <= Rounds; i++)
            {
                await ConsumerHostTests.Publish(publisher, topic, i);
                var expected = i + 1;
                await Wait.UntilAsync(() => recorder.Count >= expected, Deadline, $"message {i} to be handled while the coordinator is down", Ct);
            }

            using var stopToken = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var stopwatch = Stopwatch.StartNew();
            await host.StopAsync(stopToken.Token).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"StopAsync with a 2 s token returned after {stopwatch.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            cluster.SetBrokerUp(CoordinatorBroker);
        }

        Assert.Equal(Enumerable.Range(0, Rounds + 1).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence));
    }
}
