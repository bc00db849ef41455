using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Messaging;

/// <summary>A Generic Host running KafkaTyped as a service would: AddKafkaTyped + handlers + the route table.</summary>
public static class KafkaTypedTestHost
{
    /// <summary>
    /// A consumer for tests, committing every 200 ms. On the embedded cluster the session timeout is 2 s: its group
    /// coordinator keeps a member that closed until the session expires (measured: a new member waits about 5 s with
    /// 6 s), while real brokers refuse less than 6 s (group.min.session.timeout.ms). The other test client settings come
    /// from <c>UseTestCluster</c> (KafkaTyped.Testing).
    /// </summary>
    public static ConsumerOptions TestConsumer(ClusterKind kind, string groupId, string topic) => new()
    {
        GroupId = groupId,
        Topics = { topic },
        CommitInterval = TimeSpan.FromMilliseconds(200),
        Properties =
        {
            ["session.timeout.ms"] = kind == ClusterKind.Embedded ? "2000" : "6000",
            ["heartbeat.interval.ms"] = kind == ClusterKind.Embedded ? "200" : "500",
        },
    };

    /// <summary>
    /// Builds (not starts) a host on the cluster at <paramref name="bootstrapServers"/> with the test client settings;
    /// <paramref name="configure"/> runs after those, <paramref name="kafka"/> can declare groups on the builder. Give
    /// each host running at the same time its own <c>recorder.ForHost(n)</c>.
    /// </summary>
    public static IHost Build(
        string bootstrapServers,
        HandlingRecorder recorder,
        Action<KafkaTypedOptions> configure,
        Action<IServiceCollection>? services = null,
        LogCapture? logs = null,
        Action<IKafkaTypedBuilder>? kafka = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-integration-tests" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        logs?.AddTo(builder.Services, LogLevel.Trace);

        builder.Services.AddSingleton(recorder);
        var kafkaTyped = builder.Services.AddKafkaTyped().UseTestCluster(bootstrapServers);
        builder.Services.Configure(configure);
        kafka?.Invoke(kafkaTyped);
        kafkaTyped.AddGeneratedHandlers();
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
