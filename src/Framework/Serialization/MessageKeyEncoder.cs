using System.Buffers.Binary;
using System.Buffers.Text;
using System.ComponentModel;
using System.Text;

namespace KafkaTyped.Serialization;

/// <summary>
/// Encodes <see cref="MessageKeyAttribute"/> members as Kafka record keys, as the wire contract says:
/// strings and Guids (in "D" form) as UTF-8 text, <see cref="int"/> and <see cref="long"/> big-endian like the
/// Java client's serializers, byte arrays as they are. A <see langword="null"/> value gives a <see langword="null"/> key.
/// Called by the generated <c>SerializeKey</c> of every message type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MessageKeyEncoder
{
    /// <summary>Encodes a string key as UTF-8.</summary>
    /// <param name="value">The key value.</param>
    /// <returns>The UTF-8 bytes, or <see langword="null"/> for a <see langword="null"/> value.</returns>
    public static byte[]? Encode(string? value) => value is null ? null : Encoding.UTF8.GetBytes(value);

    /// <summary>Encodes a Guid key as its 36 UTF-8 characters in "D" form (lower case, with hyphens).</summary>
    /// <param name="value">The key value.</param>
    /// <returns>36 bytes.</returns>
    public static byte[] Encode(Guid value)
    {
        var bytes = new byte[36];
        Utf8Formatter.TryFormat(value, bytes, out _, 'D');
        return bytes;
    }

    /// <summary>Encodes an optional Guid key.</summary>
    /// <param name="value">The key value.</param>
    /// <returns>36 bytes, or <see langword="null"/> when <paramref name="value"/> has no value.</returns>
    public static byte[]? Encode(Guid? value) => value is { } v ? Encode(v) : null;

    /// <summary>Encodes a 32-bit key as 4 big-endian bytes.</summary>
    /// <param name="value">The key value.</param>
    /// <returns>4 bytes.</returns>
    public static byte[] Encode(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Encodes an optional 32-bit key.</summary>
    /// <param name="value">The key value.</param>
    /// <returns>4 bytes, or <see langword="null"/> when <paramref name="value"/> has no value.</returns>
    public static byte[]? Encode(int? value) => value is { } v ? Encode(v) : null;

    /// <summary>Encodes a 64-bit key as 8 big-endian bytes.</summary>
    /// <param name="value">The key value.</param>
    /// <returns>8 bytes.</returns>
    public static byte[] Encode(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Encodes an optional 64-bit key.</summary>
    /// <param name="value">The key value.</param>
    /// <returns>8 bytes, or <see langword="null"/> when <paramref name="value"/> has no value.</returns>
    public static byte[]? Encode(long? value) => value is { } v ? Encode(v) : null;

    /// <summary>Uses a byte-array key as it is (the array is not copied).</summary>
    /// <param name="value">The key value.</param>
    /// <returns><paramref name="value"/>.</returns>
    public static byte[]? Encode(byte[]? value) => value;
}
