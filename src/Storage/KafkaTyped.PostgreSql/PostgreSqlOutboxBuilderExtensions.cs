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

    /// <summary>
    /// Makes a <see cref="PostgreSqlDeduplicationStore"/> over the PostgreSQL database of <paramref name="connectionString"/>
    /// the deduplication store of every handler with <see cref="DeduplicateAttribute"/>, shared by every instance of the
    /// service; its table is created when the host starts. Scoped handlers can inject <see cref="IInbox"/> to write
    /// their rows in the transaction that holds the mark.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="defaultWindow">The window of handlers that declare none (10 minutes when <see langword="null"/>).</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IKafkaTypedBuilder AddPostgreSqlDeduplication(this IKafkaTypedBuilder builder, string connectionString, TimeSpan? defaultWindow = null)
        => builder.AddDeduplication(
            sp => new PostgreSqlDeduplicationStore(connectionString, defaultWindow, timeProvider: sp.GetService(typeof(TimeProvider)) as TimeProvider),
            static (store, ct) => store.InitializeAsync(ct));
}
