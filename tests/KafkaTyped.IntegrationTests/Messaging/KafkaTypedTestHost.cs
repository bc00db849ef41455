using KafkaTyped.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Messaging;

/// <summary>A Generic Host running KafkaTyped as a service would: AddKafkaTyped + handlers + the route table.</summary>
public static class KafkaTypedTestHost
{
    /// <summary>Client settings for tests (see KafkaTestClientConfig): fail fast, recover fast, notice rebalances quickly.</summary>
    public static void ApplyTestClientSettings(KafkaTypedOptions options)
    {
        options.Properties["reconnect.backoff.ms"] = "10";
        options.Properties["reconnect.backoff.max.ms"] = "500";
        options.Properties["retry.backoff.ms"] = "10";
        options.Properties["retry.backoff.max.ms"] = "200";
        options.Publisher.Properties["message.timeout.ms"] = "30000";
    }

    /// <summary>
    /// A consumer for tests. On the embedded cluster the session timeout is 2 s: its group coordinator keeps a member
    /// that closed until the session expires (measured: a new member waits about 5 s with 6 s), while real brokers
    /// refuse less than 6 s (group.min.session.timeout.ms).
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
            ["fetch.wait.max.ms"] = "100",
        },
    };

    /// <summary>Builds (not starts) a host. Give each host running at the same time its own <c>recorder.ForHost(n)</c>.</summary>
    public static IHost Build(string bootstrapServers, HandlingRecorder recorder, Action<KafkaTypedOptions> configure, Action<IServiceCollection>? services = null, LogCapture? logs = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-integration-tests" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        logs?.AddTo(builder.Services, LogLevel.Trace);

        builder.Services.AddSingleton(recorder);
        builder.Services.AddKafkaTyped(options =>
            {
                options.BootstrapServers = bootstrapServers;
                ApplyTestClientSettings(options);
                configure(options);
            })
            .AddGeneratedHandlers();
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
