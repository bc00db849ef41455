using System.ComponentModel;

namespace KafkaTyped.Serialization;

/// <summary>
/// The serializers the source generator wrote for one <see cref="IKafkaData{TSelf}"/> type, one per format, reached
/// through <see cref="IKafkaData{TSelf}.TypeInfo"/>. Created by generated code; use <see cref="KafkaSerializer"/>.
/// </summary>
/// <typeparam name="T">The message or data type.</typeparam>
/// <param name="messagePack">The MessagePack serializer.</param>
/// <param name="json">The JSON serializer.</param>
/// <param name="avro">The Avro serializer and schema.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class KafkaTypeInfo<T>(MessagePackCodec<T> messagePack, JsonCodec<T> json, AvroCodec<T> avro)
{
    /// <summary>The MessagePack serializer (an array of the members in encoding order).</summary>
    public MessagePackCodec<T> MessagePack { get; } = messagePack ?? throw new ArgumentNullException(nameof(messagePack));

    /// <summary>The JSON serializer (an object of the members by their JSON names).</summary>
    public JsonCodec<T> Json { get; } = json ?? throw new ArgumentNullException(nameof(json));

    /// <summary>The Avro serializer (a record of the members in encoding order) and the type's Avro schema.</summary>
    public AvroCodec<T> Avro { get; } = avro ?? throw new ArgumentNullException(nameof(avro));
}
