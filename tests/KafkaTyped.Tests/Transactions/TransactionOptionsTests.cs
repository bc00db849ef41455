using KafkaTyped.Hosting;
using KafkaTyped.Tests.Hosting;

namespace KafkaTyped.Tests.Transactions;

/// <summary>The settings of the transactional publisher and of exactly-once groups: validated at start-up, each failure naming the setting.</summary>
public sealed class TransactionOptionsTests
{
    [Fact]
    public void Valid_transaction_settings_pass()
    {
        var options = OptionsTests.Valid();
        options.Publisher.TransactionalId = "orders-1";
        options.Consumers[0].ExactlyOnce = true;
        Assert.Empty(OptionsTests.Failures(options));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("")]
    public void A_blank_transactional_id_names_the_setting(string id)
    {
        var options = OptionsTests.Valid();
        options.Publisher.TransactionalId = id;
        Assert.Contains(OptionsTests.Failures(options), f => f.StartsWith("KafkaTyped:Publisher:TransactionalId", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(901)]
    public void A_transaction_timeout_out_of_range_names_the_setting(double seconds)
    {
        var options = OptionsTests.Valid();
        options.Publisher.TransactionTimeout = TimeSpan.FromSeconds(seconds);
        Assert.Contains(OptionsTests.Failures(options), f => f.StartsWith("KafkaTyped:Publisher:TransactionTimeout must be between", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("transactional.id", "TransactionalId")]
    [InlineData("transaction.timeout.ms", "TransactionTimeout")]
    public void Transaction_properties_of_the_idempotent_publisher_are_refused_for_the_option(string property, string option)
    {
        var options = OptionsTests.Valid();
        options.Publisher.Properties[property] = "x";
        Assert.Contains(OptionsTests.Failures(options), f => f.StartsWith($"KafkaTyped:Publisher:Properties:{property} must not be set", StringComparison.Ordinal) && f.Contains($"KafkaTyped:Publisher:{option}", StringComparison.Ordinal));
    }

    [Fact]
    public void Batch_settings_of_an_exactly_once_group_are_validated()
    {
        var options = OptionsTests.Valid();
        var group = options.Consumers[0];
        group.ExactlyOnce = true;
        group.TransactionBatchSize = 0;
        group.TransactionInterval = TimeSpan.FromMinutes(2); // longer than the 60 s transaction timeout
        var failures = OptionsTests.Failures(options);
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:0:TransactionBatchSize must be between 1 and 100000", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KafkaTyped:Consumers:0:TransactionInterval must be at least 1 ms and shorter than KafkaTyped:Publisher:TransactionTimeout", StringComparison.Ordinal));

        group.ExactlyOnce = false; // not checked for a group that does not use them
        Assert.Empty(OptionsTests.Failures(options));
    }

    [Fact]
    public void A_transaction_timeout_whose_half_reaches_max_poll_interval_is_refused_for_an_exactly_once_group()
    {
        var options = OptionsTests.Valid();
        var group = options.Consumers[0];
        group.ExactlyOnce = true;
        group.Properties["max.poll.interval.ms"] = "60000";
        options.Publisher.TransactionTimeout = TimeSpan.FromMinutes(2);
        Assert.Contains(OptionsTests.Failures(options), f => f.StartsWith("KafkaTyped:Publisher:TransactionTimeout (00:02:00) must be less than twice max.poll.interval.ms", StringComparison.Ordinal));

        options.Publisher.TransactionTimeout = TimeSpan.FromSeconds(90);
        Assert.Empty(OptionsTests.Failures(options));
    }

    [Fact]
    public void An_exactly_once_group_refuses_read_uncommitted_and_reads_committed_without_auto_commit()
    {
        var options = OptionsTests.Valid();
        var group = options.Consumers[0];
        group.ExactlyOnce = true;
        group.Properties["isolation.level"] = "read_uncommitted";
        Assert.Contains(OptionsTests.Failures(options), f => f.StartsWith("KafkaTyped:Consumers:0:Properties:isolation.level must not be set to 'read_uncommitted' in an exactly-once group", StringComparison.Ordinal));

        group.Properties.Remove("isolation.level");
        var config = ClientConfigFactory.CreateConsumerConfig(options, group, "svc");
        Assert.Equal("read_committed", config.Get("isolation.level"));
        Assert.Equal("false", config.Get("enable.auto.commit"));

        group.ExactlyOnce = false;
        Assert.Equal("true", ClientConfigFactory.CreateConsumerConfig(options, group, "svc").Get("enable.auto.commit"));
    }

    [Fact]
    public void The_transactional_producer_config_carries_the_id_and_the_timeout()
    {
        var options = OptionsTests.Valid();
        options.Publisher.TransactionTimeout = TimeSpan.FromSeconds(30);
        var config = ClientConfigFactory.CreateTransactionalProducerConfig(options, "svc", "svc-orders-1");
        Assert.Equal("svc-orders-1", config.Get("transactional.id"));
        Assert.Equal("30000", config.Get("transaction.timeout.ms"));
        Assert.Equal("all", config.Get("acks"));
    }
}
