using System.Collections.Concurrent;
using KafkaTyped.SchemaRegistry;
using KafkaTyped.Serialization;

namespace KafkaTyped.Publishing;

/// <summary>
/// The schema id an Avro message is framed with on a topic: its generated schema registered once under its subject
/// (<c>&lt;topic&gt;-value</c> by default, see <see cref="SubjectNameStrategy"/>), then taken from this cache. The id is remembered with its schema, so this process
/// reads what it writes without asking the registry.
/// </summary>
internal sealed class AvroSchemaIds(ISchemaRegistry? registry, SubjectNameStrategy strategy = SubjectNameStrategy.TopicName)
{
    private readonly ConcurrentDictionary<(string Topic, Type Type), int> _ids = new();

    /// <summary>The id, registering the schema first when this (topic, type) has none yet.</summary>
    public ValueTask<int> GetAsync<T>(string topic, CancellationToken cancellationToken)
        where T : IKafkaMessage<T>
        => _ids.TryGetValue((topic, typeof(T)), out var id) ? new(id) : RegisterAsync<T>(topic, cancellationToken);

    /// <summary>The id for a synchronous publish: cached, or registered now (the first publish of a type to a topic waits for the registry).</summary>
    public int Get<T>(string topic)
        where T : IKafkaMessage<T>
        => _ids.TryGetValue((topic, typeof(T)), out var id) ? id : RegisterAsync<T>(topic, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>The subject a schema is registered under: <c>&lt;topic&gt;-value</c>, <c>&lt;record&gt;</c> or <c>&lt;topic&gt;-&lt;record&gt;</c>.</summary>
    public static string Subject(SubjectNameStrategy strategy, string topic, string recordFullName) => strategy switch
    {
        SubjectNameStrategy.RecordName => recordFullName,
        SubjectNameStrategy.TopicRecordName => topic + "-" + recordFullName,
        _ => topic + "-value",
    };

    private async ValueTask<int> RegisterAsync<T>(string topic, CancellationToken cancellationToken)
        where T : IKafkaMessage<T>
    {
        if (registry is null)
        {
            throw new InvalidOperationException(
                $"'{T.TypeId}' ({typeof(T).FullName}) is an Avro message, which is framed with its schema registry id: configure {KafkaTypedOptions.SectionName}:SchemaRegistry:Url, or register an ISchemaRegistry (builder.AddSchemaRegistry(...)).");
        }

        var schema = KafkaSerializer.AvroSchema<T>();
        var id = await registry.RegisterAsync(Subject(strategy, topic, T.TypeInfo.Avro.FullName), schema, cancellationToken).ConfigureAwait(false);
        AvroWriterSchemas.Add(SchemaId.FromId(id), schema);
        _ids[(topic, typeof(T))] = id;
        return id;
    }
}
