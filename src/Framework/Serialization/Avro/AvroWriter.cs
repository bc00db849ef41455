using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Text;

namespace KafkaTyped.Serialization;

/// <summary>
/// Writes the Avro binary encoding (zig-zag varints, little-endian floats, length-prefixed bytes and strings, blocked
/// arrays and maps) straight into an <see cref="IBufferWriter{T}"/>, allocating nothing of its own. Used by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct AvroWriter
{
    private const int MaxVarLongLength = 10;
    private const int GuidLength = 36;
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    /// <param name="output">Receives the bytes.</param>
    public AvroWriter(IBufferWriter<byte> output) => _output = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>Writes an Avro <c>boolean</c>.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteBoolean(bool value)
    {
        _output.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _output.Advance(1);
    }

    /// <summary>Writes an Avro <c>int</c>.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void WriteInt(int value) => WriteLong(value);

    /// <summary>Writes an Avro <c>long</c>: zig-zag, then seven bits a byte, least significant first.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteLong(long value)
    {
        var span = _output.GetSpan(MaxVarLongLength);
        var n = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (n >= 0x80)
        {
            span[i++] = (byte)(n | 0x80);
            n >>= 7;
        }

        span[i++] = (byte)n;
        _output.Advance(i);
    }

    /// <summary>Writes an Avro <c>long</c> from an unsigned value, which must not exceed <see cref="long.MaxValue"/>.</summary>
    /// <param name="value">The value.</param>
    /// <exception cref="AvroSerializationException">The value does not fit a <c>long</c>.</exception>
    public readonly void WriteUInt64(ulong value)
    {
        if (value > long.MaxValue)
        {
            throw new AvroSerializationException($"{value} does not fit an Avro long (at most {long.MaxValue}).");
        }

        WriteLong((long)value);
    }

    /// <summary>Writes an Avro <c>float</c> (four bytes, little-endian).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteFloat(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    /// <summary>Writes an Avro <c>double</c> (eight bytes, little-endian).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    /// <summary>Writes an Avro <c>string</c>: its UTF-8 length, then its UTF-8 bytes.</summary>
    /// <param name="value">The value (not <see langword="null"/>).</param>
    /// <exception cref="AvroSerializationException">The string holds a lone surrogate, which UTF-8 cannot carry.</exception>
    public readonly void WriteString(string value)
    {
        if (value.Length <= OnePassStringLength)
        {
            WriteStringInOnePass(value);
            return;
        }

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
            var written = AvroPrimitives.StrictUtf8.GetBytes(value, _output.GetSpan(length));
            _output.Advance(written);
        }
    }

    /// <summary>Strings up to this many characters are encoded straight behind room for their longest length prefix.</summary>
    private const int OnePassStringLength = 4096;

    /// <summary>
    /// Encodes the string once, behind room for the length prefix its longest encoding (three bytes a character) would
    /// need, then writes the prefix of the real length in front, moving the bytes up when that prefix is shorter: one
    /// pass over the characters instead of counting them first.
    /// </summary>
    private readonly void WriteStringInOnePass(string value)
    {
        var room = VarLongLength(value.Length * 3);
        var span = _output.GetSpan(room + (value.Length * 3));
        if (System.Text.Unicode.Utf8.FromUtf16(value, span[room..], out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw LoneSurrogate(inner: null);
        }

        var prefix = VarLongLength(written);
        if (prefix < room)
        {
            span.Slice(room, written).CopyTo(span[prefix..]);
        }

        var n = (ulong)written << 1; // zig-zag of a non-negative length
        var i = 0;
        while (n >= 0x80)
        {
            span[i++] = (byte)(n | 0x80);
            n >>= 7;
        }

        span[i] = (byte)n;
        _output.Advance(prefix + written);
    }

    /// <summary>How many bytes the zig-zag varint of a non-negative <paramref name="value"/> takes.</summary>
    private static int VarLongLength(long value)
    {
        var n = (ulong)value << 1;
        var length = 1;
        while (n >= 0x80)
        {
            n >>= 7;
            length++;
        }

        return length;
    }

    private static AvroSerializationException LoneSurrogate(Exception? inner)
        => new("A string holds a lone surrogate, which UTF-8 cannot carry.", inner);

    /// <summary>Writes Avro <c>bytes</c>: the length, then the bytes.</summary>
    /// <param name="value">The bytes.</param>
    public readonly void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteLong(value.Length);
        if (!value.IsEmpty)
        {
            value.CopyTo(_output.GetSpan(value.Length));
            _output.Advance(value.Length);
        }
    }

    /// <summary>Writes a <c>uuid</c> string in its 36-character "D" form, lower case.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteUuid(Guid value)
    {
        var span = _output.GetSpan(GuidLength + 1);
        span[0] = GuidLength * 2; // the zig-zag varint of 36
        Utf8Formatter.TryFormat(value, span[1..], out _, 'D');
        _output.Advance(GuidLength + 1);
    }

    /// <summary>
    /// Writes a <c>decimal</c> logical value: the unscaled value at <paramref name="scale"/> as a big-endian two's-complement
    /// integer of the fewest bytes, as Java's <c>BigInteger.toByteArray</c> writes it.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="precision">The schema's precision.</param>
    /// <param name="scale">The schema's scale.</param>
    /// <exception cref="AvroSerializationException">The value has more decimal places than <paramref name="scale"/> or more digits than <paramref name="precision"/>.</exception>
    public readonly void WriteDecimal(decimal value, int precision, int scale)
    {
        Span<byte> bytes = stackalloc byte[16];
        var length = AvroPrimitives.EncodeDecimal(value, precision, scale, bytes);
        WriteBytes(bytes[(16 - length)..]);
    }

    /// <summary>Writes a <c>timestamp-micros</c>: microseconds since 1970-01-01T00:00:00Z (a local time is converted to UTC, an unspecified one is taken as UTC).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteTimestampMicros(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        WriteLong((utc.Ticks - AvroPrimitives.UnixEpochTicks) / TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>Writes a <c>timestamp-micros</c> of the instant <paramref name="value"/> denotes (its offset is not kept).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteTimestampMicros(DateTimeOffset value)
        => WriteLong((value.UtcTicks - AvroPrimitives.UnixEpochTicks) / TimeSpan.TicksPerMicrosecond);

    /// <summary>Writes a <c>date</c>: days since 1970-01-01.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteDate(DateOnly value) => WriteInt(value.DayNumber - AvroPrimitives.UnixEpochDayNumber);

    /// <summary>Writes a <c>time-micros</c>: microseconds since midnight.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteTimeMicros(TimeOnly value) => WriteLong(value.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Writes a <see cref="TimeSpan"/> as a <c>long</c> of its ticks (100 ns), exactly.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteTimeSpan(TimeSpan value) => WriteLong(value.Ticks);

    /// <summary>Writes the branch index of a union.</summary>
    /// <param name="index">The zero-based branch.</param>
    public readonly void WriteUnionIndex(int index) => WriteLong(index);

    /// <summary>Writes the item count of an array or map block; zero ends the array or map.</summary>
    /// <param name="count">The count.</param>
    public readonly void WriteBlockCount(long count) => WriteLong(count);
}
