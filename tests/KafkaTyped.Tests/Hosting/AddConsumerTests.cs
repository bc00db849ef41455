using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Tests.Hosting;

/// <summary>Consumer groups declared in code with <c>AddConsumer</c>, beside and on top of the configured list.</summary>
public sealed class AddConsumerTests
{
    private static KafkaTypedOptions Options(Dictionary<string, string?> configuration, Action<IKafkaTypedBuilder> configure)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        configure(services.AddKafkaTyped(o => o.BootstrapServers ??= "localhost:9092"));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
    }

    private static IEnumerable<string> Failures(Dictionary<string, string?> configuration, Action<IKafkaTypedBuilder> configure)
        => Assert.Throws<OptionsValidationException>(() => Options(configuration, configure)).Failures;

    [Fact]
    public void A_group_added_in_code_runs_with_its_settings_and_the_defaults()
    {
        var options = Options([], b => b.AddConsumer("billing", o =>
        {
            o.Topics.Add("orders");
            o.LaneCapacity = 10;
        }));

        var consumer = Assert.Single(options.Consumers);
        Assert.Equal("billing", consumer.GroupId);
        Assert.Equal(["orders"], consumer.Topics);
        Assert.Equal(10, consumer.LaneCapacity);
        Assert.Equal(1000, consumer.CommitBatchSize);
    }

    [Fact]
    public void Code_configures_on_top_of_the_configured_group_of_the_same_id()
    {
        var options = Options(
            new()
            {
                ["KafkaTyped:Consumers:0:GroupId"] = "audit",
                ["KafkaTyped:Consumers:0:Topics:0"] = "orders",
                ["KafkaTyped:Consumers:1:GroupId"] = "billing",
                ["KafkaTyped:Consumers:1:Topics:0"] = "orders",
                ["KafkaTyped:Consumers:1:LaneCapacity"] = "64",
                ["KafkaTyped:Consumers:1:Properties:fetch.max.bytes"] = "1048576",
            },
            b => b
                .AddConsumer("billing", o =>
                {
                    o.Topics.Add("payments");
                    o.CommitBatchSize = 5;
                })
                .AddConsumer("billing", o => o.CommitBatchSize *= 2) // calls for one group apply in order
                .AddConsumer("shipping", o => o.Topics.Add("orders")));

        Assert.Equal(["audit", "billing", "shipping"], options.Consumers.Select(c => c.GroupId));
        var billing = options.Consumers[1];
        Assert.Equal(["orders", "payments"], billing.Topics);
        Assert.Equal(64, billing.LaneCapacity);
        Assert.Equal(10, billing.CommitBatchSize);
        Assert.Equal("1048576", billing.Properties["fetch.max.bytes"]);
        Assert.Equal(["orders"], options.Consumers[0].Topics);
    }

    [Fact]
    public void A_group_added_in_code_is_validated_and_its_errors_name_it()
    {
        var failures = Failures([], b => b.AddConsumer("billing", o =>
        {
            o.LaneCapacity = 0;
            o.Properties["enable.auto.offset.store"] = "true";
        }));

        Assert.Contains("AddConsumer(\"billing\"):Topics must name at least one topic.", failures);
        Assert.Contains("AddConsumer(\"billing\"):LaneCapacity must be at least 1.", failures);
        Assert.Contains(failures, f => f.StartsWith("AddConsumer(\"billing\"):Properties:enable.auto.offset.store must be false", StringComparison.Ordinal));
    }

    [Fact]
    public void Errors_of_a_group_configured_both_ways_name_the_call_and_the_list_entry()
    {
        var failures = Failures(
            new()
            {
                ["KafkaTyped:Consumers:0:GroupId"] = "audit",
                ["KafkaTyped:Consumers:0:LaneCapacity"] = "0",
                ["KafkaTyped:Consumers:1:GroupId"] = "billing",
                ["KafkaTyped:Consumers:1:LaneCapacity"] = "0",
            },
            b => b.AddConsumer("billing", o => o.Topics.Add("orders")));

        Assert.Contains("AddConsumer(\"billing\") over KafkaTyped:Consumers:1:LaneCapacity must be at least 1.", failures);
        Assert.Contains("KafkaTyped:Consumers:0:LaneCapacity must be at least 1.", failures);
        Assert.Contains("KafkaTyped:Consumers:0:Topics must name at least one topic.", failures);
        Assert.DoesNotContain(failures, f => f.Contains("Consumers:1:Topics", StringComparison.Ordinal));
    }

    [Fact]
    public void Changing_the_group_id_fails_when_options_are_read()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Options([], b => b.AddConsumer("billing", o =>
        {
            o.GroupId = "invoicing";
            o.Topics.Add("orders");
        })));

        Assert.Contains("AddConsumer(\"billing\") changed GroupId to 'invoicing'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_blank_group_id_is_refused_at_the_call(string groupId)
        => Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection().AddKafkaTyped().AddConsumer(groupId, _ => { }));
}
