using KafkaTyped.Health;
using KafkaTyped.Outbox;
using KafkaTyped.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KafkaTyped;

/// <summary>Adds KafkaTyped's liveness and readiness checks.</summary>
public static class KafkaTypedHealthCheckExtensions
{
    /// <summary>The name of the liveness check.</summary>
    public const string LivenessCheckName = "kafkatyped-live";

    /// <summary>The name of the readiness check.</summary>
    public const string ReadinessCheckName = "kafkatyped-ready";

    /// <summary>
    /// Registers two health checks (Microsoft.Extensions.Diagnostics.HealthChecks), both built on
    /// <see cref="IConsumerStatus"/>: <see cref="LivenessCheckName"/>, tagged <see cref="KafkaTypedHealthCheckOptions.LiveTag"/>
    /// (every poll loop polls, no record is stuck, no group or producer failed fatally), and
    /// <see cref="ReadinessCheckName"/>, tagged <see cref="KafkaTypedHealthCheckOptions.ReadyTag"/> (a broker answers, every
    /// group holds its assignment, the outbox relay keeps up). Their data carries each group's state and lag and each
    /// partition's lag, in-flight count and oldest in-flight age. Options are bound from <c>KafkaTyped:HealthChecks</c>,
    /// then <paramref name="configure"/> runs; they are validated at start-up.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="configure">Configures the limits and the tags.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddKafkaTyped().AddGeneratedHandlers().AddHealthChecks();
    /// app.MapHealthChecks("/live", new() { Predicate = check => check.Tags.Contains("live") });
    /// app.MapHealthChecks("/ready", new() { Predicate = check => check.Tags.Contains("ready") });
    /// </code>
    /// </example>
    public static IKafkaTypedBuilder AddHealthChecks(this IKafkaTypedBuilder builder, Action<KafkaTypedHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var optionsBuilder = services.AddOptions<KafkaTypedHealthCheckOptions>().ValidateOnStart();
        optionsBuilder.Configure<IServiceProvider>(static (options, sp) =>
        {
            if (sp.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(KafkaTypedHealthCheckOptions.SectionName).Bind(options);
            }
        });
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaTypedHealthCheckOptions>, KafkaTypedHealthCheckOptionsValidator>());
        services.TryAddSingleton(static sp => new KafkaTypedLivenessCheck(
            sp.GetRequiredService<IConsumerStatus>(), Producer(sp), sp.GetRequiredService<IOptions<KafkaTypedHealthCheckOptions>>(), Clock(sp)));
        services.TryAddSingleton(static sp => new KafkaTypedReadinessCheck(
            sp.GetRequiredService<IConsumerStatus>(), Producer(sp), sp.GetService<OutboxRelayStatus>(), sp.GetRequiredService<IOptions<KafkaTypedHealthCheckOptions>>(), Clock(sp)));

        // The tags are options, read when the health check service first asks for its registrations.
        services.AddHealthChecks();
        services.AddSingleton<IConfigureOptions<HealthCheckServiceOptions>>(static sp => new ConfigureNamedOptions<HealthCheckServiceOptions>(Options.DefaultName, registrations =>
        {
            if (registrations.Registrations.Any(static r => r.Name == LivenessCheckName))
            {
                return;
            }

            var options = sp.GetRequiredService<IOptions<KafkaTypedHealthCheckOptions>>().Value;
            registrations.Registrations.Add(new HealthCheckRegistration(
                LivenessCheckName, static sp => sp.GetRequiredService<KafkaTypedLivenessCheck>(), HealthStatus.Unhealthy, [options.LiveTag]));
            registrations.Registrations.Add(new HealthCheckRegistration(
                ReadinessCheckName, static sp => sp.GetRequiredService<KafkaTypedReadinessCheck>(), HealthStatus.Unhealthy, [options.ReadyTag]));
        }));
        return builder;
    }

    // The producer when it can be had: a service whose producer cannot be created fails at start-up, not in its probe.
    private static Func<RecordProducer?> Producer(IServiceProvider services) => () => services.GetService<RecordProducer>();

    private static TimeProvider Clock(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;
}
