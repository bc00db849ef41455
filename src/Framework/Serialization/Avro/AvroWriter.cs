using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace KafkaTyped.Serialization;

/// <summary>
/// Writes the Avro binary encoding (zig-zag varints, little-endian floats, length-prefixed bytes and strings, blocked
/// arrays and maps) straight into an <see cref="IBufferWriter{T}"/>, allocating nothing of its own. Used by generated code.
/// </summary>
/// <remarks>
/// The writer holds one span of the output at a time (at least <see cref="ChunkSize"/> bytes, or whatever more the output
/// gives) and writes values into it, advancing the output only when the span is full and in <see cref="Flush"/>: the
/// bytes written since the last flush are not yet in the output. Whoever creates a writer flushes it once done (the
/// generated encoders take the writer by reference and leave that to their caller); and while a writer is in use, nothing
/// else may write to its output.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct AvroWriter
{
    /// <summary>The least a writer asks its output for when its span is full: enough for a small record at once.</summary>
    public const int ChunkSize = 512;

    private const int MaxVarLongLength = 10;
    private const int GuidLength = 36;
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _position;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    /// <param name="output">Receives the bytes, once they are flushed.</param>
    public AvroWriter(IBufferWriter<byte> output)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _span = default;
        _position = 0;
    }

    /// <summary>Advances the output past the bytes written since the last flush; the next value asks it for a new span.</summary>
    public void Flush()
    {
        if (_position > 0)
        {
            _output.Advance(_position);
        }

        _span = default;
        _position = 0;
    }

    /// <summary>Writes bytes as they are (an encoding made elsewhere).</summary>
    /// <param name="bytes">The bytes.</param>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _position += bytes.Length;
    }

    /// <summary>Writes an Avro <c>boolean</c>.</summary>
    /// <param name="value">The value.</param>
    public void WriteBoolean(bool value)
    {
        Reserve(1)[0] = value ? (byte)1 : (byte)0;
        _position++;
    }

    /// <summary>Writes an Avro <c>int</c>.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt(int value) => WriteLong(value);

    /// <summary>Writes an Avro <c>long</c>: zig-zag, then seven bits a byte, least significant first.</summary>
    /// <param name="value">The value.</param>
    public void WriteLong(long value)
    {
        var span = Reserve(MaxVarLongLength);
        var n = (ulong)((value << 1) ^ (value >> 63));
        if (n < 0x80)
        {
            span[0] = (byte)n;
            _position++;
            return;
        }

        _position += WriteVarLong(span, n);
    }

    /// <summary>The free span of at least <paramref name="length"/> bytes at the writer's position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int length)
    {
        if (_span.Length - _position < length)
        {
            Grow(length);
        }

        return _span[_position..];
    }

    private void Grow(int length)
    {
        if (_position > 0)
        {
            _output.Advance(_position);
            _position = 0;
        }

        _span = _output.GetSpan(Math.Max(length, ChunkSize));
        if (_span.Length < length)
        {
            throw new InvalidOperationException($"The output gave a span of {_span.Length} bytes when asked for {length}.");
        }
    }

    /// <summary>Writes the varint of <paramref name="n"/> (already zig-zagged) at the start of <paramref name="span"/>.</summary>
    /// <returns>How many bytes it took.</returns>
    private static int WriteVarLong(Span<byte> span, ulong n)
    {
        var i = 0;
        while (n >= 0x80)
        {
            span[i++] = (byte)(n | 0x80);
            n >>= 7;
        }

        span[i++] = (byte)n;
        return i;
    }

    /// <summary>Writes an Avro <c>long</c> from an unsigned value, which must not exceed <see cref="long.MaxValue"/>.</summary>
    /// <param name="value">The value.</param>
    /// <exception cref="AvroSerializationException">The value does not fit a <c>long</c>.</exception>
    public void WriteUInt64(ulong value)
    {
        if (value > long.MaxValue)
        {
            throw new AvroSerializationException($"{value} does not fit an Avro long (at most {long.MaxValue}).");
        }

        WriteLong((long)value);
    }

    /// <summary>Writes an Avro <c>float</c> (four bytes, little-endian).</summary>
    /// <param name="value">The value.</param>
    public void WriteFloat(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
        _position += 4;
    }

    /// <summary>Writes an Avro <c>double</c> (eight bytes, little-endian).</summary>
    /// <param name="value">The value.</param>
    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        _position += 8;
    }

    /// <summary>Writes an Avro <c>string</c>: its UTF-8 length, then its UTF-8 bytes.</summary>
    /// <param name="value">The value (not <see langword="null"/>).</param>
    /// <exception cref="AvroSerializationException">The string holds a lone surrogate, which UTF-8 cannot carry.</exception>
    public void WriteString(string value)
    {
        if (value.Length <= OnePassStringLength)
        {
            WriteStringInOnePass(value);
        }
        else
        {
            WriteLongString(value);
        }
    }

    /// <summary>A string longer than <see cref="OnePassStringLength"/>: counted, then encoded (out of line, for its exception handler).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteLongString(string value)
    {
        int length;
        try
        {
            length = AvroPrimitives.StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw LoneSurrogate(ex);
        }

        WriteLong(length);
        if (length > 0)
        {
            var span = Reserve(length); // before reading the position, which a new span resets
            _position += AvroPrimitives.StrictUtf8.GetBytes(value, span);
        }
    }

    /// <summary>Strings up to this many characters are encoded in one pass behind room for their length prefix.</summary>
    private const int OnePassStringLength = 4096;

    /// <summary>
    /// Encodes the string once, behind the room the length prefix of its shortest encoding (one byte a character, which
    /// ASCII is) takes, then writes the prefix of the real length in front, moving the bytes up in the rare case that
    /// prefix is longer: one pass over the characters instead of counting them first, and no move for ASCII.
    /// </summary>
    private void WriteStringInOnePass(string value)
    {
        var maxBytes = value.Length * 3;
        var room = VarLongLength(value.Length);
        var span = Reserve(VarLongLength(maxBytes) + maxBytes);
        if (System.Text.Unicode.Utf8.FromUtf16(value, span[room..], out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw LoneSurrogate(inner: null);
        }

        var n = (ulong)written << 1; // zig-zag of a non-negative length
        if (n < 0x80)
        {
            span[0] = (byte)n; // room is 1 too: the string has no more characters than bytes
            _position += 1 + written;
            return;
        }

        var prefix = VarLongLength(written);
        if (prefix > room)
        {
            span.Slice(room, written).CopyTo(span[prefix..]);
        }

        WriteVarLong(span, n);
        _position += prefix + written;
    }

    /// <summary>How many bytes the zig-zag varint of a non-negative <paramref name="value"/> takes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VarLongLength(long value) => (BitOperations.Log2(((ulong)value << 1) | 1) / 7) + 1;

    private static AvroSerializationException LoneSurrogate(Exception? inner)
        => new("A string holds a lone surrogate, which UTF-8 cannot carry.", inner);

    /// <summary>Writes Avro <c>bytes</c>: the length, then the bytes.</summary>
    /// <param name="value">The bytes.</param>
    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        WriteLong(value.Length);
        if (!value.IsEmpty)
        {
            value.CopyTo(Reserve(value.Length));
            _position += value.Length;
        }
    }

    /// <summary>Writes a <c>uuid</c> string in its 36-character "D" form, lower case.</summary>
    /// <param name="value">The value.</param>
    public void WriteUuid(Guid value)
    {
        var span = Reserve(GuidLength + 1);
        span[0] = GuidLength * 2; // the zig-zag varint of 36
        Utf8Formatter.TryFormat(value, span[1..], out _, 'D');
        _position += GuidLength + 1;
    }

    /// <summary>
    /// Writes a <c>decimal</c> logical value: the unscaled value at <paramref name="scale"/> as a big-endian two's-complement
    /// integer of the fewest bytes, as Java's <c>BigInteger.toByteArray</c> writes it.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="precision">The schema's precision.</param>
    /// <param name="scale">The schema's scale.</param>
    /// <exception cref="AvroSerializationException">The value has more decimal places than <paramref name="scale"/> or more digits than <paramref name="precision"/>.</exception>
    public void WriteDecimal(decimal value, int precision, int scale)
    {
        // At most 16 bytes, so the length prefix is one byte (zig-zag 32 at most).
        var span = Reserve(17);
        var length = AvroPrimitives.EncodeDecimal(value, precision, scale, span.Slice(1, 16));
        span[0] = (byte)(length << 1);
        if (length < 16)
        {
            span.Slice(17 - length, length).CopyTo(span[1..]);
        }

        _position += 1 + length;
    }

    /// <summary>Writes a <c>timestamp-micros</c>: microseconds since 1970-01-01T00:00:00Z (a local time is converted to UTC, an unspecified one is taken as UTC).</summary>
    /// <param name="value">The value.</param>
    public void WriteTimestampMicros(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        WriteLong((utc.Ticks - AvroPrimitives.UnixEpochTicks) / TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>Writes a <c>timestamp-micros</c> of the instant <paramref name="value"/> denotes (its offset is not kept).</summary>
    /// <param name="value">The value.</param>
    public void WriteTimestampMicros(DateTimeOffset value)
        => WriteLong((value.UtcTicks - AvroPrimitives.UnixEpochTicks) / TimeSpan.TicksPerMicrosecond);

    /// <summary>Writes a <c>date</c>: days since 1970-01-01.</summary>
    /// <param name="value">The value.</param>
    public void WriteDate(DateOnly value) => WriteInt(value.DayNumber - AvroPrimitives.UnixEpochDayNumber);

    /// <summary>Writes a <c>time-micros</c>: microseconds since midnight.</summary>
    /// <param name="value">The value.</param>
    public void WriteTimeMicros(TimeOnly value) => WriteLong(value.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Writes a <see cref="TimeSpan"/> as a <c>long</c> of its ticks (100 ns), exactly.</summary>
    /// <param name="value">The value.</param>
    public void WriteTimeSpan(TimeSpan value) => WriteLong(value.Ticks);

    /// <summary>Writes the branch index of a union.</summary>
    /// <param name="index">The zero-based branch.</param>
    public void WriteUnionIndex(int index) => WriteLong(index);

    /// <summary>Writes the item count of an array or map block; zero ends the array or map.</summary>
    /// <param name="count">The count.</param>
    public void WriteBlockCount(long count) => WriteLong(count);
}
