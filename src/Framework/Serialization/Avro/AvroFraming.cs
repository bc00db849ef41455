using System.Buffers;
using System.Buffers.Binary;
using Confluent.Kafka;
using KafkaTyped.SchemaRegistry;

namespace KafkaTyped.Serialization;

/// <summary>
/// The Confluent Schema Registry framing of an Avro value: magic byte 0 and the schema id as four big-endian bytes, then
/// the Avro binary body; read also with magic byte 1 and the schema's sixteen-byte GUID, and with the id in the
/// <c>__value_schema_id</c> header (then the value is the body alone), as newer Confluent serializers write it.
/// </summary>
internal static class AvroFraming
{
    /// <summary>The header newer Confluent serializers carry the value's schema id in.</summary>
    public const string ValueSchemaIdHeader = "__value_schema_id";

    /// <summary>The bytes before the body when the schema is named by integer id.</summary>
    public const int IdPrefixLength = 5;

    private const int GuidPrefixLength = 17;

    /// <summary>Writes magic byte 0 and <paramref name="schemaId"/> big-endian.</summary>
    public static void WritePrefix(ref AvroWriter writer, int schemaId)
    {
        Span<byte> prefix = stackalloc byte[IdPrefixLength];
        prefix[0] = 0;
        BinaryPrimitives.WriteInt32BigEndian(prefix[1..], schemaId);
        writer.WriteRaw(prefix);
    }

    /// <summary>
    /// Reads the schema reference of a framed value: from the value's own prefix, or, when the record carries a
    /// <c>__value_schema_id</c> header, from the header (the value is then the body alone).
    /// </summary>
    /// <param name="value">The record value.</param>
    /// <param name="schemaIdHeader">The <c>__value_schema_id</c> header's value, or <see langword="null"/>.</param>
    /// <param name="id">The writer schema's reference.</param>
    /// <param name="bodyOffset">Where the Avro body starts in <paramref name="value"/>.</param>
    /// <param name="error">Why the framing is invalid.</param>
    /// <returns>Whether the framing is valid.</returns>
    public static bool TryRead(ReadOnlySpan<byte> value, byte[]? schemaIdHeader, out SchemaId id, out int bodyOffset, out string? error)
    {
        if (schemaIdHeader is not null)
        {
            bodyOffset = 0;
            if (TryReadPrefix(schemaIdHeader, out id, out var length, out error) && length == schemaIdHeader.Length)
            {
                return true;
            }

            error ??= $"the {ValueSchemaIdHeader} header holds {schemaIdHeader.Length} bytes, not a schema id (magic 0 and 4 bytes, or magic 1 and 16)";
            return false;
        }

        var valid = TryReadPrefix(value, out id, out bodyOffset, out error);
        return valid;
    }

    /// <summary>The <c>__value_schema_id</c> header of <paramref name="headers"/> (the last one), or <see langword="null"/>.</summary>
    public static byte[]? SchemaIdHeader(Headers? headers)
    {
        if (headers is null)
        {
            return null;
        }

        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (string.Equals(headers[i].Key, ValueSchemaIdHeader, StringComparison.Ordinal))
            {
                return headers[i].GetValueBytes() ?? [];
            }
        }

        return null;
    }

    private static bool TryReadPrefix(ReadOnlySpan<byte> value, out SchemaId id, out int length, out string? error)
    {
        id = default;
        length = 0;
        error = null;
        if (value.IsEmpty)
        {
            error = "the value is empty, not a magic byte and a schema id";
            return false;
        }

        switch (value[0])
        {
            case 0 when value.Length >= IdPrefixLength:
                id = SchemaId.FromId(BinaryPrimitives.ReadInt32BigEndian(value[1..]));
                length = IdPrefixLength;
                return true;
            case 1 when value.Length >= GuidPrefixLength:
                id = SchemaId.FromGuid(new Guid(value.Slice(1, 16), bigEndian: true));
                length = GuidPrefixLength;
                return true;
            case 0 or 1:
                error = $"the value ends inside its schema id ({value.Length} bytes)";
                return false;
            default:
                error = $"magic byte 0x{value[0]:x2} is not the Schema Registry framing (0, or 1 for a schema GUID)";
                return false;
        }
    }
}
