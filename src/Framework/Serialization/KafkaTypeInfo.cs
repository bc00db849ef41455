using System.ComponentModel;

namespace KafkaTyped.Serialization;

/// <summary>
/// The serializers the source generator wrote for one <see cref="IKafkaData{TSelf}"/> type, one per format, reached
/// through <see cref="IKafkaData{TSelf}.TypeInfo"/>. Created by generated code; use <see cref="KafkaSerializer"/>.
/// </summary>
/// <typeparam name="T">The message or data type.</typeparam>
/// <param name="messagePack">The MessagePack serializer.</param>
/// <param name="json">The JSON serializer.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class KafkaTypeInfo<T>(MessagePackCodec<T> messagePack, JsonCodec<T> json)
{
    /// <summary>The MessagePack serializer (an array of the members in encoding order).</summary>
    public MessagePackCodec<T> MessagePack { get; } = messagePack ?? throw new ArgumentNullException(nameof(messagePack));

    /// <summary>The JSON serializer (an object of the members by their JSON names).</summary>
    public JsonCodec<T> Json { get; } = json ?? throw new ArgumentNullException(nameof(json));
}
