using KafkaTyped.SchemaRegistry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KafkaTyped;

/// <summary>Gives Avro messages their schema registry on the builder returned by <c>AddKafkaTyped</c>.</summary>
public static class SchemaRegistryBuilderExtensions
{
    /// <summary>
    /// Uses <paramref name="registry"/> to register the schemas of published Avro messages and to look up the writer
    /// schemas of consumed ones. Without a registry, publishing an Avro message fails with an error that names the setting.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="registry">The registry, for example an <see cref="InMemorySchemaRegistry"/> in tests.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IKafkaTypedBuilder AddSchemaRegistry(this IKafkaTypedBuilder builder, ISchemaRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(registry);
        builder.Services.Replace(ServiceDescriptor.Singleton(registry));
        return builder;
    }

    /// <summary>
    /// Registers the Avro schema of <typeparamref name="T"/> for <paramref name="topic"/> (its default topic when
    /// <see langword="null"/>) when the host starts, so that an unreachable registry or a schema it refuses as incompatible
    /// stops the start with the registry's message rather than failing the first publish.
    /// </summary>
    /// <typeparam name="T">An Avro message.</typeparam>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="topic">The topic, or <see langword="null"/> for the message's default topic.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IKafkaTypedBuilder RegisterAvroSchema<T>(this IKafkaTypedBuilder builder, string? topic = null)
        where T : IKafkaMessage<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<AvroStartupRegistrations>();
        var registrations = (AvroStartupRegistrations?)builder.Services.First(d => d.ServiceType == typeof(AvroStartupRegistrations)).ImplementationInstance;
        if (registrations is null)
        {
            registrations = new AvroStartupRegistrations();
            builder.Services.Replace(ServiceDescriptor.Singleton(registrations));
        }

        registrations.Registrations.Add((services, cancellationToken) => services.GetRequiredService<IMessagePublisher>() is Publishing.KafkaMessagePublisher publisher
            ? publisher.PrepareAvroAsync<T>(topic, cancellationToken)
            : ValueTask.CompletedTask);
        return builder;
    }
}
