using System.Buffers.Binary;
using System.Buffers.Text;
using System.ComponentModel;
using System.Text;

namespace KafkaTyped.Serialization;

/// <summary>
/// Reads the Avro binary encoding from a span. Every length and count is checked against the bytes that remain before
/// anything is allocated, varints longer than their type are rejected, and records nest at most
/// <see cref="AvroPrimitives.MaxDepth"/> levels: a hostile body fails with an <see cref="AvroSerializationException"/>
/// that says where, and never allocates more than its own size. Used by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct AvroReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;
    private int _depth;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The Avro body.</param>
    public AvroReader(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>The number of bytes read.</summary>
    public readonly int Position => _position;

    /// <summary>The number of bytes that remain.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>Enters a record, failing beyond <see cref="AvroPrimitives.MaxDepth"/> levels.</summary>
    /// <param name="typeName">The record's type, for the error message.</param>
    public void EnterRecord(string typeName)
    {
        if (_depth >= AvroPrimitives.MaxDepth)
        {
            throw new AvroSerializationException($"Cannot read {typeName}: the body nests records deeper than {AvroPrimitives.MaxDepth} levels.");
        }

        _depth++;
    }

    /// <summary>Leaves the record entered by <see cref="EnterRecord"/>.</summary>
    public void LeaveRecord() => _depth--;

    /// <summary>Reads an Avro <c>boolean</c>: one byte, 0 or 1.</summary>
    /// <returns>The value.</returns>
    public bool ReadBoolean()
    {
        var b = Take(1)[0];
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw Error($"0x{b:x2} is not a boolean (0 or 1)", _position - 1),
        };
    }

    /// <summary>Reads an Avro <c>long</c> (a zig-zag varint of at most ten bytes).</summary>
    /// <returns>The value.</returns>
    public long ReadLong()
    {
        var start = _position;
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                throw Error("the body ends inside a varint", start);
            }

            var b = _buffer[_position++];
            if (shift == 63 && b > 1)
            {
                throw Error("a varint does not fit a long", start);
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (long)(result >> 1) ^ -(long)(result & 1);
            }
        }

        throw Error("a varint does not fit a long", start);
    }

    /// <summary>Reads an Avro <c>int</c>.</summary>
    /// <returns>The value.</returns>
    public int ReadInt()
    {
        var start = _position;
        var value = ReadLong();
        return value is < int.MinValue or > int.MaxValue ? throw Error($"{value} does not fit an int", start) : (int)value;
    }

    /// <summary>Reads an <c>int</c> that must lie in [<paramref name="min"/>, <paramref name="max"/>] (a byte, short or char).</summary>
    /// <param name="min">The smallest value.</param>
    /// <param name="max">The largest value.</param>
    /// <returns>The value.</returns>
    public int ReadInt(int min, int max)
    {
        var start = _position;
        var value = ReadLong();
        return value < min || value > max ? throw Error($"{value} is outside [{min}, {max}]", start) : (int)value;
    }

    /// <summary>Reads a <c>long</c> that must not be negative (an unsigned member).</summary>
    /// <returns>The value.</returns>
    public ulong ReadUInt64()
    {
        var start = _position;
        var value = ReadLong();
        return value < 0 ? throw Error($"{value} is negative for an unsigned member", start) : (ulong)value;
    }

    /// <summary>Reads an Avro <c>float</c>.</summary>
    /// <returns>The value.</returns>
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>Reads an Avro <c>double</c>.</summary>
    /// <returns>The value.</returns>
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Reads an Avro <c>string</c> (valid UTF-8).</summary>
    /// <returns>The value.</returns>
    public string ReadString()
    {
        var start = _position;
        var bytes = TakeLengthPrefixed("string");
        try
        {
            return bytes.IsEmpty ? string.Empty : AvroPrimitives.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new AvroSerializationException($"A string at byte {start} is not valid UTF-8.", ex);
        }
    }

    /// <summary>Reads Avro <c>bytes</c> into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ReadBytes() => TakeLengthPrefixed("bytes").ToArray();

    /// <summary>Reads Avro <c>bytes</c> without copying them.</summary>
    /// <returns>The bytes, a slice of the body.</returns>
    public ReadOnlySpan<byte> ReadBytesSpan() => TakeLengthPrefixed("bytes");

    /// <summary>Reads a <c>uuid</c> string (36 characters, "D" form, either case).</summary>
    /// <returns>The value.</returns>
    public Guid ReadUuid()
    {
        var start = _position;
        var text = TakeLengthPrefixed("uuid");
        return text.Length == 36 && Utf8Parser.TryParse(text, out Guid value, out var consumed, 'D') && consumed == 36
            ? value
            : throw Error("a uuid is not 36 characters of the form 00000000-0000-0000-0000-000000000000", start);
    }

    /// <summary>Reads a <c>decimal</c> logical value written at <paramref name="scale"/>.</summary>
    /// <param name="scale">The writer's scale.</param>
    /// <returns>The value.</returns>
    public decimal ReadDecimal(int scale)
    {
        var start = _position;
        var bytes = TakeLengthPrefixed("decimal");
        return AvroPrimitives.DecodeDecimal(bytes, scale, out var value)
            ? value
            : throw Error($"a decimal of {bytes.Length} bytes at scale {scale} does not fit a .NET decimal", start);
    }

    /// <summary>Reads a <c>timestamp-micros</c> as a UTC <see cref="DateTime"/>.</summary>
    /// <returns>The value.</returns>
    public DateTime ReadDateTime() => new(ReadTimestampTicks(), DateTimeKind.Utc);

    /// <summary>Reads a <c>timestamp-micros</c> as a <see cref="DateTimeOffset"/> at offset zero.</summary>
    /// <returns>The value.</returns>
    public DateTimeOffset ReadDateTimeOffset() => new(ReadTimestampTicks(), TimeSpan.Zero);

    /// <summary>Reads a <c>date</c>.</summary>
    /// <returns>The value.</returns>
    public DateOnly ReadDate()
    {
        var start = _position;
        var days = ReadLong() + AvroPrimitives.UnixEpochDayNumber;
        return days < DateOnly.MinValue.DayNumber || days > DateOnly.MaxValue.DayNumber
            ? throw Error("a date is outside the years 1 to 9999", start)
            : DateOnly.FromDayNumber((int)days);
    }

    /// <summary>Reads a <c>time-micros</c>.</summary>
    /// <returns>The value.</returns>
    public TimeOnly ReadTimeMicros()
    {
        var start = _position;
        var micros = ReadLong();
        return micros < 0 || micros >= TimeSpan.TicksPerDay / TimeSpan.TicksPerMicrosecond
            ? throw Error("a time-micros is outside one day", start)
            : new TimeOnly(micros * TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>Reads a <see cref="TimeSpan"/> written as a <c>long</c> of ticks.</summary>
    /// <returns>The value.</returns>
    public TimeSpan ReadTimeSpan() => new(ReadLong());

    /// <summary>Reads the branch of a <c>["null", T]</c> union.</summary>
    /// <returns><see langword="true"/> for the value branch, <see langword="false"/> for null.</returns>
    public bool ReadNullableBranch()
    {
        var start = _position;
        return ReadLong() switch
        {
            0 => false,
            1 => true,
            var other => throw Error($"union branch {other} is not one of the two of [\"null\", T]", start),
        };
    }

    /// <summary>Reads the symbol index of an enum of <paramref name="symbolCount"/> symbols.</summary>
    /// <param name="symbolCount">The number of symbols.</param>
    /// <returns>The index.</returns>
    public int ReadEnumIndex(int symbolCount)
    {
        var start = _position;
        var index = ReadLong();
        return index < 0 || index >= symbolCount
            ? throw Error($"enum symbol {index} is not one of the {symbolCount} symbols", start)
            : (int)index;
    }

    /// <summary>
    /// Reads the item count of the next block of an array or map; zero when it ends. A negative count (a block followed
    /// by its size in bytes) is read as its absolute value. A count larger than the bytes that remain is rejected, since
    /// every item takes at least one byte.
    /// </summary>
    /// <returns>The number of items in the block, or 0 at the end.</returns>
    public int ReadBlockCount()
    {
        var start = _position;
        var count = ReadLong();
        if (count < 0)
        {
            if (count == long.MinValue)
            {
                throw Error("a block count does not fit a long", start);
            }

            count = -count;
            var size = ReadLong();
            if (size < 0 || size > Remaining)
            {
                throw Error($"a block size of {size} bytes exceeds the {Remaining} that remain", start);
            }
        }

        return count > Remaining
            ? throw Error($"a block of {count} items exceeds the {Remaining} bytes that remain", start)
            : (int)count;
    }

    /// <summary>Moves to <paramref name="position"/>, a position read before (schema resolution reads a record's fields out of order).</summary>
    /// <param name="position">The position.</param>
    internal void Seek(int position) => _position = position;

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    /// <param name="count">The number of bytes to skip.</param>
    public void Skip(int count) => Take(count);

    /// <summary>Fails unless every byte has been read.</summary>
    /// <param name="typeName">The type read, for the error message.</param>
    public readonly void EnsureEnd(string typeName)
    {
        if (!End)
        {
            throw new AvroSerializationException($"Cannot read {typeName}: {Remaining} bytes follow the encoded value.");
        }
    }

    private ReadOnlySpan<byte> TakeLengthPrefixed(string what)
    {
        var start = _position;
        var length = ReadLong();
        if (length < 0)
        {
            throw Error($"{what} has a negative length ({length})", start);
        }

        if (length > Remaining)
        {
            throw Error($"{what} of {length} bytes exceeds the {Remaining} that remain", start);
        }

        return Take((int)length);
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw Error($"the body ends {count - Remaining} bytes early", _position);
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    private long ReadTimestampTicks()
    {
        var start = _position;
        var micros = ReadLong();
        const long MinMicros = (0 - AvroPrimitives.UnixEpochTicks) / TimeSpan.TicksPerMicrosecond;
        const long MaxMicros = (3155378975999999999 - AvroPrimitives.UnixEpochTicks) / TimeSpan.TicksPerMicrosecond;
        return micros < MinMicros || micros > MaxMicros
            ? throw Error("a timestamp-micros is outside the years 1 to 9999", start)
            : (micros * TimeSpan.TicksPerMicrosecond) + AvroPrimitives.UnixEpochTicks;
    }

    private static AvroSerializationException Error(string what, int position)
        => new($"Invalid Avro at byte {position}: {what}.");
}
