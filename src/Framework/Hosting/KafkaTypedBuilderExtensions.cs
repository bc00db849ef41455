using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped;

/// <summary>Declares consumer groups in code on the builder returned by <c>AddKafkaTyped</c>.</summary>
public static class KafkaTypedBuilderExtensions
{
    /// <summary>
    /// Runs the consumer group <paramref name="groupId"/>, configured in code. When <c>KafkaTyped:Consumers</c> (or
    /// code that adds to <see cref="KafkaTypedOptions.Consumers"/>) already has a group with this id,
    /// <paramref name="configure"/> runs on that group, on top of its configured values; otherwise a new group with
    /// default options is added. Calls for the same group apply in order. The group is validated at start-up like a
    /// configured one; its errors name it, for example <c>AddConsumer("billing"):Topics must name at least one topic.</c>
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="groupId">The consumer group id (<see cref="ConsumerOptions.GroupId"/>); <paramref name="configure"/> must not change it.</param>
    /// <param name="configure">Configures the group: topics, properties, lane and commit settings.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="groupId"/> is null, empty or white space.</exception>
    /// <example>
    /// <code>
    /// services.AddKafkaTyped()
    ///     .AddConsumer("billing", o => { o.Topics.Add("orders"); o.LaneCapacity = 200; })
    ///     .AddGeneratedHandlers();
    /// </code>
    /// </example>
    public static IKafkaTypedBuilder AddConsumer(this IKafkaTypedBuilder builder, string groupId, Action<ConsumerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(configure);

        // Registered after the configuration binding (AddKafkaTyped registers that first), so code configures on top.
        builder.Services.Configure<KafkaTypedOptions>(options => ConfigureConsumer(options, groupId, configure));
        return builder;
    }

    private static void ConfigureConsumer(KafkaTypedOptions options, string groupId, Action<ConsumerOptions> configure)
    {
        var consumer = options.Consumers.Find(c => string.Equals(c.GroupId, groupId, StringComparison.Ordinal));
        if (consumer is null)
        {
            consumer = new ConsumerOptions { GroupId = groupId };
            options.Consumers.Add(consumer);
            options.AddedConsumers[groupId] = true;
        }
        else
        {
            options.AddedConsumers.TryAdd(groupId, false);
        }

        configure(consumer);
        if (!string.Equals(consumer.GroupId, groupId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"AddConsumer(\"{groupId}\") changed GroupId to '{consumer.GroupId}'; a group added with AddConsumer keeps the id it was added with.");
        }
    }
}
