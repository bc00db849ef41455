using System.Buffers.Binary;

namespace KafkaTyped.CloudEvents;

/// <summary>
/// Makes <c>ce_id</c> values: UUIDv7 (RFC 9562) in "D" form, written straight into the header's bytes. The first 48
/// bits are the Unix time in milliseconds of the record's <c>ce_time</c>, so ids sort by when they were made; the other
/// 74 bits (after the version and variant) are random.
/// </summary>
/// <remarks>
/// <see cref="Guid.CreateVersion7()"/> draws its random bits from the operating system's secure source on every call (a
/// system call per published record on Linux). A message id must be unique, not secret, so the bits come from
/// <see cref="Random.Shared"/> instead: a xoshiro256** generator per thread, itself seeded from the secure source. 74
/// random bits per millisecond make a collision between any two ids of one millisecond a 1-in-2^74 event.
/// </remarks>
internal static class MessageIds
{
    /// <summary>The length of an id in "D" form.</summary>
    public const int Length = 36;

    /// <summary>A new id for a record made at <paramref name="time"/>, as its 36 UTF-8 bytes.</summary>
    public static byte[] NewUtf8(DateTimeOffset time)
    {
        var id = new byte[Length];
        New(time).TryFormat(id, out _, "D");
        return id;
    }

    /// <summary>A new UUIDv7 for <paramref name="time"/> (clamped to the 48 bits of milliseconds the layout holds).</summary>
    public static Guid New(DateTimeOffset time)
    {
        var milliseconds = Math.Clamp(time.ToUnixTimeMilliseconds(), 0, (1L << 48) - 1);
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16 | BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]));
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7 in the high nibble
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true);
    }
}
