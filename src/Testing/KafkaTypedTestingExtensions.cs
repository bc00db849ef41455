using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Testing;

/// <summary>Points a KafkaTyped service at a cluster for tests or local runs, with the client settings tests need.</summary>
public static class KafkaTypedTestingExtensions
{
    /// <summary>
    /// Runs the service against <paramref name="cluster"/>: sets <see cref="KafkaTypedOptions.BootstrapServers"/> to the
    /// cluster's address (at this point of the configuration, so code configured after this call still wins), and once
    /// everything else configured the options, fills in the client settings recommended for tests (see
    /// <see cref="KafkaTestClientConfig"/>) wherever they are unset, for the publisher and every consumer group, whether
    /// it comes from configuration, <see cref="KafkaTypedBuilderExtensions.AddConsumer"/> or code.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="cluster">The embedded cluster; it must outlive the host.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <example>
    /// <code>
    /// await using var cluster = new EmbeddedKafkaCluster();
    /// builder.Services.AddKafkaTyped()
    ///     .UseEmbeddedCluster(cluster)
    ///     .AddConsumer("billing", o => o.Topics.Add("orders"))
    ///     .AddGeneratedHandlers();
    /// </code>
    /// </example>
    public static IKafkaTypedBuilder UseEmbeddedCluster(this IKafkaTypedBuilder builder, EmbeddedKafkaCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return Use(builder, cluster.BootstrapServers, embedded: true);
    }

    /// <summary>
    /// Runs the service against the cluster at <paramref name="bootstrapServers"/> with the client settings recommended
    /// for tests, as <see cref="UseEmbeddedCluster"/> does, with settings every broker accepts: for a test suite that
    /// runs on a real broker (an external cluster, a container) as well as on the embedded cluster.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="bootstrapServers">The cluster's <c>bootstrap.servers</c>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IKafkaTypedBuilder UseTestCluster(this IKafkaTypedBuilder builder, string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        return Use(builder, bootstrapServers, embedded: false);
    }

    private static IKafkaTypedBuilder Use(IKafkaTypedBuilder builder, string bootstrapServers, bool embedded)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<KafkaTypedOptions>(options => options.BootstrapServers = bootstrapServers);
        builder.Services.PostConfigure<KafkaTypedOptions>(options => KafkaTestClientConfig.ApplyDefaults(options, embedded));
        return builder;
    }
}
