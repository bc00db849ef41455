using KafkaTyped.PostgreSql;

namespace KafkaTyped;

/// <summary>Adds KafkaTyped's PostgreSQL storage.</summary>
public static class PostgreSqlOutboxBuilderExtensions
{
    /// <summary>
    /// Adds the transactional outbox in the PostgreSQL database of <paramref name="connectionString"/>:
    /// <see cref="IOutbox"/> and its relay. The table (<see cref="PostgreSqlOutboxStore.DefaultTableName"/>) is created
    /// when the relay starts. Several service instances on one database are safe: one relay publishes at a time.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Configures the relay (also bound from <c>KafkaTyped:Outbox</c>).</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddKafkaTyped().AddPostgreSqlOutbox("Host=db;Username=orders;Database=orders").AddGeneratedHandlers();
    /// </code>
    /// </example>
    public static IKafkaTypedBuilder AddPostgreSqlOutbox(this IKafkaTypedBuilder builder, string connectionString, Action<OutboxOptions>? configure = null)
    {
        var store = new PostgreSqlOutboxStore(connectionString);
        return builder.AddOutbox(_ => store, configure);
    }
}
