using System.ComponentModel;

namespace KafkaTyped.Serialization;

/// <summary>
/// The generated Avro serializer of a type: its schema (a record named after the type, its members as fields in
/// encoding order) and a binary encoder and decoder written against spans. Derived from by generated code only.
/// </summary>
/// <typeparam name="T">The message or data type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class AvroCodec<T>
{
    private string? _schema;

    /// <summary>The type's Avro schema as JSON, with the records and enums it uses defined where first used.</summary>
    public string Schema => _schema ??= AvroSchemaBuilder.Build(this);

    /// <summary>The record's full name (namespace and name), as schemas refer to it.</summary>
    public abstract string FullName { get; }

    /// <summary>Writes the type's schema, or its full name when <paramref name="schema"/> has defined it already.</summary>
    /// <param name="schema">The schema being built.</param>
    public abstract void WriteSchema(AvroSchemaBuilder schema);

    /// <summary>Writes <paramref name="value"/> (never <see langword="null"/>) as an Avro record of its members.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="AvroSerializationException">A member that is not nullable holds <see langword="null"/>, or a value its Avro type cannot hold.</exception>
    public abstract void Write(ref AvroWriter writer, T value);

    /// <summary>Reads a value written by <see cref="Write"/> with this type's own schema.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    /// <exception cref="AvroSerializationException">The bytes are not a valid encoding of <typeparamref name="T"/>.</exception>
    public abstract T Read(ref AvroReader reader);
}
