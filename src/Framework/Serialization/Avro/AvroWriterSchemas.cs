using System.Collections.Concurrent;
using KafkaTyped.SchemaRegistry;

namespace KafkaTyped.Serialization;

/// <summary>
/// The writer schemas this process knows by id: those it registered when publishing and those the consumer fetched
/// from the registry before dispatching a record that names them. Reading a framed Avro value looks its writer schema
/// up here (ids are those of the one registry a process talks to).
/// </summary>
internal static class AvroWriterSchemas
{
    private static readonly ConcurrentDictionary<SchemaId, string> s_schemas = new();

    public static bool Contains(SchemaId id) => s_schemas.ContainsKey(id);

    public static bool TryGet(SchemaId id, out string schema) => s_schemas.TryGetValue(id, out schema!);

    public static void Add(SchemaId id, string schema) => s_schemas[id] = schema;
}
