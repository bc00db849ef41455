using KafkaTyped.Hosting;
using KafkaTyped.Outbox;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KafkaTyped;

/// <summary>Adds the transactional outbox to KafkaTyped.</summary>
public static class OutboxBuilderExtensions
{
    /// <summary>
    /// Adds the transactional outbox over <paramref name="store"/>: the <see cref="IOutbox"/> singleton and the relay
    /// hosted service that publishes what it holds. The storage packages call this
    /// (<c>AddSqliteOutbox</c>, <c>AddPostgreSqlOutbox</c>); call it yourself for a store of your own. Options are bound
    /// from <c>KafkaTyped:Outbox</c>, then <paramref name="configure"/> runs; they are validated at start-up.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="store">Creates the store (a singleton).</param>
    /// <param name="configure">Configures the relay.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="InvalidOperationException">An outbox was already added.</exception>
    public static IKafkaTypedBuilder AddOutbox(this IKafkaTypedBuilder builder, Func<IServiceProvider, IOutboxStore> store, Action<OutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        var services = builder.Services;
        if (services.Any(static d => d.ServiceType == typeof(IOutboxStore)))
        {
            throw new InvalidOperationException("An outbox was already added; a service has one outbox (one IOutboxStore).");
        }

        var optionsBuilder = services.AddOptions<OutboxOptions>().ValidateOnStart();
        optionsBuilder.Configure<IServiceProvider>(static (options, sp) =>
        {
            if (sp.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(OutboxOptions.SectionName).Bind(options);
            }
        });
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>());
        services.AddSingleton(store);
        services.AddSingleton<IOutbox>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
            var records = new KafkaMessagePublisher(sp.GetRequiredService<RecordProducer>(), options, ServiceName.Resolve(options, sp), Clock(sp), KafkaTyped.SchemaRegistry.SchemaRegistrySource.Resolve(sp));
            return new KafkaOutbox(records, sp.GetRequiredService<IOutboxStore>());
        });
        services.AddSingleton(static sp => new OutboxRelayStatus(Clock(sp)));
        services.AddSingleton<IHostedService>(static sp => new OutboxRelay(
            sp.GetRequiredService<IOutboxStore>(),
            sp.GetRequiredService<RecordProducer>(),
            sp.GetRequiredService<IOptions<OutboxOptions>>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<OutboxRelay>(),
            Clock(sp),
            sp.GetRequiredService<OutboxRelayStatus>()));
        return builder;
    }

    private static TimeProvider Clock(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;
}
