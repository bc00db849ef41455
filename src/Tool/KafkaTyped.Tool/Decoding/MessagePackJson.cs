using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MessagePack;

namespace KafkaTyped.Tool.Decoding;

/// <summary>
/// Writes a MessagePack value as JSON: generically (maps as objects, arrays, binaries as base64, the timestamp extension
/// as RFC 3339), or with a message's members from the schema lock, named and with the KafkaTyped encodings of
/// docs/serialization.md turned back into their readable form (decimal, DateTimeOffset, TimeSpan, DateOnly, TimeOnly).
/// </summary>
internal static class MessagePackJson
{
    private const int MaxDepth = 64;

    /// <summary>Writes the whole of <paramref name="payload"/> as one JSON value; throws <see cref="MessagePackSerializationException"/> or <see cref="EndOfStreamException"/> on anything that is not exactly one MessagePack value.</summary>
    public static void Write(Utf8JsonWriter json, ReadOnlyMemory<byte> payload, IReadOnlyList<LockedMember>? members)
    {
        var reader = new MessagePackReader(payload);
        if (members is not null && reader.NextMessagePackType == MessagePackType.Array)
        {
            WriteMessage(json, ref reader, members);
        }
        else
        {
            WriteValue(json, ref reader, type: null, depth: 0);
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException($"{payload.Length - reader.Consumed} bytes follow the MessagePack value.");
        }
    }

    /// <summary>Whether <paramref name="payload"/> is exactly one well-formed MessagePack value.</summary>
    public static bool IsMessagePack(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        try
        {
            var reader = new MessagePackReader(payload);
            reader.Skip();
            return reader.End;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void WriteMessage(Utf8JsonWriter json, ref MessagePackReader reader, IReadOnlyList<LockedMember> members)
    {
        var count = reader.ReadArrayHeader();
        json.WriteStartObject();
        for (var i = 0; i < count; i++)
        {
            if (i < members.Count)
            {
                json.WritePropertyName(members[i].Name);
                WriteValue(json, ref reader, members[i].Type, depth: 1);
            }
            else
            {
                // Members added after the lock was written: shown by position.
                json.WritePropertyName(string.Create(CultureInfo.InvariantCulture, $"#{i}"));
                WriteValue(json, ref reader, type: null, depth: 1);
            }
        }

        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, ref MessagePackReader reader, string? type, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new MessagePackSerializationException($"Nested deeper than {MaxDepth} levels.");
        }

        var bare = type?.TrimEnd('?');
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer:
                WriteInteger(json, ref reader, bare);
                break;
            case MessagePackType.Float:
                var number = reader.ReadDouble();
                if (double.IsFinite(number))
                {
                    json.WriteNumberValue(number);
                }
                else
                {
                    json.WriteStringValue(number.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case MessagePackType.String:
                var text = reader.ReadString() ?? string.Empty;
                if (bare is "decimal" or "System.Decimal" && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
                {
                    json.WriteNumberValue(amount);
                }
                else
                {
                    json.WriteStringValue(text);
                }

                break;
            case MessagePackType.Binary:
                var bytes = reader.ReadBytes() ?? default;
                json.WriteBase64StringValue(bytes.ToArray());
                break;
            case MessagePackType.Array:
                if (bare is "System.DateTimeOffset" or "DateTimeOffset" && TryReadDateTimeOffset(ref reader, out var moment))
                {
                    json.WriteStringValue(moment.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
                    break;
                }

                var length = reader.ReadArrayHeader();
                var element = ElementType(bare);
                json.WriteStartArray();
                for (var i = 0; i < length; i++)
                {
                    WriteValue(json, ref reader, element, depth + 1);
                }

                json.WriteEndArray();
                break;
            case MessagePackType.Map:
                var entries = reader.ReadMapHeader();
                var valueType = MapValueType(bare);
                json.WriteStartObject();
                for (var i = 0; i < entries; i++)
                {
                    json.WritePropertyName(KeyText(ref reader, depth));
                    WriteValue(json, ref reader, valueType, depth + 1);
                }

                json.WriteEndObject();
                break;
            case MessagePackType.Extension:
                var header = reader.TryReadExtensionFormatHeader(out var ext) ? ext : throw new EndOfStreamException();
                if (header.TypeCode == ReservedMessagePackExtensionTypeCode.DateTime)
                {
                    json.WriteStringValue(reader.ReadDateTime(header).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
                }
                else
                {
                    var data = reader.ReadRaw(header.Length);
                    json.WriteStartObject();
                    json.WriteNumber("ext", header.TypeCode);
                    json.WriteBase64String("data", data.ToArray());
                    json.WriteEndObject();
                }

                break;
            default:
                throw new MessagePackSerializationException($"Unknown MessagePack code 0x{reader.Sequence.Slice(reader.Position).FirstSpan[0]:x2}.");
        }
    }

    private static void WriteInteger(Utf8JsonWriter json, ref MessagePackReader reader, string? type)
    {
        // Unsigned 64-bit values above long.MaxValue are read as such; everything else as a signed 64-bit integer.
        var code = reader.Sequence.Slice(reader.Position).FirstSpan[0];
        if (code == MessagePackCode.UInt64)
        {
            var big = reader.ReadUInt64();
            json.WriteNumberValue(big);
            return;
        }

        var value = reader.ReadInt64();
        switch (type)
        {
            case "System.TimeSpan" or "TimeSpan":
                json.WriteStringValue(TimeSpan.FromTicks(value).ToString("c", CultureInfo.InvariantCulture));
                break;
            case "System.TimeOnly" or "TimeOnly" when value is >= 0 and < TimeSpan.TicksPerDay:
                json.WriteStringValue(new TimeOnly(value).ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
                break;
            case "System.DateOnly" or "DateOnly" when value is >= 0 and <= 3_652_058:
                json.WriteStringValue(DateOnly.FromDayNumber((int)value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case "char" or "System.Char" when value is >= 0 and <= char.MaxValue:
                json.WriteStringValue(((char)value).ToString());
                break;
            default:
                json.WriteNumberValue(value);
                break;
        }
    }

    private static bool TryReadDateTimeOffset(ref MessagePackReader reader, out DateTimeOffset value)
    {
        var peek = reader.CreatePeekReader();
        value = default;
        if (peek.ReadArrayHeader() != 2 || peek.NextMessagePackType != MessagePackType.Extension)
        {
            return false;
        }

        var header = peek.ReadExtensionFormatHeader();
        if (header.TypeCode != ReservedMessagePackExtensionTypeCode.DateTime || peek.NextMessagePackType != MessagePackType.Integer)
        {
            return false;
        }

        var utc = peek.ReadDateTime(header);
        var minutes = peek.ReadInt16();
        try
        {
            value = new DateTimeOffset(utc.Ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException)
        {
            return false;
        }

        reader = peek;
        return true;
    }

    private static string KeyText(ref MessagePackReader reader, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String:
                return reader.ReadString() ?? string.Empty;
            case MessagePackType.Integer:
                return reader.ReadInt64().ToString(CultureInfo.InvariantCulture);
            default:
                // A key of another kind: its JSON text.
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    WriteValue(writer, ref reader, type: null, depth + 1);
                }

                return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>The element type of <c>T[]</c>, <c>List&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c>, <c>ImmutableArray&lt;T&gt;</c>.</summary>
    private static string? ElementType(string? type)
    {
        if (type is null)
        {
            return null;
        }

        if (type.EndsWith("[]", StringComparison.Ordinal))
        {
            return type[..^2];
        }

        var arguments = GenericArguments(type);
        return arguments is [var single] ? single : null;
    }

    private static string? MapValueType(string? type) => type is not null && GenericArguments(type) is [_, var value] ? value : null;

    private static string[]? GenericArguments(string type)
    {
        var open = type.IndexOf('<', StringComparison.Ordinal);
        if (open < 0 || !type.EndsWith('>'))
        {
            return null;
        }

        var inner = type[(open + 1)..^1];
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < inner.Length; i++)
        {
            switch (inner[i])
            {
                case '<':
                    depth++;
                    break;
                case '>':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(inner[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        parts.Add(inner[start..].Trim());
        return [.. parts];
    }
}
