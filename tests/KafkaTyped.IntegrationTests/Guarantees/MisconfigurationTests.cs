using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>docs/architecture.md#guarantees: misconfiguration fails when the host starts, with a message that names the setting.</summary>
public sealed class MisconfigurationTests(ClusterFixture cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string[]> Cases => new()
    {
        { "missing bootstrap servers", ["KafkaTyped:BootstrapServers"] },
        { "blank bootstrap servers", ["KafkaTyped:BootstrapServers"] },
        { "empty group id", ["KafkaTyped:Consumers:0:GroupId"] },
        { "no topics", ["KafkaTyped:Consumers:0:Topics"] },
        { "invalid topic name", ["KafkaTyped:Consumers:0:Topics:0", "orders/eu"] },
        { "same group twice", ["KafkaTyped:Consumers:1:GroupId"] },
        { "zero lane capacity", ["KafkaTyped:Consumers:0:LaneCapacity"] },
        { "automatic offset store switched on", ["KafkaTyped:Consumers:0:Properties:enable.auto.offset.store"] },
        { "unknown librdkafka property for every client", ["KafkaTyped:Properties", "no.such.property"] },
        { "unknown librdkafka property of a consumer", ["KafkaTyped:Consumers", "no.such.property"] },
        { "invalid librdkafka value of a consumer", ["KafkaTyped:Consumers", "session.timeout.ms"] },
        { "unknown librdkafka property of the publisher", ["KafkaTyped:Publisher:Properties", "no.such.property"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Starting_the_host_fails_with_a_message_naming_the_setting(string mistake, string[] named)
    {
        var topic = ClusterFixture.NewTopicName("misconfigured");
        var group = ClusterFixture.NewGroupId("misconfigured");
        using var host = KafkaTypedTestHost.Build(cluster.BootstrapServers, new HandlingRecorder(), o =>
        {
            var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
            o.Consumers.Add(consumer);
            switch (mistake)
            {
                case "missing bootstrap servers": o.BootstrapServers = null; break;
                case "blank bootstrap servers": o.BootstrapServers = "  "; break;
                case "empty group id": consumer.GroupId = ""; break;
                case "no topics": consumer.Topics.Clear(); break;
                case "invalid topic name": consumer.Topics[0] = "orders/eu"; break;
                case "same group twice": o.Consumers.Add(KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic)); break;
                case "zero lane capacity": consumer.LaneCapacity = 0; break;
                case "automatic offset store switched on": consumer.Properties["enable.auto.offset.store"] = "true"; break;
                case "unknown librdkafka property for every client": o.Properties["no.such.property"] = "1"; break;
                case "unknown librdkafka property of a consumer": consumer.Properties["no.such.property"] = "1"; break;
                case "invalid librdkafka value of a consumer": consumer.Properties["session.timeout.ms"] = "soon"; break;
                case "unknown librdkafka property of the publisher": o.Publisher.Properties["no.such.property"] = "1"; break;
                default: throw new ArgumentOutOfRangeException(nameof(mistake), mistake, null);
            }
        });

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(Ct));
        TestContext.Current.SendDiagnosticMessage($"{mistake}: {exception.GetType().Name}: {exception.Message}");
        foreach (var name in named)
        {
            Assert.Contains(name, exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_value_from_configuration_that_does_not_convert_fails_at_start_up_naming_its_key()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-integration-tests" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KafkaTyped:BootstrapServers"] = cluster.BootstrapServers,
            ["KafkaTyped:Consumers:0:GroupId"] = ClusterFixture.NewGroupId("misconfigured"),
            ["KafkaTyped:Consumers:0:Topics:0"] = ClusterFixture.NewTopicName("misconfigured"),
            ["KafkaTyped:Consumers:0:LaneCapacity"] = "plenty",
        });
        builder.Services.AddSingleton(new HandlingRecorder());
        builder.Services.AddKafkaTyped().AddGeneratedHandlers();
        using var host = builder.Build();

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(Ct));
        TestContext.Current.SendDiagnosticMessage($"configuration: {exception.GetType().Name}: {exception.Message}");
        Assert.Contains("KafkaTyped:Consumers:0:LaneCapacity", exception.Message, StringComparison.Ordinal);
    }
}
