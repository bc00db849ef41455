using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using MessagePack;

namespace KafkaTyped.Serialization;

/// <summary>
/// Encodings and guards shared by the generated serializers: the types MessagePack has no native format for
/// (written as MessagePack-CSharp's standard resolver writes them, so other readers interoperate), checked
/// collection headers, the nesting-depth limit and the exceptions that name what was wrong.
/// Used by generated code only; see <c>docs/serialization.md</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MessagePackPrimitives
{
    /// <summary>
    /// The deepest nesting of generated types (and of skipped unknown arrays and maps) a reader accepts.
    /// A payload that nests deeper is rejected before it can exhaust the stack.
    /// </summary>
    public const int MaxDepth = 64;

    private const int GuidLength = 36;
    private const int MaxDecimalLength = 64;
    private const int MaxDecimalTextLength = 31;

    /// <summary>Enters one nesting level of a generated type, failing beyond <see cref="MaxDepth"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="typeName">The type being read, for the error message.</param>
    public static void EnterObject(ref MessagePackReader reader, string typeName)
    {
        if (reader.Depth >= MaxDepth)
        {
            throw new MessagePackSerializationException($"Cannot read {typeName}: the payload nests generated types deeper than {MaxDepth} levels.");
        }

        reader.Depth++;
    }

    /// <summary>Leaves the nesting level entered by <see cref="EnterObject"/>.</summary>
    /// <param name="reader">The reader.</param>
    public static void LeaveObject(ref MessagePackReader reader) => reader.Depth--;

    /// <summary>Reads the array header that starts the encoding of a generated type.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="typeName">The type being read, for the error message.</param>
    /// <returns>The number of encoded members.</returns>
    public static int ReadObjectHeader(ref MessagePackReader reader, string typeName)
    {
        var type = reader.NextMessagePackType;
        if (type != MessagePackType.Array)
        {
            throw new MessagePackSerializationException($"Cannot read {typeName}: expected a MessagePack array of its members, found {type} (code 0x{reader.NextCode:x2}).");
        }

        return CheckCount(reader.ReadArrayHeader(), 1, ref reader);
    }

    /// <summary>Reads an array header whose element count is checked against the bytes that remain.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The element count, never negative and never more than the remaining bytes.</returns>
    public static int ReadArrayHeader(ref MessagePackReader reader) => CheckCount(reader.ReadArrayHeader(), 1, ref reader);

    /// <summary>Reads a map header whose entry count is checked against the bytes that remain (two per entry at least).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The entry count, never negative and never more than half the remaining bytes.</returns>
    public static int ReadMapHeader(ref MessagePackReader reader)
    {
        if (!reader.TryReadMapHeader(out var count))
        {
            throw new EndOfStreamException("The payload ends inside a map header.");
        }

        return CheckCount(count, 2, ref reader);
    }

    /// <summary>Skips <paramref name="count"/> values (members a newer writer added), with the nesting limit applied.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="count">How many values to skip; zero or negative skips nothing.</param>
    public static void Skip(ref MessagePackReader reader, int count)
    {
        for (var i = 0; i < count; i++)
        {
            SkipValue(ref reader, reader.Depth);
        }
    }

    /// <summary>Reads a non-nil map key.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="typeName">The type being read.</param>
    /// <param name="memberName">The member being read.</param>
    /// <returns>The key.</returns>
    public static string ReadMapKey(ref MessagePackReader reader, string typeName, string memberName)
        => reader.ReadString() ?? throw new MessagePackSerializationException($"Cannot read {typeName}.{memberName}: a dictionary key is nil.");

    /// <summary>Reads a binary value (or nil) into a new array of exactly the encoded length.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The bytes, or <see langword="null"/> for nil.</returns>
    public static byte[]? ReadBinary(ref MessagePackReader reader)
    {
        ReadOnlySequence<byte>? bytes;
        try
        {
            bytes = reader.ReadBytes();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new EndOfStreamException("A binary length prefix claims more bytes than the payload holds.", ex);
        }

        return bytes?.ToArray();
    }

    /// <summary>Writes a Guid as its 36-character "D" string, as MessagePack-CSharp's standard resolver does.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteGuid(ref MessagePackWriter writer, Guid value)
    {
        writer.WriteStringHeader(GuidLength);
        var span = writer.GetSpan(GuidLength);
        Utf8Formatter.TryFormat(value, span, out _, 'D');
        writer.Advance(GuidLength);
    }

    /// <summary>Reads a Guid written by <see cref="WriteGuid"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static Guid ReadGuid(ref MessagePackReader reader)
    {
        Span<byte> buffer = stackalloc byte[GuidLength];
        var length = ReadShortString(ref reader, buffer, "Guid");
        var text = buffer[..length];
        if (!Utf8Parser.TryParse(text, out Guid value, out var consumed, 'D') || consumed != text.Length)
        {
            throw new MessagePackSerializationException("A Guid is not in \"D\" form (32 hexadecimal digits separated by hyphens).");
        }

        return value;
    }

    /// <summary>Writes a decimal as its invariant-culture string, as MessagePack-CSharp's standard resolver does (no precision lost).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDecimal(ref MessagePackWriter writer, decimal value)
    {
        // A decimal's invariant text has at most 31 characters (29 digits, sign, point), so it is always a fixstr:
        // one header byte (0xa0 | length) followed by the text, formatted in place.
        var span = writer.GetSpan(MaxDecimalTextLength + 1);
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[0] = (byte)(0xa0 | written);
        writer.Advance(written + 1);
    }

    /// <summary>Reads a decimal written by <see cref="WriteDecimal"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static decimal ReadDecimal(ref MessagePackReader reader)
    {
        Span<byte> buffer = stackalloc byte[MaxDecimalLength];
        var length = ReadShortString(ref reader, buffer, "decimal");
        var text = buffer[..length];
        if (!Utf8Parser.TryParse(text, out decimal value, out var consumed) || consumed != text.Length)
        {
            throw new MessagePackSerializationException("A decimal is not an invariant-culture number.");
        }

        return value;
    }

    /// <summary>
    /// Writes a <see cref="DateTimeOffset"/> as MessagePack-CSharp's standard resolver does: an array of the clock
    /// time as a timestamp extension and the offset in minutes.
    /// </summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteDateTimeOffset(ref MessagePackWriter writer, DateTimeOffset value)
    {
        writer.WriteArrayHeader(2);
        writer.Write(new DateTime(value.Ticks, DateTimeKind.Utc));
        writer.Write((short)value.Offset.TotalMinutes);
    }

    /// <summary>Reads a <see cref="DateTimeOffset"/> written by <see cref="WriteDateTimeOffset"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateTimeOffset ReadDateTimeOffset(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        if (count != 2)
        {
            throw new MessagePackSerializationException($"A DateTimeOffset is an array of 2 elements, found {count}.");
        }

        var clock = reader.ReadDateTime();
        var offsetMinutes = reader.ReadInt16();
        if (offsetMinutes is < -14 * 60 or > 14 * 60)
        {
            throw new MessagePackSerializationException($"A DateTimeOffset has an offset of {offsetMinutes} minutes, outside -14 h to +14 h.");
        }

        return new DateTimeOffset(clock.Ticks, TimeSpan.FromMinutes(offsetMinutes));
    }

    /// <summary>Reads a <see cref="DateOnly"/> written as its day number (an integer).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateOnly ReadDateOnly(ref MessagePackReader reader)
    {
        var dayNumber = reader.ReadInt32();
        if ((uint)dayNumber > (uint)DateOnly.MaxValue.DayNumber)
        {
            throw new MessagePackSerializationException($"A DateOnly day number {dayNumber} is out of range.");
        }

        return DateOnly.FromDayNumber(dayNumber);
    }

    /// <summary>Reads a <see cref="TimeOnly"/> written as its ticks (an integer).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static TimeOnly ReadTimeOnly(ref MessagePackReader reader)
    {
        var ticks = reader.ReadInt64();
        if ((ulong)ticks > (ulong)TimeOnly.MaxValue.Ticks)
        {
            throw new MessagePackSerializationException($"A TimeOnly of {ticks} ticks is out of range.");
        }

        return new TimeOnly(ticks);
    }

    /// <summary>Creates an array of <paramref name="length"/> elements (a shared empty array for zero).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">The element count, already checked against the payload.</param>
    /// <returns>The array.</returns>
    public static T[] NewArray<T>(int length) => length == 0 ? [] : new T[length];

    /// <summary>The exception for a nil where the member is not nullable.</summary>
    /// <param name="typeName">The type being read.</param>
    /// <param name="memberName">The member being read.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException NilForNonNullable(string typeName, string memberName)
        => new($"Cannot read {typeName}.{memberName}: the payload holds nil but the member is not nullable.");

    /// <summary>The exception for a <see langword="null"/> value of a member that is not nullable, found while writing.</summary>
    /// <param name="typeName">The type being written.</param>
    /// <param name="memberName">The member being written.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException NullForNonNullable(string typeName, string memberName)
        => new($"Cannot write {typeName}.{memberName}: the value is null but the member is not nullable.");

    /// <summary>The exception for a dictionary key that occurs twice.</summary>
    /// <param name="typeName">The type being read.</param>
    /// <param name="memberName">The member being read.</param>
    /// <param name="key">The repeated key.</param>
    /// <returns>The exception to throw.</returns>
    public static MessagePackSerializationException DuplicateKey(string typeName, string memberName, string key)
        => new($"Cannot read {typeName}.{memberName}: the dictionary key \"{key}\" occurs twice.");

    private static int CheckCount(int count, int minBytesPerElement, ref MessagePackReader reader)
    {
        // MessagePack 2.5 checks count <= remaining for arrays, but a 32-bit length prefix of 2^31 or more arrives here
        // negative, and count * 2 for maps can overflow: check again in 64 bits.
        var remaining = reader.Sequence.Length - reader.Consumed;
        if (count < 0 || (long)count * minBytesPerElement > remaining)
        {
            throw new EndOfStreamException($"A length prefix claims {(uint)count} elements but only {remaining} bytes remain.");
        }

        return count;
    }

    private static void SkipValue(ref MessagePackReader reader, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                {
                    ThrowIfTooDeep(depth);
                    var count = ReadArrayHeader(ref reader);
                    for (var i = 0; i < count; i++)
                    {
                        SkipValue(ref reader, depth + 1);
                    }

                    break;
                }

            case MessagePackType.Map:
                {
                    ThrowIfTooDeep(depth);
                    var count = ReadMapHeader(ref reader);
                    for (var i = 0; i < count * 2; i++)
                    {
                        SkipValue(ref reader, depth + 1);
                    }

                    break;
                }

            default:
                try
                {
                    reader.Skip();
                }
                catch (ArgumentOutOfRangeException ex)
                {
                    throw new EndOfStreamException("A length prefix claims more bytes than the payload holds.", ex);
                }

                break;
        }
    }

    private static void ThrowIfTooDeep(int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new MessagePackSerializationException($"The payload nests arrays or maps deeper than {MaxDepth} levels.");
        }
    }

    private static int ReadShortString(ref MessagePackReader reader, scoped Span<byte> buffer, string what)
    {
        ReadOnlySequence<byte>? sequence;
        try
        {
            sequence = reader.ReadStringSequence();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new EndOfStreamException("A string length prefix claims more bytes than the payload holds.", ex);
        }

        if (sequence is not { } text)
        {
            throw new MessagePackSerializationException($"A {what} is nil.");
        }

        if (text.Length > buffer.Length)
        {
            throw new MessagePackSerializationException($"A {what} string is {text.Length} bytes long, more than the {buffer.Length} it can take.");
        }

        text.CopyTo(buffer);
        return (int)text.Length;
    }
}
