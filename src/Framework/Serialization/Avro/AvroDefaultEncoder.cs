using System.Buffers;
using System.Text;
using System.Text.Json;

namespace KafkaTyped.Serialization;

/// <summary>
/// Encodes a field's default (a JSON value, as the specification writes it: bytes and fixed as strings of code points
/// 0 to 255, an enum as its symbol, a record as an object of its fields) in the binary encoding of the field's schema,
/// once, when a resolution plan is built. A union's default is encoded as the first of its branches it fits.
/// </summary>
internal static class AvroDefaultEncoder
{
    private const int MaxDepth = AvroPrimitives.MaxDepth;

    /// <summary>The encoding of <paramref name="value"/> as <paramref name="schema"/>.</summary>
    /// <exception cref="AvroSerializationException">The value does not fit the schema; the message starts with <paramref name="what"/>.</exception>
    public static byte[] Encode(JsonElement value, AvroSchemaNode schema, string what)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(output);
        if (TryWrite(value, schema, ref writer, 0))
        {
            writer.Flush();
            return output.WrittenSpan.ToArray();
        }

        throw new AvroSerializationException($"{what}, {Excerpt(value)}, is not a value of its type {schema.Describe()}");
    }

    private static bool TryWrite(JsonElement value, AvroSchemaNode schema, ref AvroWriter writer, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        switch (schema.Kind)
        {
            case AvroKind.Null:
                return value.ValueKind == JsonValueKind.Null;
            case AvroKind.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                writer.WriteBoolean(value.GetBoolean());
                return true;
            case AvroKind.Int when value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i):
                writer.WriteInt(i);
                return true;
            case AvroKind.Long when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l):
                writer.WriteLong(l);
                return true;
            case AvroKind.Float when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var f):
                writer.WriteFloat((float)f);
                return true;
            case AvroKind.Double when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d):
                writer.WriteDouble(d);
                return true;
            case AvroKind.String when value.ValueKind == JsonValueKind.String:
                writer.WriteBytes(Encoding.UTF8.GetBytes(value.GetString()!));
                return true;
            case AvroKind.Bytes when value.ValueKind == JsonValueKind.String && TryLatin1(value.GetString()!, out var bytes):
                writer.WriteBytes(bytes);
                return true;
            case AvroKind.Fixed when value.ValueKind == JsonValueKind.String && TryLatin1(value.GetString()!, out var fixedBytes) && fixedBytes.Length == schema.Size:
                writer.WriteRaw(fixedBytes);
                return true;
            case AvroKind.Enum when value.ValueKind == JsonValueKind.String && schema.Symbols.Contains(value.GetString()!):
                writer.WriteLong(Array.IndexOf(schema.Symbols, value.GetString()!));
                return true;
            case AvroKind.Array when value.ValueKind == JsonValueKind.Array:
                if (value.GetArrayLength() > 0)
                {
                    writer.WriteBlockCount(value.GetArrayLength());
                    foreach (var item in value.EnumerateArray())
                    {
                        if (!TryWrite(item, schema.Items!, ref writer, depth + 1))
                        {
                            return false;
                        }
                    }
                }

                writer.WriteBlockCount(0);
                return true;
            case AvroKind.Map when value.ValueKind == JsonValueKind.Object:
                {
                    var entries = value.EnumerateObject().ToList();
                    if (entries.Count > 0)
                    {
                        writer.WriteBlockCount(entries.Count);
                        foreach (var entry in entries)
                        {
                            writer.WriteBytes(Encoding.UTF8.GetBytes(entry.Name));
                            if (!TryWrite(entry.Value, schema.Items!, ref writer, depth + 1))
                            {
                                return false;
                            }
                        }
                    }

                    writer.WriteBlockCount(0);
                    return true;
                }

            case AvroKind.Record when value.ValueKind == JsonValueKind.Object:
                foreach (var field in schema.Fields)
                {
                    var fieldValue = value.TryGetProperty(field.Name, out var given) ? given : field.Default;
                    if (fieldValue is not { } present || !TryWrite(present, field.Type, ref writer, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            case AvroKind.Union:
                for (var branch = 0; branch < schema.Branches.Length; branch++)
                {
                    var attempt = new ArrayBufferWriter<byte>();
                    var attemptWriter = new AvroWriter(attempt);
                    if (TryWrite(value, schema.Branches[branch], ref attemptWriter, depth + 1))
                    {
                        attemptWriter.Flush();
                        writer.WriteUnionIndex(branch);
                        writer.WriteRaw(attempt.WrittenSpan);
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool TryLatin1(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 0xFF)
            {
                return false;
            }

            bytes[i] = (byte)text[i];
        }

        return true;
    }

    private static string Excerpt(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 80 ? text : text[..80] + "...";
    }
}
