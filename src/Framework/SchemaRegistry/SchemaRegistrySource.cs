using KafkaTyped.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KafkaTyped.SchemaRegistry;

/// <summary>
/// The registry the publisher and the consumers use: one registered with <c>AddSchemaRegistry</c>, else a
/// <see cref="SchemaRegistryClient"/> made from <c>KafkaTyped:SchemaRegistry</c> when its URL is set, else none.
/// </summary>
internal sealed class SchemaRegistrySource(ISchemaRegistry? registry) : IDisposable
{
    private readonly bool _owns = registry is SchemaRegistryClient;

    public ISchemaRegistry? Registry { get; } = registry;

    public static SchemaRegistrySource Create(IServiceProvider services)
    {
        var configured = services.GetService<ISchemaRegistry>();
        if (configured is not null)
        {
            return new SchemaRegistrySource(configured) { };
        }

        var options = services.GetRequiredService<IOptions<KafkaTypedOptions>>().Value.SchemaRegistry;
        return new SchemaRegistrySource(options.Url is { Length: > 0 } ? new SchemaRegistryClient(options) : null);
    }

    public static ISchemaRegistry? Resolve(IServiceProvider services)
        => services.GetService<SchemaRegistrySource>()?.Registry ?? services.GetService<ISchemaRegistry>();

    public void Dispose()
    {
        if (_owns && Registry is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}

/// <summary>Avro schemas registered before the host starts, so that an unreachable registry or an incompatible schema stops the start.</summary>
internal sealed class AvroStartupRegistrations
{
    public List<Func<IServiceProvider, CancellationToken, ValueTask>> Registrations { get; } = [];
}

/// <summary>
/// At start-up: checks that a configured registry answers, and registers the schemas declared with
/// <c>RegisterAvroSchema&lt;T&gt;()</c>; either failing stops the host with the registry's message.
/// </summary>
internal sealed class SchemaRegistryStartupService(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var registry = SchemaRegistry.SchemaRegistrySource.Resolve(services);
        try
        {
            if (registry is SchemaRegistryClient client)
            {
                await client.CheckReachableAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var registration in services.GetService<AvroStartupRegistrations>()?.Registrations ?? [])
            {
                await registration(services, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SchemaRegistryException ex)
        {
            throw new InvalidOperationException($"KafkaTyped:SchemaRegistry: {ex.Message}", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
