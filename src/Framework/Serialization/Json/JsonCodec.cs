using System.ComponentModel;
using System.Text.Json;

namespace KafkaTyped.Serialization;

/// <summary>The generated JSON serializer of a type, on <see cref="Utf8JsonWriter"/> and <see cref="Utf8JsonReader"/>; derived from by generated code only.</summary>
/// <typeparam name="T">The message or data type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class JsonCodec<T>
{
    /// <summary>Writes <paramref name="value"/> (never <see langword="null"/>) as a JSON object of its members.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="JsonException">A member that is not nullable holds <see langword="null"/>, or a value JSON cannot hold (a NaN).</exception>
    public abstract void Write(Utf8JsonWriter writer, T value);

    /// <summary>
    /// Reads a value written by <see cref="Write"/>: the reader is positioned on the object's first token (not on
    /// <c>null</c>) and is left on its last one. Unknown properties are skipped, missing ones keep their initial values.
    /// </summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    /// <exception cref="JsonException">The JSON is not a valid encoding of <typeparamref name="T"/>.</exception>
    public abstract T Read(ref Utf8JsonReader reader);
}
