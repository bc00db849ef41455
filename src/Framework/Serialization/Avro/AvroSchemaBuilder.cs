using System.ComponentModel;
using System.Text;

namespace KafkaTyped.Serialization;

/// <summary>
/// Assembles a type's Avro schema from the fragments the generator wrote for it and for the records and enums it uses:
/// a named type is defined where it first occurs and referred to by its full name afterwards, as Avro requires.
/// Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AvroSchemaBuilder
{
    private readonly StringBuilder _json = new();
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);

    private AvroSchemaBuilder()
    {
    }

    /// <summary>Builds the schema of <paramref name="codec"/>'s type.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="codec">The type's serializer.</param>
    /// <returns>The schema JSON.</returns>
    public static string Build<T>(AvroCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var builder = new AvroSchemaBuilder();
        codec.WriteSchema(builder);
        return builder._json.ToString();
    }

    /// <summary>Appends a fragment of JSON.</summary>
    /// <param name="json">The fragment.</param>
    public void Raw(string json) => _json.Append(json);

    /// <summary>
    /// Starts the definition of the named type <paramref name="fullName"/>: <see langword="true"/> the first time, and the
    /// caller writes the definition; afterwards the quoted name is written and <see langword="false"/> returned.
    /// </summary>
    /// <param name="fullName">The named type's full name.</param>
    /// <returns>Whether the definition is to be written.</returns>
    public bool Define(string fullName)
    {
        if (_defined.Add(fullName))
        {
            return true;
        }

        _json.Append('"').Append(fullName).Append('"');
        return false;
    }

    /// <summary>Writes the schema of the record type <typeparamref name="T"/>, or its name when it is defined already.</summary>
    /// <typeparam name="T">The record type.</typeparam>
    /// <param name="codec">Its serializer.</param>
    public void Record<T>(AvroCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        codec.WriteSchema(this);
    }
}
