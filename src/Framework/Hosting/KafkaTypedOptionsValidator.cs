using System.Globalization;
using KafkaTyped.Shared;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Hosting;

/// <summary>Validates <see cref="KafkaTypedOptions"/> at start-up; every message names the configuration key at fault.</summary>
internal sealed class KafkaTypedOptionsValidator : IValidateOptions<KafkaTypedOptions>
{
    private const string Section = KafkaTypedOptions.SectionName;

    /// <summary>
    /// The longest timeout or delay an option may have: Confluent.Kafka converts a timeout to int milliseconds (checked),
    /// and <see cref="Task.Delay(TimeSpan, TimeProvider)"/> refuses about 49 days and more (retry delays get +20% jitter).
    /// </summary>
    private static readonly TimeSpan s_maxTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>librdkafka's range of <c>auto.commit.interval.ms</c> that keeps background commits on (0 switches them off).</summary>
    private static readonly TimeSpan s_minCommitInterval = TimeSpan.FromMilliseconds(1), s_maxCommitInterval = TimeSpan.FromDays(1);

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

        if (!Enum.IsDefined(publisher.CloudEventsAttributes))
        {
            failures.Add($"{Section}:Publisher:CloudEventsAttributes must be All or Required, not '{publisher.CloudEventsAttributes}'.");
        }

        if (publisher.FlushTimeout < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Publisher:FlushTimeout must not be negative.");
        }

        if (publisher.QueueFullTimeout < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Publisher:QueueFullTimeout must not be negative.");
        }

        CheckMaxTimeout($"{Section}:Publisher:FlushTimeout", publisher.FlushTimeout, failures);
        CheckMaxTimeout($"{Section}:Publisher:QueueFullTimeout", publisher.QueueFullTimeout, failures);
        ValidateTransactions(options, failures);

        ValidateForcedConsumerProperties($"{Section}:Properties", options.Properties, failures);
        ValidateProducerGuarantees($"{Section}:Properties", options.Properties, failures);
        ValidateProducerGuarantees($"{Section}:Publisher:Properties", options.Publisher.Properties, failures);

        var groups = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Consumers.Count; i++)
        {
            var path = ConsumerPath(options, i);
            ValidateConsumer(path, options.Consumers[i], groups, failures);
            ValidateConsumerProperties(path, options, options.Consumers[i], failures);
        }

        ValidatePropertyNames(options, failures);

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

        if (consumer.LaneCapacityBytes < 1024)
        {
            failures.Add($"{path}:LaneCapacityBytes must be at least 1024.");
        }

        if (consumer.MaxConcurrency is < 1 or > 4096)
        {
            failures.Add($"{path}:MaxConcurrency must be between 1 and 4096.");
        }

        if (consumer.Ordering is { } ordering && !Enum.IsDefined(ordering))
        {
            failures.Add($"{path}:Ordering must be Partition, Key or None (was {(int)ordering}).");
        }

        if (consumer.CommitBatchSize < 1)
        {
            failures.Add($"{path}:CommitBatchSize must be at least 1.");
        }

        // It becomes auto.commit.interval.ms in whole milliseconds: under 1 ms that is 0, which switches commits off.
        if (consumer.CommitInterval < s_minCommitInterval || consumer.CommitInterval > s_maxCommitInterval)
        {
            failures.Add($"{path}:CommitInterval must be between 1 ms and 1 day (librdkafka's auto.commit.interval.ms); it is {consumer.CommitInterval:c}.");
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

        CheckMaxTimeout($"{path}:RetryMaxDelay", consumer.RetryMaxDelay, failures);
        ValidateFailureHandling(path, consumer, failures);

        ValidateForcedConsumerProperties($"{path}:Properties", consumer.Properties, failures);
        if (consumer.Properties.ContainsKey("group.id"))
        {
            failures.Add($"{path}:Properties:group.id must not be set; use {path}:GroupId.");
        }
    }

    /// <summary>The transactional publisher's settings and those of exactly-once groups (docs/exactly-once.md).</summary>
    private static void ValidateTransactions(KafkaTypedOptions options, List<string> failures)
    {
        var publisher = options.Publisher;
        if (publisher.TransactionalId is { } id && (string.IsNullOrWhiteSpace(id) || id.Length > 200))
        {
            failures.Add($"{Section}:Publisher:TransactionalId must be 1 to 200 characters, not blank.");
        }

        if (publisher.TransactionTimeout < TimeSpan.FromSeconds(1) || publisher.TransactionTimeout > TimeSpan.FromMinutes(15))
        {
            failures.Add($"{Section}:Publisher:TransactionTimeout must be between 1 second and 15 minutes (transaction.timeout.ms); it is {publisher.TransactionTimeout:c}.");
        }

        foreach (var properties in new[] { ($"{Section}:Properties", options.Properties), ($"{Section}:Publisher:Properties", publisher.Properties) })
        {
            foreach (var key in (string[])["transactional.id", "transaction.timeout.ms"])
            {
                if (properties.Item2.ContainsKey(key))
                {
                    failures.Add($"{properties.Item1}:{key} must not be set: the service's publisher is idempotent, not transactional; use {Section}:Publisher:{(key == "transactional.id" ? "TransactionalId" : "TransactionTimeout")}.");
                }
            }
        }

        for (var i = 0; i < options.Consumers.Count; i++)
        {
            var consumer = options.Consumers[i];
            var path = ConsumerPath(options, i);
            if (!consumer.ExactlyOnce)
            {
                continue;
            }

            if (consumer.TransactionBatchSize < 1 || consumer.TransactionBatchSize > 100_000)
            {
                failures.Add($"{path}:TransactionBatchSize must be between 1 and 100000.");
            }

            if (consumer.TransactionInterval < TimeSpan.FromMilliseconds(1) || consumer.TransactionInterval >= publisher.TransactionTimeout)
            {
                failures.Add($"{path}:TransactionInterval must be at least 1 ms and shorter than {Section}:Publisher:TransactionTimeout ({publisher.TransactionTimeout:c}); it is {consumer.TransactionInterval:c}.");
            }

            // The poll thread waits up to half the transaction timeout for a batch's records before it commits.
            if (ClientConfigFactory.MaxPollInterval(options, consumer) is { } maxPollInterval && publisher.TransactionTimeout / 2 >= maxPollInterval)
            {
                failures.Add($"{Section}:Publisher:TransactionTimeout ({publisher.TransactionTimeout:c}) must be less than twice max.poll.interval.ms ({maxPollInterval.TotalMilliseconds} ms) of the exactly-once group {path}: a commit waits up to half of it for the records of its batch, without polling.");
            }

            foreach (var key in (string[])["isolation.level", "transactional.id"])
            {
                if (ClientConfigFactory.UserProperty(options, consumer, path, key) is { } set && !(key == "isolation.level" && set.Value == "read_committed"))
                {
                    failures.Add($"{set.Key} must not be set to '{set.Value}' in an exactly-once group ({path}:ExactlyOnce): KafkaTyped reads read_committed and gives each member its own transactional producer.");
                }
            }
        }
    }

    /// <summary>Every librdkafka property key must be one librdkafka knows, and one the client it is given to uses.</summary>
    private static void ValidatePropertyNames(KafkaTypedOptions options, List<string> failures)
    {
        var plugins = options.Properties.ContainsKey(LibrdkafkaPropertyNames.PluginLibraryPaths);
        LibrdkafkaPropertyNames.Validate($"{Section}:Properties", options.Properties, PropertyRole.Both, plugins, failures);
        var publisher = options.Publisher.Properties;
        LibrdkafkaPropertyNames.Validate($"{Section}:Publisher:Properties", publisher, PropertyRole.Producer, plugins || publisher.ContainsKey(LibrdkafkaPropertyNames.PluginLibraryPaths), failures);
        for (var i = 0; i < options.Consumers.Count; i++)
        {
            var consumer = options.Consumers[i].Properties;
            LibrdkafkaPropertyNames.Validate($"{ConsumerPath(options, i)}:Properties", consumer, PropertyRole.Consumer, plugins || consumer.ContainsKey(LibrdkafkaPropertyNames.PluginLibraryPaths), failures);
        }
    }

    // Where a group's settings come from: its index in the list, or the AddConsumer call that added or configured it.
    private static string ConsumerPath(KafkaTypedOptions options, int index)
    {
        var listed = $"{Section}:Consumers:{index}";
        return options.Consumers[index].GroupId is { } groupId && options.AddedConsumers.TryGetValue(groupId, out var added)
            ? added ? $"AddConsumer(\"{groupId}\")" : $"AddConsumer(\"{groupId}\") over {listed}"
            : listed;
    }

    /// <summary>
    /// Producer settings that would silently weaken what a publish promises are refused: an acknowledged record
    /// survives the loss of its leader (acks=all), retries neither duplicate nor reorder (idempotence), and every record
    /// gets a delivery report (without one an awaited publish never completes and a failed batched one is never reported).
    /// </summary>
    private static void ValidateProducerGuarantees(string path, Dictionary<string, string> properties, List<string> failures)
    {
        foreach (var key in (ReadOnlySpan<string>)["acks", "request.required.acks"])
        {
            if (properties.TryGetValue(key, out var acks) && acks.Trim() is not ("all" or "-1"))
            {
                failures.Add($"{path}:{key} '{acks}' is refused: only acks=all keeps an acknowledged record when its partition leader is lost.");
            }
        }

        if (properties.TryGetValue("enable.idempotence", out var idempotence) && !string.Equals(idempotence.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{path}:enable.idempotence '{idempotence}' is refused: without idempotence a retried batch can be duplicated or reordered.");
        }

        foreach (var key in (ReadOnlySpan<string>)["dotnet.producer.enable.delivery.reports", "dotnet.producer.enable.background.poll"])
        {
            if (properties.TryGetValue(key, out var enabled) && !string.Equals(enabled.Trim(), "true", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{path}:{key} '{enabled}' is refused: the publisher needs every delivery report, served in the background, to complete PublishAsync and report failed Publish calls.");
            }
        }
    }

    /// <summary>The one rule for the properties KafkaTyped forces: configuring another value is refused, naming the key.</summary>
    private static void ValidateForcedConsumerProperties(string path, Dictionary<string, string> properties, List<string> failures)
    {
        foreach (var forced in ClientConfigFactory.ConsumerForced)
        {
            if (properties.TryGetValue(forced.Key, out var configured) && !string.Equals(configured.Trim(), forced.Value, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{path}:{forced.Key} must be {forced.Value}: {forced.Reason}");
            }
        }
    }

    /// <summary>
    /// Checks a consumer's librdkafka properties as the consumer gets them (its own win over the common ones): keys its
    /// group protocol forbids, and values that would silently stall it. Each failure names the key where it was set.
    /// </summary>
    private static void ValidateConsumerProperties(string path, KafkaTypedOptions options, ConsumerOptions consumer, List<string> failures)
    {
        if (ClientConfigFactory.UserProperty(options, consumer, path, ClientConfigFactory.CommitIntervalProperty) is { } interval)
        {
            AddOnce(failures, $"{interval.Key} must not be set: it is {path}:CommitInterval.");
        }

        if (ClientConfigFactory.UsesConsumerProtocol(options, consumer))
        {
            foreach (var key in ClientConfigFactory.ConsumerProtocolForbidden)
            {
                if (ClientConfigFactory.UserProperty(options, consumer, path, key) is { } set)
                {
                    AddOnce(failures, $"{set.Key} must not be set with group.protocol=consumer (KIP-848): the broker decides it, and librdkafka refuses it under that protocol.");
                }
            }
        }

        if (ClientConfigFactory.UserProperty(options, consumer, path, "auto.offset.reset") is { } reset
            && string.Equals(reset.Value.Trim(), "error", StringComparison.OrdinalIgnoreCase))
        {
            AddOnce(failures, $"{reset.Key}=error is refused: a partition without a committed offset would raise a consume error instead of being read, so a new group would handle nothing. Use earliest (the default) or latest.");
        }

        if (ClientConfigFactory.MaxPollInterval(options, consumer) is not { } maxPollInterval)
        {
            return; // librdkafka refuses the value at start-up, naming it
        }

        // The poll thread does not poll while it drains; a drain longer than max.poll.interval.ms gets the member removed
        // from the group, so the commit after the drain is refused and everything drained is handled again.
        CheckDrainTimeout($"{path}:ShutdownDrainTimeout", consumer.ShutdownDrainTimeout, maxPollInterval, failures);
        CheckDrainTimeout($"{path}:RevokeDrainTimeout", consumer.RevokeDrainTimeout, maxPollInterval, failures);
    }

    private static void CheckDrainTimeout(string key, TimeSpan drainTimeout, TimeSpan maxPollInterval, List<string> failures)
    {
        if (drainTimeout >= maxPollInterval)
        {
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{key} ({drainTimeout:c}) must be shorter than max.poll.interval.ms ({maxPollInterval.TotalMilliseconds} ms): the consumer does not poll while it drains, so a longer drain removes it from its group and the commit after the drain is refused."));
        }
    }

    private static void CheckMaxTimeout(string key, TimeSpan timeout, List<string> failures)
    {
        if (timeout > s_maxTimeout)
        {
            failures.Add($"{key} must be at most {s_maxTimeout:c} (int.MaxValue milliseconds); it is {timeout:c}.");
        }
    }

    private static void AddOnce(List<string> failures, string failure)
    {
        if (!failures.Contains(failure))
        {
            failures.Add(failure);
        }
    }

    private static bool HasValue(Dictionary<string, string> properties, string key)
        => properties.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value);

    // Dead-letter topics, payload limit and per-handler overrides (docs/failures.md).
    private static void ValidateFailureHandling(string path, ConsumerOptions consumer, List<string> failures)
    {
        if (consumer.MaxPayloadBytes <= 0)
        {
            failures.Add($"{path}:MaxPayloadBytes must be positive.");
        }

        if (consumer.DeadLetterTopic is { } topic && KafkaNames.ValidateTopic(topic) is { } problem)
        {
            failures.Add($"{path}:DeadLetterTopic '{topic}' is not a valid Kafka topic name: {problem}; leave it unset for <topic>.dlq.");
        }

        ValidateExceptionNames($"{path}:NonRetryableExceptions", consumer.NonRetryableExceptions, failures);
        foreach (var (handler, own) in consumer.Handlers)
        {
            var handlerPath = $"{path}:Handlers:{handler}";
            ValidateExceptionNames($"{handlerPath}:NonRetryableExceptions", own.NonRetryableExceptions, failures);
            if (own.MaxAttempts < 0)
            {
                failures.Add($"{handlerPath}:MaxAttempts must be 0 (retry until success) or positive.");
            }

            var initial = own.RetryInitialDelay ?? consumer.RetryInitialDelay;
            if (initial < TimeSpan.Zero || (own.RetryMaxDelay ?? consumer.RetryMaxDelay) < initial)
            {
                failures.Add($"{handlerPath}:RetryInitialDelay must not be negative and {handlerPath}:RetryMaxDelay must not be shorter than it.");
            }

            if (own.DeadLetterTopic is { } handlerTopic && KafkaNames.ValidateTopic(handlerTopic) is { } handlerProblem)
            {
                failures.Add($"{handlerPath}:DeadLetterTopic '{handlerTopic}' is not a valid Kafka topic name: {handlerProblem}.");
            }
        }
    }

    // Full type names, matched by name against an exception's type and its base types (no type is loaded by name).
    private static void ValidateExceptionNames(string path, List<string> names, List<string> failures)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]) || names[i].Trim() != names[i])
            {
                failures.Add($"{path}:{i} '{names[i]}' is not a type name; give the exception's full name, for example System.FormatException.");
            }
        }
    }
}
