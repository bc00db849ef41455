using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// The service collection KafkaTyped was added to, kept so that start-up can read the lifetime each handler was
/// registered with (a route whose handlers are all singletons is dispatched without a DI scope).
/// </summary>
internal sealed class HandlerRegistrations(IServiceCollection services)
{
    /// <summary>The lifetime of the registration that resolves <paramref name="serviceType"/> (the last one), or <see langword="null"/> when none.</summary>
    public ServiceLifetime? FindLifetime(Type serviceType)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == serviceType && !descriptor.IsKeyedService)
            {
                return descriptor.Lifetime;
            }
        }

        return null;
    }
}
