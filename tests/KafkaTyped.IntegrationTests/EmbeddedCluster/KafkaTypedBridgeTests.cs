using KafkaTyped.IntegrationTests.Consuming;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KafkaTyped.IntegrationTests.EmbeddedCluster;

/// <summary>
/// The bridge from the embedded cluster to KafkaTyped's options (<c>UseEmbeddedCluster</c>, <c>cluster.Configure</c>):
/// what it sets, what it leaves to the application, and a service running on it end to end.
/// </summary>
public sealed class KafkaTypedBridgeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void UseEmbeddedCluster_points_every_client_at_the_cluster_and_keeps_what_the_application_set()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KafkaTyped:BootstrapServers"] = "kafka-1:9092",
            ["KafkaTyped:Properties:retry.backoff.ms"] = "250",
            ["KafkaTyped:Consumers:0:GroupId"] = "audit",
            ["KafkaTyped:Consumers:0:Topics:0"] = "orders",
            ["KafkaTyped:Consumers:0:Properties:session.timeout.ms"] = "4000",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddKafkaTyped()
            .UseEmbeddedCluster(cluster)
            .AddConsumer("billing", o => o.Topics.Add("orders")); // added after the call: still completed
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;

        Assert.Equal(cluster.BootstrapServers, options.BootstrapServers);
        Assert.Equal("250", options.Properties["retry.backoff.ms"]);
        Assert.Equal("10", options.Properties["reconnect.backoff.ms"]);
        Assert.Equal("30000", options.Publisher.Properties["message.timeout.ms"]);
        var audit = options.Consumers.Single(c => c.GroupId == "audit");
        Assert.Equal("4000", audit.Properties["session.timeout.ms"]);
        Assert.Equal("100", audit.Properties["fetch.wait.max.ms"]);
        var billing = options.Consumers.Single(c => c.GroupId == "billing");
        Assert.Equal("2000", billing.Properties["session.timeout.ms"]);
        Assert.Equal("200", billing.Properties["heartbeat.interval.ms"]);
    }

    [Fact]
    public void Code_configured_after_the_bridge_wins_over_its_bootstrap_servers()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var services = new ServiceCollection();
        services.AddKafkaTyped().UseEmbeddedCluster(cluster);
        services.Configure<KafkaTypedOptions>(o => o.BootstrapServers = "kafka-2:9092");
        using var provider = services.BuildServiceProvider();

        Assert.Equal("kafka-2:9092", provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value.BootstrapServers);
    }

    [Fact]
    public void Configure_completes_options_built_by_hand()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var options = cluster.Configure(new KafkaTypedOptions { Consumers = { new ConsumerOptions { GroupId = "g", Topics = { "t" } } } });

        Assert.Equal(cluster.BootstrapServers, options.BootstrapServers);
        Assert.Equal("500", options.Properties["reconnect.backoff.max.ms"]);
        Assert.Equal("2000", options.Consumers[0].Properties["session.timeout.ms"]);
    }

    [Fact]
    public async Task A_service_on_the_embedded_cluster_with_a_group_added_in_code_handles_what_it_publishes()
    {
        const int count = 30;
        await using var cluster = new EmbeddedKafkaCluster();
        var topic = ClusterFixture.NewTopicName("bridge");
        cluster.CreateTopic(topic, partitions: 3);
        var recorder = new HandlingRecorder();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-bridge-test" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(recorder);
        builder.Services.AddKafkaTyped()
            .UseEmbeddedCluster(cluster)
            .AddConsumer(ClusterFixture.NewGroupId("bridge"), o => o.Topics.Add(topic))
            .AddGeneratedHandlers();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await ConsumerHostTests.PublishAsync(host.Services.GetRequiredService<IMessagePublisher>(), topic, 0, count);
        await Wait.UntilAsync(() => recorder.Count >= count, Deadline, $"{count} messages to be handled", Ct);
        await host.StopAsync(Ct);

        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), recorder.Snapshot().Select(h => h.Sequence).Order());
    }
}
