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
}
