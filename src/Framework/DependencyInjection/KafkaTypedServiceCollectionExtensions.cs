using KafkaTyped.Diagnostics;
using KafkaTyped;
using KafkaTyped.Consuming;
using KafkaTyped.Hosting;
using KafkaTyped.Publishing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers KafkaTyped on a service collection.</summary>
public static class KafkaTypedServiceCollectionExtensions
{
    /// <summary>
    /// Adds KafkaTyped: the <see cref="IMessagePublisher"/> singleton and the hosted service that runs the consumer
    /// groups of <see cref="KafkaTypedOptions.Consumers"/>. Options are bound from the configuration section
    /// <c>"KafkaTyped"</c>, then <paramref name="configure"/> runs, then they are validated when the host starts
    /// (every error names its setting, for example <c>KafkaTyped:BootstrapServers is required</c>). KafkaTyped's clock
    /// (<c>ce_time</c>, commit intervals, retry delays) is the <see cref="TimeProvider"/> the application registers, else
    /// <see cref="TimeProvider.System"/>; none is added to the service collection.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options in code, after configuration binding.</param>
    /// <returns>A builder; call the generated <c>AddGeneratedHandlers()</c> on it to register handlers and routes.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddKafkaTyped(o => o.Consumers.Add(new() { GroupId = "orders", Topics = { "orders" } }))
    ///     .AddGeneratedHandlers();
    /// </code>
    /// </example>
    public static IKafkaTypedBuilder AddKafkaTyped(this IServiceCollection services, Action<KafkaTypedOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<KafkaTypedOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KafkaTypedOptions>, KafkaTypedConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaTypedOptions>, KafkaTypedOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(new HandlerRegistrations(services));
        services.TryAddSingleton(static sp => RouteRegistry.Create(sp.GetServices<KafkaTyped.Routing.IMessageRouteTable>(), sp.GetRequiredService<HandlerRegistrations>(), sp));
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
            return new RecordProducer(
                options,
                ServiceName.Resolve(options, sp),
                sp.GetServices<IDeliveryFailureHandler>(),
                (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<KafkaMessagePublisher>(),
                Clock(sp),
                sp.GetService<IHostApplicationLifetime>() is { } lifetime ? lifetime.StopApplication : null);
        });
        services.TryAddSingleton<IDeduplicationStore>(static sp => new InMemoryDeduplicationStore(timeProvider: Clock(sp)));
        services.TryAddScoped<InboxScope>();
        services.TryAddScoped<IInbox>(static sp =>
        {
            var inbox = sp.GetRequiredService<InboxScope>();
            inbox.Require();
            return inbox;
        });
        services.TryAddSingleton(static sp => new SecretRedactor(sp.GetRequiredService<IOptions<KafkaTypedOptions>>().Value));
        services.TryAddSingleton<IDeadLetterSink>(static sp => new KafkaDeadLetterSink(sp.GetRequiredService<RecordProducer>(), sp.GetRequiredService<SecretRedactor>()));
        services.TryAddSingleton<IMessagePublisher>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
            return new KafkaMessagePublisher(sp.GetRequiredService<RecordProducer>(), options, ServiceName.Resolve(options, sp), Clock(sp), KafkaTyped.SchemaRegistry.SchemaRegistrySource.Resolve(sp))
            {
                Transactions = sp.GetRequiredService<PublisherTransactionsHolder>().Transactions,
            };
        });
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaTypedOptions>>().Value;
            if (options.Publisher.TransactionalId is not { } transactionalId)
            {
                return new PublisherTransactionsHolder(null);
            }

            var serviceName = ServiceName.Resolve(options, sp);
            var logger = (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<KafkaMessagePublisher>();
            var producer = new TransactionalProducer(options, serviceName, transactionalId, sp.GetServices<IDeliveryFailureHandler>(), logger, Clock(sp));
            return new PublisherTransactionsHolder(new PublisherTransactions(producer, options.Publisher.TransactionTimeout));
        });
        services.TryAddSingleton(KafkaTyped.SchemaRegistry.SchemaRegistrySource.Create);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KafkaTyped.SchemaRegistry.SchemaRegistryStartupService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PublisherStartupService>());
        services.TryAddSingleton<ConsumerStatusBoard>();
        services.TryAddSingleton<IConsumerStatus>(static sp => sp.GetRequiredService<ConsumerStatusBoard>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KafkaTypedConsumerService>(static sp => new KafkaTypedConsumerService(
            sp,
            sp.GetRequiredService<IOptions<KafkaTypedOptions>>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            Clock(sp))));
        return new KafkaTypedBuilder(services);
    }

    // The application's TimeProvider when it registered one (tests register a fake), else the system clock. KafkaTyped
    // does not register one itself: what the application's container holds is the application's decision.
    private static TimeProvider Clock(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;
}
