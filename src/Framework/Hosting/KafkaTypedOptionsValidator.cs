using KafkaTyped.Shared;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Hosting;

/// <summary>Validates <see cref="KafkaTypedOptions"/> at start-up; every message names the configuration key at fault.</summary>
internal sealed class KafkaTypedOptionsValidator : IValidateOptions<KafkaTypedOptions>
{
    private const string Section = KafkaTypedOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KafkaTypedOptions options)
    {
        var failures = new List<string>();

        var hasBootstrap = !string.IsNullOrWhiteSpace(options.BootstrapServers)
            || HasValue(options.Properties, "bootstrap.servers")
            || (HasValue(options.Publisher.Properties, "bootstrap.servers") && options.Consumers.TrueForAll(c => HasValue(c.Properties, "bootstrap.servers")));
        if (!hasBootstrap)
        {
            failures.Add($"{Section}:BootstrapServers is required (or set bootstrap.servers in {Section}:Properties).");
        }

        if (options.ServiceName is { } serviceName && string.IsNullOrWhiteSpace(serviceName))
        {
            failures.Add($"{Section}:ServiceName must not be blank; omit it to use the application name.");
        }

        var publisher = options.Publisher;
        if (publisher.DefaultTopic is { } topic && KafkaNames.ValidateTopic(topic) is { } topicProblem)
        {
            failures.Add($"{Section}:Publisher:DefaultTopic '{topic}' is not a valid Kafka topic name: {topicProblem}.");
        }

        if (publisher.FlushTimeout < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Publisher:FlushTimeout must not be negative.");
        }

        if (publisher.QueueFullTimeout < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Publisher:QueueFullTimeout must not be negative.");
        }

        foreach (var (key, value) in ClientConfigFactory.ConsumerForced)
        {
            if (options.Properties.TryGetValue(key, out var configured) && !string.Equals(configured, value, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{Section}:Properties:{key} must be {value}: KafkaTyped commits offsets itself, only after handling.");
            }
        }

        var groups = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Consumers.Count; i++)
        {
            ValidateConsumer($"{Section}:Consumers:{i}", options.Consumers[i], groups, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateConsumer(string path, ConsumerOptions consumer, HashSet<string> groups, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(consumer.GroupId))
        {
            failures.Add($"{path}:GroupId is required.");
        }
        else if (!groups.Add(consumer.GroupId))
        {
            failures.Add($"{path}:GroupId '{consumer.GroupId}' is configured twice; a group is run by one consumer.");
        }

        if (consumer.Topics.Count == 0)
        {
            failures.Add($"{path}:Topics must name at least one topic.");
        }

        for (var t = 0; t < consumer.Topics.Count; t++)
        {
            if (KafkaNames.ValidateTopic(consumer.Topics[t]) is { } topicProblem)
            {
                failures.Add($"{path}:Topics:{t} '{consumer.Topics[t]}' is not a valid Kafka topic name: {topicProblem}.");
            }
        }

        if (consumer.LaneCapacity < 1)
        {
            failures.Add($"{path}:LaneCapacity must be at least 1.");
        }

        if (consumer.CommitBatchSize < 1)
        {
            failures.Add($"{path}:CommitBatchSize must be at least 1.");
        }

        if (consumer.CommitInterval <= TimeSpan.Zero)
        {
            failures.Add($"{path}:CommitInterval must be positive.");
        }

        if (consumer.RevokeDrainTimeout < TimeSpan.Zero)
        {
            failures.Add($"{path}:RevokeDrainTimeout must not be negative.");
        }

        if (consumer.ShutdownDrainTimeout < TimeSpan.Zero)
        {
            failures.Add($"{path}:ShutdownDrainTimeout must not be negative.");
        }

        if (consumer.MaxHandlerAttempts < 0)
        {
            failures.Add($"{path}:MaxHandlerAttempts must be 0 (retry until success) or positive.");
        }

        if (consumer.RetryInitialDelay < TimeSpan.Zero || consumer.RetryMaxDelay < consumer.RetryInitialDelay)
        {
            failures.Add($"{path}:RetryInitialDelay must not be negative and {path}:RetryMaxDelay must not be shorter than it.");
        }

        foreach (var (key, value) in ClientConfigFactory.ConsumerForced)
        {
            if (consumer.Properties.TryGetValue(key, out var configured) && !string.Equals(configured, value, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{path}:Properties:{key} must be {value}: KafkaTyped commits offsets itself, only after handling.");
            }
        }

        if (consumer.Properties.ContainsKey("group.id"))
        {
            failures.Add($"{path}:Properties:group.id must not be set; use {path}:GroupId.");
        }
    }

    private static bool HasValue(Dictionary<string, string> properties, string key)
        => properties.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value);
}
