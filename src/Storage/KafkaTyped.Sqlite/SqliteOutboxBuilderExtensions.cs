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
}
