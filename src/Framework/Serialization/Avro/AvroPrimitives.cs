using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Text;

namespace KafkaTyped.Serialization;

/// <summary>
/// Constants, conversions and errors shared by the generated Avro serializers: the <c>decimal</c> logical type, the
/// epochs of the date and time logical types, the nesting limit and the exceptions that name the member. Used by
/// generated code only; the mapping is described in <c>docs/avro.md</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AvroPrimitives
{
    /// <summary>The deepest nesting of records a reader accepts; a body that nests deeper is rejected before it can exhaust the stack.</summary>
    public const int MaxDepth = 64;

    /// <summary>The precision of a decimal member without <see cref="AvroDecimalAttribute"/>.</summary>
    public const int DefaultDecimalPrecision = 29;

    /// <summary>The scale of a decimal member without <see cref="AvroDecimalAttribute"/>.</summary>
    public const int DefaultDecimalScale = 14;

    /// <summary>The ticks of 1970-01-01T00:00:00Z.</summary>
    public const long UnixEpochTicks = 621355968000000000;

    /// <summary>The day number of 1970-01-01.</summary>
    public const int UnixEpochDayNumber = 719162;

    private static readonly UInt128 s_decimalLimit = (UInt128)1 << 96;
    private static readonly UInt128[] s_powersOf10 = PowersOf10();

    /// <summary>UTF-8 that fails on lone surrogates and invalid bytes rather than replacing them.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A member that is not nullable holds <see langword="null"/> when it is written.</summary>
    /// <param name="typeName">The type.</param>
    /// <param name="memberName">The member.</param>
    /// <returns>The exception to throw.</returns>
    public static AvroSerializationException NullWhenWriting(string typeName, string memberName)
        => new($"Cannot write {typeName}: {memberName} is null but is not nullable; declare it nullable to write [\"null\", T].");

    /// <summary>An enum value that no member names, which an Avro enum cannot carry.</summary>
    /// <param name="typeName">The type.</param>
    /// <param name="memberName">The member.</param>
    /// <param name="value">The value, as a number.</param>
    /// <returns>The exception to throw.</returns>
    public static AvroSerializationException UnnamedEnumValue(string typeName, string memberName, long value)
        => new($"Cannot write {typeName}: {memberName} holds {value}, which no member of its enum names; an Avro enum carries symbols only.");

    /// <summary>A map whose key occurs twice.</summary>
    /// <param name="typeName">The type.</param>
    /// <param name="memberName">The member.</param>
    /// <param name="key">The key.</param>
    /// <returns>The exception to throw.</returns>
    public static AvroSerializationException DuplicateKey(string typeName, string memberName, string key)
        => new($"Cannot read {typeName}: the map {memberName} holds the key '{key}' twice.");

    /// <summary>Wraps a failure of a member's value with where it happened.</summary>
    /// <param name="typeName">The type.</param>
    /// <param name="memberName">The member.</param>
    /// <param name="inner">The failure.</param>
    /// <returns>The exception to throw.</returns>
    public static AvroSerializationException InMember(string typeName, string memberName, Exception inner)
        => new($"{typeName}.{memberName}: {inner.Message}", inner);

    /// <summary>
    /// Encodes the unscaled value of <paramref name="value"/> at <paramref name="scale"/> into the end of
    /// <paramref name="destination"/> (16 bytes) as big-endian two's complement of the fewest bytes.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="precision">The schema's precision (1 to 38).</param>
    /// <param name="scale">The schema's scale.</param>
    /// <param name="destination">Sixteen bytes.</param>
    /// <returns>How many of the last bytes of <paramref name="destination"/> hold the encoding.</returns>
    /// <exception cref="AvroSerializationException">The value has more decimal places than the scale or more digits than the precision.</exception>
    public static int EncodeDecimal(decimal value, int precision, int scale, Span<byte> destination)
    {
        // Kept free of loops, stack allocations and string formatting (each in a helper of its own): a method with a
        // loop and a stack allocation is compiled once, without tiering, and formatting adds to every call's frame.
        var valueScale = (int)value.Scale;
        var mantissa = Mantissa(value);

        // Trailing zeros beyond the scale are dropped; other digits beyond it would be lost, which is an error.
        if (valueScale > scale)
        {
            mantissa = DropPlaces(mantissa, valueScale, value, precision, scale);
            valueScale = scale;
        }

        // Scaled up in one multiplication: m * 10^shift < 10^precision exactly when m < 10^(precision - shift), which
        // also keeps the product inside 128 bits (10^38 < 2^128).
        var shift = scale - valueScale;
        var limit = Pow10(precision); // a precision outside 1 to 38 is refused here, as when reading
        if (shift > 0)
        {
            if (mantissa != 0)
            {
                if (shift > precision || mantissa >= s_powersOf10[precision - shift])
                {
                    throw TooManyDigits(value, precision, scale);
                }

                mantissa *= s_powersOf10[shift];
            }
        }
        else if (mantissa >= limit)
        {
            throw TooManyDigits(value, precision, scale);
        }

        var unscaled = decimal.IsNegative(value) ? -(Int128)mantissa : (Int128)mantissa;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)(unscaled >> 64));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[8..], (ulong)unscaled);

        // The fewest bytes that keep the sign: the value's significant bits (those of its complement when negative) and
        // one more for the sign, in whole bytes.
        var significant = 128 - (int)UInt128.LeadingZeroCount((UInt128)(unscaled < 0 ? ~unscaled : unscaled));
        return (significant / 8) + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Mantissa(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        return ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static UInt128 DropPlaces(UInt128 mantissa, int valueScale, decimal value, int precision, int scale)
    {
        while (valueScale > scale)
        {
            if (mantissa % 10 != 0)
            {
                throw new AvroSerializationException($"{value} has more than the {scale} decimal places of its Avro decimal (precision {precision}, scale {scale}); round it or declare [AvroDecimal] with a larger scale.");
            }

            mantissa /= 10;
            valueScale--;
        }

        return mantissa;
    }

    /// <summary>
    /// Decodes a big-endian two's-complement unscaled value at <paramref name="scale"/>. Digits beyond what a .NET decimal
    /// holds (more than 28 or 29 significant) are rounded half to even.
    /// </summary>
    /// <param name="bytes">The unscaled value.</param>
    /// <param name="scale">The writer's scale.</param>
    /// <param name="value">The value.</param>
    /// <returns>Whether the value fits a .NET decimal.</returns>
    public static bool DecodeDecimal(ReadOnlySpan<byte> bytes, int scale, out decimal value)
    {
        value = 0m;
        if (bytes.Length > 16 || scale < 0)
        {
            return false;
        }

        if (bytes.IsEmpty)
        {
            return true;
        }

        Int128 unscaled = (sbyte)bytes[0];
        for (var i = 1; i < bytes.Length; i++)
        {
            unscaled = (unscaled << 8) | bytes[i];
        }

        var negative = unscaled < 0;
        var magnitude = negative ? (UInt128)(-unscaled) : (UInt128)unscaled;
        if (negative && unscaled == Int128.MinValue)
        {
            magnitude = (UInt128)Int128.MaxValue + 1;
        }

        while (magnitude >= s_decimalLimit || scale > 28)
        {
            if (scale == 0)
            {
                return false;
            }

            var remainder = magnitude % 10;
            magnitude /= 10;
            scale--;
            if (remainder > 5 || (remainder == 5 && (magnitude & 1) == 1))
            {
                magnitude++;
            }
        }

        value = new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), (int)(uint)(magnitude >> 64), negative, (byte)scale);
        return true;
    }

    private static UInt128 Pow10(int exponent)
        => (uint)exponent < (uint)s_powersOf10.Length ? s_powersOf10[exponent] : throw PrecisionOutOfRange(exponent);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static AvroSerializationException PrecisionOutOfRange(int precision)
        => new($"An Avro decimal precision of {precision} is outside 1 to 38.");

    private static UInt128[] PowersOf10()
    {
        var powers = new UInt128[39];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static AvroSerializationException TooManyDigits(decimal value, int precision, int scale)
        => new($"{value} has more than the {precision} digits of its Avro decimal (precision {precision}, scale {scale}); declare [AvroDecimal] with a larger precision.");
}
