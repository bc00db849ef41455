using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KafkaTyped.Hosting;

/// <summary>The <see cref="IKafkaTypedBuilder"/> returned by <c>AddKafkaTyped</c>.</summary>
internal sealed class KafkaTypedBuilder(IServiceCollection services) : IKafkaTypedBuilder
{
    public IServiceCollection Services { get; } = services;

    public IKafkaTypedBuilder AddRouteTable(IMessageRouteTable routeTable)
    {
        ArgumentNullException.ThrowIfNull(routeTable);

        // One registration per table type: calling the generated registration twice adds its table once.
        Services.TryAddEnumerable(ServiceDescriptor.Singleton(routeTable));
        return this;
    }

    public IKafkaTypedBuilder AddConsumer(string groupId, Action<ConsumerOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(configure);

        // Registered after the configuration binding (AddKafkaTyped registers that first), so code configures on top.
        Services.Configure<KafkaTypedOptions>(options => ConfigureConsumer(options, groupId, configure));
        return this;
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
