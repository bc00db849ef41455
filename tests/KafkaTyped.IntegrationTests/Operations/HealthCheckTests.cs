using System.Diagnostics;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Operations;

/// <summary>
/// The liveness and readiness checks of <c>AddHealthChecks()</c> against the embedded cluster, read through
/// <see cref="HealthCheckService"/> as <c>/live</c> and <c>/ready</c> would: their state follows the brokers, a handler
/// blocking its lane, and the group's assignment. Each test has a cluster of its own (brokers are taken down, request
/// errors hit every group of a cluster).
/// </summary>
public sealed class HealthCheckTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ready_turns_unhealthy_while_the_brokers_are_down_and_healthy_when_they_are_back_while_live_stays_healthy()
    {
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var (topic, group) = NewTopic(cluster, "health-brokers");
        using var host = Build(cluster, new HandlingRecorder(), group, topic);
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var ready = await UntilAsync(health, "ready", HealthStatus.Healthy, "ready once the group holds its partition");
        Assert.Equal(1, ready.Data["brokers"]);
        Assert.Equal("Assigned", ready.Data[group + ".state"]);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, "live")).Status);

        cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        var down = await UntilAsync(health, "ready", HealthStatus.Unhealthy, "not ready while no broker answers");
        Assert.Contains("no broker answered a metadata request", down.Description);
        Assert.Equal(0, down.Data["brokers"]);

        // The poll loop goes on polling with the brokers away: a restart would not bring them back.
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, "live")).Status);

        cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        await UntilAsync(health, "ready", HealthStatus.Healthy, "ready again once the brokers are back");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Live_turns_unhealthy_while_a_handler_blocks_its_lane_past_the_limit_and_says_which_partition()
    {
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var (topic, group) = NewTopic(cluster, "health-stuck");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new HandlingRecorder { OnHandling = async (sequence, _, ct) => { if (sequence == 0) { await gate.Task.WaitAsync(ct); } } };
        using var host = Build(cluster, recorder, group, topic, o => o.StuckRecordLimit = TimeSpan.FromMilliseconds(500));
        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, 3);
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var stuck = await UntilAsync(health, "live", HealthStatus.Unhealthy, "not live while the first record's handler blocks");
        Assert.Contains($"a record of {topic}[0] has not completed", stuck.Description);
        Assert.True((double)stuck.Data[$"{group}.{topic}[0].oldest_in_flight_age_s"] >= 0.5); // rounded to milliseconds
        Assert.Equal(1, stuck.Data[$"{group}.{topic}[0].in_flight"]);

        // Blocked but assigned and polling: the service is still ready, only a restart would unblock it.
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, "ready")).Status);

        gate.SetResult();
        await Wait.UntilAsync(() => recorder.Count >= 3, Deadline, "the three records to be handled", Ct);
        var live = await UntilAsync(health, "live", HealthStatus.Healthy, "live again once the handler returned");
        await LagZeroAsync(health, group, topic);
        Assert.DoesNotContain($"{group}.{topic}[0].oldest_in_flight_age_s", live.Data.Keys);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Ready_turns_unhealthy_while_the_group_has_lost_its_assignment_and_healthy_when_it_holds_one_again()
    {
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var (topic, group) = NewTopic(cluster, "health-lost");
        using var host = Build(cluster, new HandlingRecorder(), group, topic);
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await UntilAsync(health, "ready", HealthStatus.Healthy, "ready once the group holds its partition");

        // The coordinator forgets the member (its session is lost), then refuses its rejoins for a while.
        cluster.PushRequestErrors(KafkaApiKey.JoinGroup, ErrorCode.GroupLoadInProgress, ErrorCode.GroupLoadInProgress, ErrorCode.GroupLoadInProgress);
        cluster.PushRequestErrors(KafkaApiKey.Heartbeat, ErrorCode.UnknownMemberId);
        var lost = await UntilAsync(health, "ready", HealthStatus.Unhealthy, "not ready while the member holds no assignment");
        Assert.Contains($"consumer group '{group}' holds no assignment", lost.Description);
        Assert.Equal("Joining", lost.Data[group + ".state"]);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, "live")).Status);

        var back = await UntilAsync(health, "ready", HealthStatus.Healthy, "ready again once the partition is assigned back");
        Assert.Equal(1, back.Data[group + ".partitions"]);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Live_turns_unhealthy_when_the_producer_failed_fatally()
    {
        // As in PublisherFailureTests: OUT_OF_ORDER_SEQUENCE_NUMBER on the head-of-line ProduceRequest fails an idempotent
        // producer for good.
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var (topic, group) = NewTopic(cluster, "health-fatal");
        using var host = Build(cluster, new HandlingRecorder(), group, topic);
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await publisher.PublishAsync(new OrderPlaced("order-1", 1, "customer"), topic, cancellationToken: Ct);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health, "live")).Status);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.OutOfOrderSequenceNumber);
        await Assert.ThrowsAsync<PublishException>(() => publisher.PublishAsync(new OrderPlaced("order-1", 2, "customer"), topic, cancellationToken: Ct).WaitAsync(Deadline, Ct));

        var fatal = await UntilAsync(health, "live", HealthStatus.Unhealthy, "not live once the producer failed fatally");
        Assert.Contains("the producer failed fatally", fatal.Description);
        Assert.True(fatal.Data.ContainsKey("producer.error"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Before_start_the_service_is_live_but_not_ready_and_each_check_carries_its_tag()
    {
        using var cluster = ClusterFixture.StartEmbeddedCluster(1);
        var (topic, group) = NewTopic(cluster, "health-tags");
        using var host = Build(cluster, new HandlingRecorder(), group, topic);
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, report.Entries[KafkaTypedHealthCheckExtensions.LivenessCheckName].Status);
        Assert.Equal(["live"], report.Entries[KafkaTypedHealthCheckExtensions.LivenessCheckName].Tags);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries[KafkaTypedHealthCheckExtensions.ReadinessCheckName].Status);
        Assert.Equal(["ready"], report.Entries[KafkaTypedHealthCheckExtensions.ReadinessCheckName].Tags);
        Assert.Equal("Starting", report.Entries[KafkaTypedHealthCheckExtensions.ReadinessCheckName].Data[group + ".state"]);
    }

    private static (string Topic, string Group) NewTopic(EmbeddedKafkaCluster cluster, string prefix)
    {
        var topic = ClusterFixture.NewTopicName(prefix);
        cluster.CreateTopic(topic, 1);
        return (topic, ClusterFixture.NewGroupId(prefix));
    }

    private static IHost Build(EmbeddedKafkaCluster cluster, HandlingRecorder recorder, string group, string topic, Action<KafkaTypedHealthCheckOptions>? health = null)
        => KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            recorder,
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(ClusterKind.Embedded, group, topic);
                consumer.RevokeDrainTimeout = TimeSpan.FromMilliseconds(100);
                o.Consumers.Add(consumer);
            },
            kafka: k => k.AddHealthChecks(o =>
            {
                o.BrokerTimeout = TimeSpan.FromMilliseconds(500);
                health?.Invoke(o);
            }));

    /// <summary>The entry of the check tagged <paramref name="tag"/>, as <c>/live</c> or <c>/ready</c> would report it.</summary>
    private static async Task<HealthReportEntry> CheckAsync(HealthCheckService health, string tag)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(tag), Ct);
        return Assert.Single(report.Entries).Value;
    }

    private static async Task<HealthReportEntry> UntilAsync(HealthCheckService health, string tag, HealthStatus status, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var entry = await CheckAsync(health, tag);
            if (entry.Status == status)
            {
                return entry;
            }

            if (stopwatch.Elapsed > Deadline)
            {
                Assert.Fail($"Timed out after {Deadline.TotalSeconds:0} s waiting for {what}; the check said: {entry.Status} {entry.Description}");
            }

            await Task.Delay(20, Ct);
        }
    }

    /// <summary>Waits until the readiness data shows the partition caught up: committed at the end of the log, lag 0.</summary>
    private static async Task LagZeroAsync(HealthCheckService health, string group, string topic)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var entry = await CheckAsync(health, "ready");
            if (entry.Data.TryGetValue($"{group}.{topic}[0].lag", out var lag) && (long)lag == 0)
            {
                return;
            }

            if (stopwatch.Elapsed > Deadline)
            {
                Assert.Fail($"Timed out waiting for the lag of {topic}[0] to reach 0.");
            }

            await Task.Delay(20, Ct);
        }
    }
}
