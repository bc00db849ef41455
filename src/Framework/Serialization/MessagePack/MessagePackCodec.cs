using System.ComponentModel;
using MessagePack;

namespace KafkaTyped.Serialization;

/// <summary>The generated MessagePack serializer of a type; derived from by generated code only.</summary>
/// <typeparam name="T">The message or data type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class MessagePackCodec<T>
{
    /// <summary>Writes <paramref name="value"/> (never <see langword="null"/>) as a MessagePack array of its members.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="MessagePackSerializationException">A member that is not nullable holds <see langword="null"/>.</exception>
    public abstract void Write(ref MessagePackWriter writer, T value);

    /// <summary>Reads a value written by <see cref="Write"/>; the reader is not positioned on nil.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a valid encoding of <typeparamref name="T"/>.</exception>
    public abstract T Read(ref MessagePackReader reader);
}
