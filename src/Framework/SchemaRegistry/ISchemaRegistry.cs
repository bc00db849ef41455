namespace KafkaTyped.SchemaRegistry;

/// <summary>
/// The part of a Confluent-compatible Schema Registry that Avro publishing and consuming use: register a writer schema
/// under a subject, and look a schema up by the id a record carries. <see cref="InMemorySchemaRegistry"/> keeps schemas
/// in the process, for tests and local runs.
/// </summary>
public interface ISchemaRegistry
{
    /// <summary>
    /// Registers <paramref name="schema"/> under <paramref name="subject"/> (or finds it registered already) and returns its
    /// id. Fails when the registry refuses the schema as incompatible with the subject's earlier versions.
    /// </summary>
    /// <param name="subject">The subject, <c>&lt;topic&gt;-value</c> by default.</param>
    /// <param name="schema">The Avro schema JSON.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schema's id.</returns>
    /// <exception cref="SchemaRegistryException">The registry refused the schema or could not be reached.</exception>
    ValueTask<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default);

    /// <summary>The schema a record's <paramref name="id"/> names, or <see langword="null"/> when the registry has none by it.</summary>
    /// <param name="id">The id or GUID from the record.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schema JSON, or <see langword="null"/>.</returns>
    /// <exception cref="SchemaRegistryException">The registry could not be reached.</exception>
    ValueTask<string?> GetSchemaAsync(SchemaId id, CancellationToken cancellationToken = default);
}

/// <summary>A Schema Registry refused a request or could not be reached; the message says which and names the subject or id.</summary>
public sealed class SchemaRegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SchemaRegistryException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SchemaRegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SchemaRegistryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The registry's HTTP status, when it answered.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The registry's error code (for example 409 for an incompatible schema, 40401 for an unknown subject), when it gave one.</summary>
    public int? ErrorCode { get; init; }
}
