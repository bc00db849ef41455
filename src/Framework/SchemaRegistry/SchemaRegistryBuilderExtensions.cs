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
}
