using KafkaTyped.Sqlite;

namespace KafkaTyped;

/// <summary>Adds KafkaTyped's SQLite storage.</summary>
public static class SqliteOutboxBuilderExtensions
{
    /// <summary>
    /// Adds the transactional outbox in the SQLite database of <paramref name="connectionString"/>: <see cref="IOutbox"/>
    /// and its relay. The table (<see cref="SqliteOutboxStore.DefaultTableName"/>) is created when the relay starts.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=app.db</c>.</param>
    /// <param name="configure">Configures the relay (also bound from <c>KafkaTyped:Outbox</c>).</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddKafkaTyped().AddSqliteOutbox("Data Source=orders.db").AddGeneratedHandlers();
    /// </code>
    /// </example>
    public static IKafkaTypedBuilder AddSqliteOutbox(this IKafkaTypedBuilder builder, string connectionString, Action<OutboxOptions>? configure = null)
    {
        var store = new SqliteOutboxStore(connectionString);
        return builder.AddOutbox(_ => store, configure);
    }

    /// <summary>
    /// Makes a <see cref="SqliteDeduplicationStore"/> over the SQLite database of <paramref name="connectionString"/> the
    /// deduplication store of every handler with <see cref="DeduplicateAttribute"/>; its table is created when the host
    /// starts. Scoped handlers can inject <see cref="IInbox"/> to write their rows in the transaction that holds the mark.
    /// </summary>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, for example <c>Data Source=app.db</c>.</param>
    /// <param name="defaultWindow">The window of handlers that declare none (10 minutes when <see langword="null"/>).</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IKafkaTypedBuilder AddSqliteDeduplication(this IKafkaTypedBuilder builder, string connectionString, TimeSpan? defaultWindow = null)
        => builder.AddDeduplication(
            sp => new SqliteDeduplicationStore(connectionString, defaultWindow, timeProvider: sp.GetService(typeof(TimeProvider)) as TimeProvider),
            static (store, ct) => store.InitializeAsync(ct));
}
