using KafkaTyped.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static KafkaTyped.Tests.Hosting.OptionsTests;

namespace KafkaTyped.Tests.Hosting;

/// <summary>Start-up validation of librdkafka property names and of the bounds of every KafkaTyped option.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("bootstrap.server", "bootstrap.servers")]
    [InlineData("Bootstrap.Servers", "bootstrap.servers")]
    [InlineData("secuirty.protocol", "security.protocol")]
    [InlineData("sasl.mechansims", "sasl.mechanisms")]
    [InlineData("socket.timeout", "socket.timeout.ms")]
    [InlineData("dotnet.cancellation.delay.max", "dotnet.cancellation.delay.max.ms")]
    public void A_misspelt_property_fails_naming_its_key_and_the_nearest_valid_name(string misspelt, string nearest)
    {
        var common = Valid();
        common.Properties[misspelt] = "x";
        Assert.Contains($"KafkaTyped:Properties:{misspelt} is not a librdkafka {LibrdkafkaPropertyNames.Version} property; did you mean {nearest}?", Failures(common));

        var publisher = Valid();
        publisher.Publisher.Properties[misspelt] = "x";
        Assert.Contains(Failures(publisher), f => f.StartsWith($"KafkaTyped:Publisher:Properties:{misspelt} is not a librdkafka", StringComparison.Ordinal));

        var consumer = Valid();
        consumer.Consumers[0].Properties[misspelt] = "x";
        Assert.Contains(Failures(consumer), f => f.StartsWith($"KafkaTyped:Consumers:0:Properties:{misspelt} is not a librdkafka", StringComparison.Ordinal));
    }

    [Fact]
    public void A_consumer_added_in_code_is_named_by_its_call()
    {
        var options = Valid();
        options.AddedConsumers["orders"] = true;
        options.Consumers[0].Properties["fetch.wait.max"] = "100";
        Assert.Contains("AddConsumer(\"orders\"):Properties:fetch.wait.max is not a librdkafka 2.16.0 property; did you mean fetch.wait.max.ms?", Failures(options));
    }

    [Fact]
    public void An_unknown_name_far_from_every_property_gets_no_suggestion()
    {
        var options = Valid();
        options.Properties["no.such.property"] = "1";
        Assert.Contains($"KafkaTyped:Properties:no.such.property is not a librdkafka {LibrdkafkaPropertyNames.Version} property (see librdkafka's CONFIGURATION.md).", Failures(options));
    }

    [Fact]
    public void Unknown_names_are_left_to_librdkafka_where_plugins_are_loaded()
    {
        // A plugin (plugin.library.paths) may accept properties of its own; librdkafka still refuses the unknown ones.
        var options = Valid();
        options.Publisher.Properties["plugin.library.paths"] = "monitoring-interceptor";
        options.Publisher.Properties["confluent.monitoring.interceptor.topic"] = "_confluent-monitoring";
        Assert.Empty(Failures(options));

        options.Consumers[0].Properties["confluent.monitoring.interceptor.topic"] = "_confluent-monitoring";
        Assert.Contains(Failures(options), f => f.StartsWith("KafkaTyped:Consumers:0:Properties:confluent.monitoring.interceptor.topic is not a librdkafka", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("auto.offset.reset")]
    [InlineData("fetch.min.bytes")]
    [InlineData("dotnet.consumer.consume.result.fields")]
    public void A_consumer_property_on_the_publisher_fails(string key)
    {
        var options = Valid();
        options.Publisher.Properties[key] = "all";
        Assert.Contains(Failures(options), f => f.StartsWith($"KafkaTyped:Publisher:Properties:{key} is a consumer property: the publisher's producer would ignore it.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("linger.ms")]
    [InlineData("compression.type")]
    [InlineData("dotnet.producer.enable.delivery.reports")]
    public void A_producer_property_on_a_consumer_fails(string key)
    {
        var options = Valid();
        options.Consumers[0].Properties[key] = "true";
        Assert.Contains(Failures(options), f => f.StartsWith($"KafkaTyped:Consumers:0:Properties:{key} is a producer property: the consumer would ignore it.", StringComparison.Ordinal));
    }

    [Fact]
    public void Properties_for_every_client_may_be_for_either()
    {
        var options = Valid();
        options.Properties["linger.ms"] = "10";
        options.Properties["fetch.min.bytes"] = "1";
        options.Properties["security.protocol"] = "plaintext";
        options.Publisher.Properties["message.timeout.ms"] = "1000";
        options.Publisher.Properties["statistics.interval.ms"] = "1000";
        options.Consumers[0].Properties["fetch.wait.max.ms"] = "100";
        options.Consumers[0].Properties["client.rack"] = "eu-1a";
        Assert.Empty(Failures(options));
    }

    [Fact]
    public void Every_property_KafkaTyped_sets_is_known_to_the_client_it_sets_it_on()
    {
        var producer = ClientConfigFactory.ProducerDefaults.Select(p => p.Key);
        var consumer = ClientConfigFactory.ConsumerDefaults.Select(p => p.Key)
            .Concat(ClientConfigFactory.ConsumerForced.Select(p => p.Key))
            .Concat(ClientConfigFactory.ConsumerProtocolForbidden)
            .Append(ClientConfigFactory.CommitIntervalProperty)
            .Append("group.id");
        Assert.All(producer, key => Assert.Contains(LibrdkafkaPropertyNames.RoleOf(key), new PropertyRole?[] { PropertyRole.Both, PropertyRole.Producer }));
        Assert.All(consumer, key => Assert.Contains(LibrdkafkaPropertyNames.RoleOf(key), new PropertyRole?[] { PropertyRole.Both, PropertyRole.Consumer }));
        Assert.All(new[] { "bootstrap.servers", "client.id", LibrdkafkaPropertyNames.PluginLibraryPaths }, key => Assert.Equal(PropertyRole.Both, LibrdkafkaPropertyNames.RoleOf(key)));
    }

    [Theory]
    [InlineData("bootstrap.servers", "bootstrap.servers", 0)]
    [InlineData("bootstrap.server", "bootstrap.servers", 1)]
    [InlineData("acsk", "acks", 1)]
    [InlineData("ackss", "acks", 1)]
    [InlineData("linger", "linger.ms", 3)]
    [InlineData("abc", "xyz", 3)]
    public void Edit_distance_counts_insertions_deletions_substitutions_and_transpositions(string a, string b, int expected)
        => Assert.Equal(expected, LibrdkafkaPropertyNames.Distance(a, b, bound: 10));

    [Fact]
    public void Edit_distance_stops_at_its_bound() => Assert.Equal(2, LibrdkafkaPropertyNames.Distance("abcdef", "uvwxyz", bound: 2));

    [Theory]
    [InlineData(0.5)]
    [InlineData(86_400_001)]
    public void A_commit_interval_outside_whole_milliseconds_up_to_a_day_fails(double milliseconds)
    {
        // Under 1 ms it would become auto.commit.interval.ms=0, which switches background commits off; over a day
        // librdkafka refuses the consumer, naming its own property instead of CommitInterval.
        var options = Valid();
        options.Consumers[0].CommitInterval = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Contains(Failures(options), f => f.StartsWith("KafkaTyped:Consumers:0:CommitInterval must be between 1 ms and 1 day", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeouts_beyond_what_the_clients_can_wait_fail_naming_the_setting()
    {
        // Confluent.Kafka converts a flush timeout to int milliseconds (checked), and Task.Delay refuses delays of about
        // 49 days and more: such values would throw when the publisher is disposed or when a handler is retried.
        var tooLong = TimeSpan.FromMilliseconds(int.MaxValue) + TimeSpan.FromMilliseconds(1);
        var options = Valid();
        options.Publisher.FlushTimeout = tooLong;
        options.Publisher.QueueFullTimeout = tooLong;
        options.Consumers[0].RetryMaxDelay = tooLong;
        var failures = Failures(options);
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Publisher:FlushTimeout must be at most", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Publisher:QueueFullTimeout must be at most", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:0:RetryMaxDelay must be at most", StringComparison.Ordinal));

        var longest = TimeSpan.FromMilliseconds(int.MaxValue);
        var valid = Valid();
        valid.Publisher.FlushTimeout = longest;
        valid.Publisher.QueueFullTimeout = longest;
        valid.Consumers[0].RetryMaxDelay = longest;
        Assert.Empty(Failures(valid));
    }

    [Fact]
    public void Every_option_out_of_range_fails_naming_its_key()
    {
        var options = Valid();
        options.ServiceName = " ";
        options.Publisher.DefaultTopic = "a b";
        options.Publisher.FlushTimeout = TimeSpan.FromSeconds(-1);
        options.Publisher.QueueFullTimeout = TimeSpan.FromSeconds(-1);
        var consumer = options.Consumers[0];
        consumer.LaneCapacity = 0;
        consumer.LaneCapacityBytes = 1023;
        consumer.CommitBatchSize = 0;
        consumer.CommitInterval = TimeSpan.Zero;
        consumer.RevokeDrainTimeout = TimeSpan.FromSeconds(-1);
        consumer.ShutdownDrainTimeout = TimeSpan.FromSeconds(-1);
        consumer.MaxHandlerAttempts = -1;
        consumer.RetryInitialDelay = TimeSpan.FromSeconds(-1);
        var failures = Failures(options);
        foreach (var key in new[]
        {
            "KafkaTyped:ServiceName", "KafkaTyped:Publisher:DefaultTopic", "KafkaTyped:Publisher:FlushTimeout", "KafkaTyped:Publisher:QueueFullTimeout",
            "KafkaTyped:Consumers:0:LaneCapacity", "KafkaTyped:Consumers:0:LaneCapacityBytes", "KafkaTyped:Consumers:0:CommitBatchSize", "KafkaTyped:Consumers:0:CommitInterval",
            "KafkaTyped:Consumers:0:RevokeDrainTimeout", "KafkaTyped:Consumers:0:ShutdownDrainTimeout", "KafkaTyped:Consumers:0:MaxHandlerAttempts",
            "KafkaTyped:Consumers:0:RetryInitialDelay",
        })
        {
            Assert.Contains(failures, f => f.StartsWith(key + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_consumer_failure_handling_and_concurrency_option_out_of_range_fails_naming_its_key()
    {
        var options = Valid();
        var consumer = options.Consumers[0];
        consumer.MaxConcurrency = 0;
        consumer.Ordering = (OrderingMode)42;
        consumer.RetryMaxDelay = TimeSpan.FromMilliseconds(1); // shorter than RetryInitialDelay
        consumer.MaxPayloadBytes = 0;
        consumer.DeadLetterTopic = "dead letters";
        consumer.NonRetryableExceptions.Add(" System.FormatException");
        consumer.Handlers["Billing.OrderHandler"] = new HandlerFailureOptions
        {
            MaxAttempts = -1,
            RetryInitialDelay = TimeSpan.FromSeconds(-1),
            DeadLetterTopic = "bad/topic",
            NonRetryableExceptions = { "" },
        };
        consumer.Properties["group.id"] = "other";
        var failures = Failures(options);
        foreach (var key in new[]
        {
            "KafkaTyped:Consumers:0:MaxConcurrency", "KafkaTyped:Consumers:0:Ordering", "KafkaTyped:Consumers:0:RetryInitialDelay",
            "KafkaTyped:Consumers:0:MaxPayloadBytes", "KafkaTyped:Consumers:0:DeadLetterTopic", "KafkaTyped:Consumers:0:NonRetryableExceptions:0",
            "KafkaTyped:Consumers:0:Handlers:Billing.OrderHandler:MaxAttempts", "KafkaTyped:Consumers:0:Handlers:Billing.OrderHandler:RetryInitialDelay",
            "KafkaTyped:Consumers:0:Handlers:Billing.OrderHandler:DeadLetterTopic", "KafkaTyped:Consumers:0:Handlers:Billing.OrderHandler:NonRetryableExceptions:0",
            "KafkaTyped:Consumers:0:Properties:group.id",
        })
        {
            Assert.Contains(failures, f => f.StartsWith(key + " ", StringComparison.Ordinal));
        }

        Assert.Contains(failures, f => f.Contains("KafkaTyped:Consumers:0:RetryMaxDelay must not be shorter", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("PollInterval")]
    [InlineData("RetainSent")]
    [InlineData("CleanupInterval")]
    [InlineData("RetryDelay")]
    [InlineData("BatchSize")]
    public void Each_outbox_option_out_of_range_fails_naming_its_key(string key)
    {
        var options = new OutboxOptions();
        switch (key)
        {
            case "PollInterval": options.PollInterval = TimeSpan.Zero; break;
            case "RetainSent": options.RetainSent = TimeSpan.FromSeconds(-1); break;
            case "CleanupInterval": options.CleanupInterval = TimeSpan.Zero; break;
            case "RetryDelay": options.RetryDelay = TimeSpan.Zero; break;
            default: options.BatchSize = 100_001; break;
        }

        var result = new KafkaTyped.Outbox.OutboxOptionsValidator().Validate(null, options);
        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith($"KafkaTyped:Outbox:{key} ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_option_binds_from_configuration()
    {
        // The binding code is generated at compile time (no reflection): a property it missed would keep its default here.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KafkaTyped:BootstrapServers"] = "kafka:9092",
            ["KafkaTyped:ServiceName"] = "billing-service",
            ["KafkaTyped:Properties:security.protocol"] = "ssl",
            ["KafkaTyped:Publisher:DefaultTopic"] = "events",
            ["KafkaTyped:Publisher:Properties:linger.ms"] = "20",
            ["KafkaTyped:Publisher:FlushTimeout"] = "00:00:03",
            ["KafkaTyped:Publisher:QueueFullTimeout"] = "00:00:04",
            ["KafkaTyped:Consumers:0:GroupId"] = "billing",
            ["KafkaTyped:Consumers:0:Topics:0"] = "orders",
            ["KafkaTyped:Consumers:0:Properties:fetch.wait.max.ms"] = "50",
            ["KafkaTyped:Consumers:0:LaneCapacity"] = "7",
            ["KafkaTyped:Consumers:0:CommitInterval"] = "00:00:05",
            ["KafkaTyped:Consumers:0:CommitBatchSize"] = "8",
            ["KafkaTyped:Consumers:0:RevokeDrainTimeout"] = "00:00:06",
            ["KafkaTyped:Consumers:0:ShutdownDrainTimeout"] = "00:00:09",
            ["KafkaTyped:Consumers:0:MaxHandlerAttempts"] = "3",
            ["KafkaTyped:Consumers:0:RetryInitialDelay"] = "00:00:00.100",
            ["KafkaTyped:Consumers:0:RetryMaxDelay"] = "00:00:02",
            ["KafkaTyped:Consumers:1:GroupId"] = "audit",
            ["KafkaTyped:Consumers:1:Topics:0"] = "payments",
        }).Build();

        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddKafkaTyped();
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;

        Assert.Equal(("kafka:9092", "billing-service", "ssl"), (options.BootstrapServers, options.ServiceName, options.Properties["security.protocol"]));
        Assert.Equal(("events", "20"), (options.Publisher.DefaultTopic, options.Publisher.Properties["linger.ms"]));
        Assert.Equal((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)), (options.Publisher.FlushTimeout, options.Publisher.QueueFullTimeout));
        Assert.Equal(2, options.Consumers.Count);
        var billing = options.Consumers[0];
        Assert.Equal(("billing", "orders", "50"), (billing.GroupId, Assert.Single(billing.Topics), billing.Properties["fetch.wait.max.ms"]));
        Assert.Equal((7, 8, 3), (billing.LaneCapacity, billing.CommitBatchSize, billing.MaxHandlerAttempts));
        Assert.Equal(
            (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(9), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)),
            (billing.CommitInterval, billing.RevokeDrainTimeout, billing.ShutdownDrainTimeout, billing.RetryInitialDelay, billing.RetryMaxDelay));
        Assert.Equal(("audit", "payments"), (options.Consumers[1].GroupId, Assert.Single(options.Consumers[1].Topics)));
    }
}
