using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KafkaTyped.Serialization;

/// <summary>
/// Reads and writes of the generated JSON serializers: token checks that name the type and member, the encodings of
/// types <see cref="Utf8JsonWriter"/> has no method for (written as System.Text.Json writes them, so its readers and
/// ours interoperate), and the reader limits. Used by generated code only; see <c>docs/serialization.md</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonPrimitives
{
    /// <summary>
    /// The deepest nesting of JSON objects and arrays a reader accepts (<see cref="JsonReaderOptions.MaxDepth"/>); a
    /// deeper payload is rejected by <see cref="Utf8JsonReader"/> before it can exhaust the stack.
    /// </summary>
    public const int MaxDepth = 128;

    // The longest text of a date, time or time span that can be valid (a DateTimeOffset with 7 fraction digits and an
    // offset has 33 characters): longer strings are rejected without being copied.
    private const int MaxTemporalLength = 64;

    /// <summary>The options of every reader: strict JSON (no comments, no trailing commas), at most <see cref="MaxDepth"/> levels.</summary>
    public static JsonReaderOptions ReaderOptions => new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };

    /// <summary>The options of every writer: compact, the default (HTML-safe) encoder, no validation (generated code writes well-formed JSON).</summary>
    public static JsonWriterOptions WriterOptions => new() { Indented = false, SkipValidation = true, Encoder = JavaScriptEncoder.Default, MaxDepth = MaxDepth };

    /// <summary>Checks that the reader is on the start of the object of <paramref name="typeName"/>.</summary>
    public static void ExpectStartObject(ref Utf8JsonReader reader, string typeName)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Cannot read {typeName}: expected a JSON object of its members, found {reader.TokenType}.");
        }
    }

    /// <summary>Moves to the next property of an object; <see langword="false"/> at its end.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>Moves to the next token, which must exist.</summary>
    public static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The payload ends inside a value.");
        }
    }

    /// <summary>Skips the value of the current (unknown) property, however deep, within the reader's depth limit.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        reader.Skip();
    }

    /// <summary>Moves to the next element of an array; <see langword="false"/> at its end.</summary>
    public static bool NextElement(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Checks that the reader is on the start of an array.</summary>
    public static void ExpectStartArray(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch(ref reader, typeName, memberName, "an array");
        }
    }

    /// <summary>Checks that the reader is on the start of an object (a dictionary).</summary>
    public static void ExpectStartMap(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Mismatch(ref reader, typeName, memberName, "an object");
        }
    }

    /// <summary>Reads the current property name as a dictionary key.</summary>
    public static string ReadKey(ref Utf8JsonReader reader) => reader.GetString()!;

    /// <summary>Reads <c>true</c> or <c>false</c>.</summary>
    public static bool ReadBoolean(ref Utf8JsonReader reader, string typeName, string memberName) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Mismatch(ref reader, typeName, memberName, "true or false"),
    };

    /// <summary>Reads a string (the caller handles <c>null</c>).</summary>
    public static string ReadString(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch(ref reader, typeName, memberName, "a string");
        }

        return reader.GetString()!;
    }

    /// <summary>Reads an integer number into <see cref="long"/>.</summary>
    public static long ReadInt64(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetInt64(out var value) ? value : throw OutOfRange(typeName, memberName, "a 64-bit integer");
    }

    /// <summary>Reads an integer number into <see cref="ulong"/>.</summary>
    public static ulong ReadUInt64(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetUInt64(out var value) ? value : throw OutOfRange(typeName, memberName, "an unsigned 64-bit integer");
    }

    /// <summary>Reads an integer number into <see cref="int"/>.</summary>
    public static int ReadInt32(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetInt32(out var value) ? value : throw OutOfRange(typeName, memberName, "a 32-bit integer");
    }

    /// <summary>Reads an integer number into <see cref="uint"/>.</summary>
    public static uint ReadUInt32(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetUInt32(out var value) ? value : throw OutOfRange(typeName, memberName, "an unsigned 32-bit integer");
    }

    /// <summary>Reads an integer number into <see cref="short"/>.</summary>
    public static short ReadInt16(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetInt16(out var value) ? value : throw OutOfRange(typeName, memberName, "a 16-bit integer");
    }

    /// <summary>Reads an integer number into <see cref="ushort"/>.</summary>
    public static ushort ReadUInt16(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetUInt16(out var value) ? value : throw OutOfRange(typeName, memberName, "an unsigned 16-bit integer");
    }

    /// <summary>Reads an integer number into <see cref="byte"/>.</summary>
    public static byte ReadByte(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetByte(out var value) ? value : throw OutOfRange(typeName, memberName, "a byte");
    }

    /// <summary>Reads an integer number into <see cref="sbyte"/>.</summary>
    public static sbyte ReadSByte(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetSByte(out var value) ? value : throw OutOfRange(typeName, memberName, "a signed byte");
    }

    /// <summary>Reads a number into <see cref="double"/>.</summary>
    public static double ReadDouble(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetDouble(out var value) ? value : throw OutOfRange(typeName, memberName, "a double");
    }

    /// <summary>Reads a number into <see cref="float"/>.</summary>
    public static float ReadSingle(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetSingle(out var value) ? value : throw OutOfRange(typeName, memberName, "a float");
    }

    /// <summary>Reads a number into <see cref="decimal"/> (no precision lost up to 28-29 significant digits).</summary>
    public static decimal ReadDecimal(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectNumber(ref reader, typeName, memberName);
        return reader.TryGetDecimal(out var value) ? value : throw OutOfRange(typeName, memberName, "a decimal");
    }

    /// <summary>Writes a <see cref="char"/> as a string of one character, as System.Text.Json does.</summary>
    public static void WriteChar(Utf8JsonWriter writer, char value)
    {
        Span<char> text = [value];
        writer.WriteStringValue(text);
    }

    /// <summary>Reads a string of exactly one UTF-16 character.</summary>
    public static char ReadChar(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectString(ref reader, typeName, memberName);
        if (reader.ValueSpan.Length > 12)
        {
            throw new JsonException($"Cannot read {typeName}.{memberName}: a char is a string of one character.");
        }

        // Unescaping never gives more characters than the escaped form has bytes.
        Span<char> text = stackalloc char[12];
        return reader.CopyString(text) == 1 ? text[0] : throw new JsonException($"Cannot read {typeName}.{memberName}: a char is a string of one character.");
    }

    /// <summary>Reads a Guid string (32 hexadecimal digits separated by hyphens, as System.Text.Json writes it).</summary>
    public static Guid ReadGuid(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectString(ref reader, typeName, memberName);
        return reader.TryGetGuid(out var value) ? value : throw new JsonException($"Cannot read {typeName}.{memberName}: not a Guid in \"D\" form.");
    }

    /// <summary>Writes a <see cref="DateTime"/> as an RFC 3339 UTC time (<c>2026-01-02T03:04:05.123Z</c>); <c>Local</c> values are converted, <c>Unspecified</c> ones taken as UTC.</summary>
    public static void WriteDateTime(Utf8JsonWriter writer, DateTime value)
        => writer.WriteStringValue(value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Local => value.ToUniversalTime(),
            _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        });

    /// <summary>Reads an RFC 3339 / ISO 8601 time into a UTC <see cref="DateTime"/>: an offset is applied, a time without one is taken as UTC.</summary>
    public static DateTime ReadDateTime(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectTemporal(ref reader, typeName, memberName);
        if (HasOffset(ref reader))
        {
            return reader.TryGetDateTimeOffset(out var withOffset)
                ? withOffset.UtcDateTime
                : throw NotTemporal(typeName, memberName, "an RFC 3339 date-time");
        }

        return reader.TryGetDateTime(out var value)
            ? DateTime.SpecifyKind(value, DateTimeKind.Utc)
            : throw NotTemporal(typeName, memberName, "an RFC 3339 date-time");
    }

    /// <summary>Reads an RFC 3339 / ISO 8601 time with its offset; a time without one is taken as UTC.</summary>
    public static DateTimeOffset ReadDateTimeOffset(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectTemporal(ref reader, typeName, memberName);
        if (HasOffset(ref reader))
        {
            return reader.TryGetDateTimeOffset(out var value) ? value : throw NotTemporal(typeName, memberName, "an RFC 3339 date-time");
        }

        return reader.TryGetDateTime(out var utc)
            ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc))
            : throw NotTemporal(typeName, memberName, "an RFC 3339 date-time");
    }

    /// <summary>Writes a <see cref="TimeSpan"/> in the constant ("c") format, as System.Text.Json does (<c>1.02:03:04.5000000</c>).</summary>
    public static void WriteTimeSpan(Utf8JsonWriter writer, TimeSpan value)
    {
        Span<byte> text = stackalloc byte[26];
        Utf8Formatter.TryFormat(value, text, out var written, 'c');
        writer.WriteStringValue(text[..written]);
    }

    /// <summary>Reads a <see cref="TimeSpan"/> in the constant ("c") format.</summary>
    public static TimeSpan ReadTimeSpan(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        Span<byte> buffer = stackalloc byte[MaxTemporalLength];
        ReadOnlySpan<byte> text = buffer[..CopyTemporal(ref reader, buffer, typeName, memberName)];
        return Utf8Parser.TryParse(text, out TimeSpan value, out var consumed, 'c') && consumed == text.Length
            ? value
            : throw NotTemporal(typeName, memberName, "a time span ([-][d.]hh:mm:ss[.fffffff])");
    }

    /// <summary>Writes a <see cref="DateOnly"/> as <c>yyyy-MM-dd</c>, as System.Text.Json does.</summary>
    public static void WriteDateOnly(Utf8JsonWriter writer, DateOnly value)
    {
        Span<byte> text = stackalloc byte[10];
        value.TryFormat(text, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }

    /// <summary>Reads a <see cref="DateOnly"/> written as <c>yyyy-MM-dd</c>.</summary>
    public static DateOnly ReadDateOnly(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        Span<byte> buffer = stackalloc byte[MaxTemporalLength];
        ReadOnlySpan<byte> text = buffer[..CopyTemporal(ref reader, buffer, typeName, memberName)];
        Span<char> chars = stackalloc char[MaxTemporalLength];
        var length = Encoding.UTF8.GetChars(text, chars);
        return DateOnly.TryParseExact(chars[..length], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw NotTemporal(typeName, memberName, "a date (yyyy-MM-dd)");
    }

    /// <summary>Writes a <see cref="TimeOnly"/> as <c>HH:mm:ss.fffffff</c>.</summary>
    public static void WriteTimeOnly(Utf8JsonWriter writer, TimeOnly value)
    {
        Span<byte> text = stackalloc byte[16];
        value.TryFormat(text, out var written, "HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }

    /// <summary>Reads a <see cref="TimeOnly"/> written as <c>HH:mm:ss[.fffffff]</c>.</summary>
    public static TimeOnly ReadTimeOnly(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        Span<byte> buffer = stackalloc byte[MaxTemporalLength];
        ReadOnlySpan<byte> text = buffer[..CopyTemporal(ref reader, buffer, typeName, memberName)];
        return text.Length >= 8 && text[0] != (byte)'-' && Utf8Parser.TryParse(text, out TimeSpan value, out var consumed, 'c') && consumed == text.Length
            && value >= TimeSpan.Zero && value.Ticks < TimeSpan.TicksPerDay
            ? new TimeOnly(value.Ticks)
            : throw NotTemporal(typeName, memberName, "a time of day (HH:mm:ss[.fffffff])");
    }

    /// <summary>Reads a base64 string into a new array.</summary>
    public static byte[] ReadBytes(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectString(ref reader, typeName, memberName);
        return reader.TryGetBytesFromBase64(out var value) ? value : throw new JsonException($"Cannot read {typeName}.{memberName}: not a base64 string.");
    }

    /// <summary>
    /// For an enum read from a string: copies the unescaped name into <paramref name="buffer"/> and returns its length, or
    /// 0 when it does not fit (it is then longer than every name, and matches none).
    /// </summary>
    public static int ReadEnumName(ref Utf8JsonReader reader, scoped Span<byte> buffer) => Math.Max(CopyString(ref reader, buffer), 0);

    /// <summary>Whether an enum name read by <see cref="ReadEnumName"/> is <paramref name="name"/>, ignoring ASCII case.</summary>
    public static bool EnumNameEquals(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name)
        => text.Length == name.Length && (text.SequenceEqual(name) || Ascii.EqualsIgnoreCase(text, name));

    /// <summary>Parses an enum's numeric value written as a string (<c>"2"</c>); <see langword="false"/> when it is not a number.</summary>
    public static bool TryParseEnumNumber(ReadOnlySpan<byte> text, out long value)
        => Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length && text.Length > 0;

    /// <summary>An enum string that is neither a name nor a number.</summary>
    public static JsonException UnknownEnumName(string typeName, string memberName, string enumName)
        => new($"Cannot read {typeName}.{memberName}: the string is not a name of {enumName}.");

    /// <summary>A token that is neither a string nor a number where an enum is read.</summary>
    public static JsonException EnumMismatch(ref Utf8JsonReader reader, string typeName, string memberName)
        => Mismatch(ref reader, typeName, memberName, "an enum name or number");

    /// <summary>JSON <c>null</c> for a member that is not nullable.</summary>
    public static JsonException NullForNonNullable(string typeName, string memberName)
        => new($"Cannot read {typeName}.{memberName}: the payload holds null but the member is not nullable.");

    /// <summary><see langword="null"/> in a member that is not nullable, found while writing.</summary>
    public static JsonException NullWhenWriting(string typeName, string memberName)
        => new($"Cannot write {typeName}.{memberName}: the value is null but the member is not nullable.");

    /// <summary>A dictionary key that occurs twice.</summary>
    public static JsonException DuplicateKey(string typeName, string memberName, string key)
        => new($"Cannot read {typeName}.{memberName}: the dictionary key '{key}' occurs twice.");

    private static void ExpectNumber(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw Mismatch(ref reader, typeName, memberName, "a number");
        }
    }

    private static void ExpectString(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Mismatch(ref reader, typeName, memberName, "a string");
        }
    }

    private static void ExpectTemporal(ref Utf8JsonReader reader, string typeName, string memberName)
    {
        ExpectString(ref reader, typeName, memberName);
        if (reader.ValueSpan.Length > MaxTemporalLength * 6)
        {
            throw NotTemporal(typeName, memberName, "a date or time");
        }
    }

    private static int CopyTemporal(ref Utf8JsonReader reader, scoped Span<byte> buffer, string typeName, string memberName)
    {
        ExpectTemporal(ref reader, typeName, memberName);
        var length = CopyString(ref reader, buffer);
        return length >= 0 ? length : throw NotTemporal(typeName, memberName, "a date or time");
    }

    // Copies the current string unescaped into buffer: its length, or -1 when it does not fit.
    private static int CopyString(ref Utf8JsonReader reader, scoped Span<byte> buffer)
    {
        if (!reader.ValueIsEscaped)
        {
            if (reader.ValueSpan.Length > buffer.Length)
            {
                return -1;
            }

            reader.ValueSpan.CopyTo(buffer);
            return reader.ValueSpan.Length;
        }

        // Unescaping never makes a string longer, so an escaped form that fits always fits unescaped.
        return reader.ValueSpan.Length <= buffer.Length ? reader.CopyString(buffer) : -1;
    }

    // Whether the (unescaped, short) time string ends with 'Z' or a numeric offset (+hh:mm / -hh:mm).
    private static bool HasOffset(ref Utf8JsonReader reader)
    {
        Span<byte> buffer = stackalloc byte[MaxTemporalLength];
        var length = CopyString(ref reader, buffer);
        if (length < 11)
        {
            return false; // a date alone, or too long to be valid
        }

        ReadOnlySpan<byte> text = buffer[..length];
        if (text[^1] is (byte)'Z' or (byte)'z')
        {
            return true;
        }

        return text[^6] is (byte)'+' or (byte)'-' && text[^3] == (byte)':';
    }

    private static JsonException Mismatch(ref Utf8JsonReader reader, string typeName, string memberName, string expected)
        => new($"Cannot read {typeName}.{memberName}: expected {expected}, found {reader.TokenType}.");

    private static JsonException OutOfRange(string typeName, string memberName, string expected)
        => new($"Cannot read {typeName}.{memberName}: the number does not fit {expected}.");

    private static JsonException NotTemporal(string typeName, string memberName, string expected)
        => new($"Cannot read {typeName}.{memberName}: the string is not {expected}.");
}
