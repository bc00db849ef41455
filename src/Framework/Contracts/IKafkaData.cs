using KafkaTyped.Serialization;

namespace KafkaTyped;

/// <summary>
/// A type whose wire encodings are written at compile time. Implemented by the source generator on every
/// <see cref="KafkaMessageAttribute"/> and <see cref="KafkaDataAttribute"/> type; do not implement it by hand.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
/// <remarks>
/// The contract names no format: the generator writes one serializer per format (MessagePack, JSON) beside the type
/// and hands them out through <see cref="TypeInfo"/>, as System.Text.Json's generator keeps its metadata in generated
/// types rather than in the user's. <see cref="KafkaSerializer"/> is the entry point that uses them.
/// </remarks>
public interface IKafkaData<TSelf> where TSelf : IKafkaData<TSelf>
{
    /// <summary>The serializers generated for the type, one per format.</summary>
    static abstract KafkaTypeInfo<TSelf> TypeInfo { get; }
}
