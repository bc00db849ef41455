using KafkaTyped.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Tests.Hosting;

public sealed class OptionsTests
{
    internal static KafkaTypedOptions Valid() => new()
    {
        BootstrapServers = "localhost:9092",
        Consumers = { new ConsumerOptions { GroupId = "orders", Topics = { "orders" } } },
    };

    internal static IReadOnlyList<string> Failures(KafkaTypedOptions options)
        => new KafkaTypedOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Valid_options_pass() => Assert.Empty(Failures(Valid()));

    [Fact]
    public void Missing_bootstrap_servers_names_the_setting()
    {
        var options = Valid();
        options.BootstrapServers = null;
        Assert.Contains(Failures(options), f => f.StartsWith("KafkaTyped:BootstrapServers is required", StringComparison.Ordinal));

        options.Properties["bootstrap.servers"] = "broker:9092";
        Assert.Empty(Failures(options));
    }

    [Theory]
    [InlineData("acks", "1")]
    [InlineData("acks", "0")]
    [InlineData("request.required.acks", "1")]
    [InlineData("enable.idempotence", "false")]
    [InlineData("dotnet.producer.enable.delivery.reports", "false")]
    [InlineData("dotnet.producer.enable.background.poll", "false")]
    public void Producer_settings_that_weaken_guarantees_are_refused_naming_the_setting(string key, string value)
    {
        var shared = Valid();
        shared.Properties[key] = value;
        Assert.Contains(Failures(shared), f => f.StartsWith($"KafkaTyped:Properties:{key} ", StringComparison.Ordinal));

        var producer = Valid();
        producer.Publisher.Properties[key] = value;
        Assert.Contains(Failures(producer), f => f.StartsWith($"KafkaTyped:Publisher:Properties:{key} ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("acks", "all")]
    [InlineData("acks", "-1")]
    [InlineData("enable.idempotence", "true")]
    [InlineData("dotnet.producer.enable.delivery.reports", "true")]
    [InlineData("dotnet.producer.delivery.report.fields", "all")]
    [InlineData("dotnet.producer.delivery.report.fields", "key,value,headers,status")]
    [InlineData("dotnet.producer.delivery.report.fields", "status")]
    [InlineData("dotnet.producer.delivery.report.fields", "key,value")]
    public void Producer_settings_that_keep_the_guarantees_pass(string key, string value)
    {
        var options = Valid();
        options.Publisher.Properties[key] = value;
        Assert.Empty(Failures(options));
    }

    [Fact]
    public void An_undefined_cloudevents_attributes_value_is_refused_naming_the_setting()
    {
        var options = Valid();
        options.Publisher.CloudEventsAttributes = (CloudEventsAttributes)7;
        Assert.Contains("KafkaTyped:Publisher:CloudEventsAttributes must be All or Required, not '7'.", Failures(options));
    }

    [Fact]
    public void Consumer_errors_name_the_list_index()
    {
        var options = Valid();
        options.Consumers.Add(new ConsumerOptions { Topics = { "bad topic!" }, LaneCapacity = 0, CommitBatchSize = 0 });
        var failures = Failures(options);
        Assert.Contains("KafkaTyped:Consumers:1:GroupId is required.", failures);
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:1:Topics:0 'bad topic!' is not a valid Kafka topic name", StringComparison.Ordinal));
        Assert.Contains("KafkaTyped:Consumers:1:LaneCapacity must be at least 1.", failures);
        Assert.Contains("KafkaTyped:Consumers:1:CommitBatchSize must be at least 1.", failures);
    }

    [Fact]
    public void Consumers_need_topics_and_distinct_groups()
    {
        var options = Valid();
        options.Consumers.Add(new ConsumerOptions { GroupId = "orders" });
        var failures = Failures(options);
        Assert.Contains("KafkaTyped:Consumers:1:Topics must name at least one topic.", failures);
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:1:GroupId 'orders' is configured twice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("enable.auto.commit", "false", "true")]
    [InlineData("enable.auto.offset.store", "true", "false")]
    public void Offset_storing_and_committing_cannot_be_changed(string property, string configured, string forced)
    {
        var options = Valid();
        options.Consumers[0].Properties[property] = configured;
        Assert.Contains(Failures(options), f => f.StartsWith($"KafkaTyped:Consumers:0:Properties:{property} must be {forced}", StringComparison.Ordinal));

        var common = Valid();
        common.Properties[property] = configured;
        Assert.Contains(Failures(common), f => f.StartsWith($"KafkaTyped:Properties:{property} must be {forced}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_commit_interval_is_set_through_CommitInterval_only()
    {
        var options = Valid();
        options.Consumers[0].Properties["auto.commit.interval.ms"] = "5000";
        Assert.Contains("KafkaTyped:Consumers:0:Properties:auto.commit.interval.ms must not be set: it is KafkaTyped:Consumers:0:CommitInterval.", Failures(options));

        var valid = Valid();
        valid.Consumers[0].CommitInterval = TimeSpan.FromMilliseconds(250);
        Assert.Equal("250", ClientConfigFactory.CreateConsumerConfig(valid, valid.Consumers[0], "svc").Get("auto.commit.interval.ms"));
    }

    [Fact]
    public void Invalid_default_topic_is_rejected()
    {
        var options = Valid();
        options.Publisher.DefaultTopic = "a/b";
        Assert.Contains(Failures(options), f => f.StartsWith("KafkaTyped:Publisher:DefaultTopic 'a/b'", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_bind_from_the_KafkaTyped_section_then_code_wins()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KafkaTyped:BootstrapServers"] = "kafka-1:9092,kafka-2:9092",
            ["KafkaTyped:ServiceName"] = "order-service",
            ["KafkaTyped:Properties:security.protocol"] = "plaintext",
            ["KafkaTyped:Publisher:DefaultTopic"] = "events",
            ["KafkaTyped:Publisher:Properties:linger.ms"] = "20",
            ["KafkaTyped:Consumers:0:GroupId"] = "billing",
            ["KafkaTyped:Consumers:0:Topics:0"] = "orders",
            ["KafkaTyped:Consumers:0:Topics:1"] = "payments",
            ["KafkaTyped:Consumers:0:LaneCapacity"] = "64",
            ["KafkaTyped:Consumers:0:CommitInterval"] = "00:00:02",
            ["KafkaTyped:Consumers:0:Properties:fetch.max.bytes"] = "1048576",
        }).Build();

        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddKafkaTyped(o => o.Publisher.Properties["linger.ms"] = "1");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;

        Assert.Equal("kafka-1:9092,kafka-2:9092", options.BootstrapServers);
        Assert.Equal("order-service", options.ServiceName);
        Assert.Equal("plaintext", options.Properties["security.protocol"]);
        Assert.Equal("events", options.Publisher.DefaultTopic);
        Assert.Equal("1", options.Publisher.Properties["linger.ms"]);
        var consumer = Assert.Single(options.Consumers);
        Assert.Equal("billing", consumer.GroupId);
        Assert.Equal(["orders", "payments"], consumer.Topics);
        Assert.Equal(64, consumer.LaneCapacity);
        Assert.Equal(TimeSpan.FromSeconds(2), consumer.CommitInterval);
        Assert.Equal("1048576", consumer.Properties["fetch.max.bytes"]);
    }

    [Fact]
    public void Invalid_configuration_fails_when_options_are_read()
    {
        var services = new ServiceCollection();
        services.AddKafkaTyped();
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value);
        Assert.Contains("KafkaTyped:BootstrapServers is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_configs_layer_defaults_common_and_specific_properties()
    {
        var options = Valid();
        options.Properties["linger.ms"] = "50";
        options.Properties["socket.timeout.ms"] = "7000";
        options.Publisher.Properties["linger.ms"] = "2";
        options.Consumers[0].Properties["auto.offset.reset"] = "latest";

        var producer = ClientConfigFactory.CreateProducerConfig(options, "svc");
        Assert.Equal("all", producer.Get("acks"));
        Assert.Equal("true", producer.Get("enable.idempotence"));
        Assert.Equal("lz4", producer.Get("compression.type"));
        Assert.Equal("murmur2_random", producer.Get("partitioner"));
        Assert.Equal("2", producer.Get("linger.ms"));
        Assert.Equal("7000", producer.Get("socket.timeout.ms"));
        Assert.Equal("localhost:9092", producer.Get("bootstrap.servers"));
        Assert.Equal("svc", producer.Get("client.id"));

        var consumer = ClientConfigFactory.CreateConsumerConfig(options, options.Consumers[0], "svc");
        Assert.Equal("orders", consumer.Get("group.id"));
        Assert.Equal("latest", consumer.Get("auto.offset.reset"));
        Assert.Equal("true", consumer.Get("enable.auto.commit"));
        Assert.Equal("1000", consumer.Get("auto.commit.interval.ms"));
        Assert.Equal("false", consumer.Get("enable.auto.offset.store"));
        Assert.Equal("10", consumer.Get("fetch.queue.backoff.ms"));
        Assert.Equal("cooperative-sticky", consumer.Get("partition.assignment.strategy"));
    }

    [Fact]
    public void Consume_result_fields_cannot_leave_out_what_routing_needs()
    {
        // Without headers every record would be skipped as missing-type and committed; without topic dispatch drops it.
        var options = Valid();
        options.Consumers[0].Properties["dotnet.consumer.consume.result.fields"] = "timestamp";
        Assert.Contains(Failures(options), f => f.StartsWith("KafkaTyped:Consumers:0:Properties:dotnet.consumer.consume.result.fields must be all", StringComparison.Ordinal));

        var common = Valid();
        common.Properties["dotnet.consumer.consume.result.fields"] = "none";
        Assert.Contains(Failures(common), f => f.StartsWith("KafkaTyped:Properties:dotnet.consumer.consume.result.fields must be all", StringComparison.Ordinal));

        var consumer = ClientConfigFactory.CreateConsumerConfig(Valid(), Valid().Consumers[0], "svc");
        Assert.Equal("all", consumer.Get("dotnet.consumer.consume.result.fields"));
    }

    [Fact]
    public void The_consumer_group_protocol_gets_no_assignment_strategy_default()
    {
        var options = Valid();
        options.Consumers[0].Properties["group.protocol"] = "consumer";
        var config = ClientConfigFactory.CreateConsumerConfig(options, options.Consumers[0], "svc");
        Assert.Null(config.Get("partition.assignment.strategy"));
        Assert.Empty(Failures(options));

        var common = Valid();
        common.Properties["group.protocol"] = "consumer";
        Assert.Null(ClientConfigFactory.CreateConsumerConfig(common, common.Consumers[0], "svc").Get("partition.assignment.strategy"));

        var classic = ClientConfigFactory.CreateConsumerConfig(Valid(), Valid().Consumers[0], "svc");
        Assert.Equal("cooperative-sticky", classic.Get("partition.assignment.strategy"));
    }

    [Theory]
    [InlineData("session.timeout.ms", "6000")]
    [InlineData("heartbeat.interval.ms", "500")]
    [InlineData("partition.assignment.strategy", "range")]
    public void Keys_the_consumer_group_protocol_forbids_are_refused_by_name(string key, string value)
    {
        var options = Valid();
        options.Consumers[0].Properties["group.protocol"] = "consumer";
        options.Consumers[0].Properties[key] = value;
        Assert.Contains(Failures(options), f => f.StartsWith($"KafkaTyped:Consumers:0:Properties:{key} must not be set with group.protocol=consumer", StringComparison.Ordinal));

        // The protocol chosen for every client and the key set for one consumer (or the other way round) are refused too.
        var mixed = Valid();
        mixed.Properties["group.protocol"] = "consumer";
        mixed.Properties[key] = value;
        Assert.Contains(Failures(mixed), f => f.StartsWith($"KafkaTyped:Properties:{key} must not be set with group.protocol=consumer", StringComparison.Ordinal));

        // A consumer that goes back to the classic protocol may set them.
        mixed.Consumers[0].Properties["group.protocol"] = "classic";
        Assert.Empty(Failures(mixed));
    }

    [Fact]
    public void Auto_offset_reset_error_is_refused_by_name()
    {
        // "error" makes every partition without a committed offset raise a consume error instead of being read: a new
        // group would handle nothing.
        var options = Valid();
        options.Consumers[0].Properties["auto.offset.reset"] = "error";
        Assert.Contains(Failures(options), f => f.StartsWith("KafkaTyped:Consumers:0:Properties:auto.offset.reset=error", StringComparison.Ordinal));

        var common = Valid();
        common.Properties["auto.offset.reset"] = "error";
        Assert.Contains(Failures(common), f => f.StartsWith("KafkaTyped:Properties:auto.offset.reset=error", StringComparison.Ordinal));
    }

    [Fact]
    public void Drain_timeouts_must_stay_under_max_poll_interval()
    {
        var options = Valid();
        options.Consumers[0].ShutdownDrainTimeout = TimeSpan.FromMinutes(5);
        options.Consumers[0].RevokeDrainTimeout = TimeSpan.FromMinutes(6);
        var failures = Failures(options);
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:0:ShutdownDrainTimeout (00:05:00) must be shorter than max.poll.interval.ms (300000 ms)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:0:RevokeDrainTimeout (00:06:00) must be shorter than max.poll.interval.ms (300000 ms)", StringComparison.Ordinal));

        options.Consumers[0].Properties["max.poll.interval.ms"] = "600000";
        options.Consumers[0].RevokeDrainTimeout = TimeSpan.FromMinutes(1);
        Assert.Empty(Failures(options));
    }

    [Fact]
    public void Settings_that_weaken_guarantees_are_warned_about_by_name()
    {
        var options = Valid();
        Assert.Empty(ConsumerSettingsReview.Warnings(options, hostShutdownTimeout: TimeSpan.FromSeconds(30)));

        options.Consumers[0].Properties["auto.offset.reset"] = "latest";
        options.Consumers[0].ShutdownDrainTimeout = TimeSpan.FromSeconds(40);
        var warnings = ConsumerSettingsReview.Warnings(options, hostShutdownTimeout: TimeSpan.FromSeconds(30));
        Assert.Contains(warnings, w => w.StartsWith("KafkaTyped:Consumers:0:Properties:auto.offset.reset=latest", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("KafkaTyped:Consumers:0:ShutdownDrainTimeout (00:00:40) is not shorter than the host's ShutdownTimeout (00:00:30)", StringComparison.Ordinal));

        var common = Valid();
        common.Properties["auto.offset.reset"] = "largest";
        Assert.Contains(ConsumerSettingsReview.Warnings(common, TimeSpan.FromSeconds(30)), w => w.StartsWith("KafkaTyped:Properties:auto.offset.reset=largest", StringComparison.Ordinal));
    }
}
