using System.Buffers;
using MessagePack;

namespace KafkaTyped.Serialization;

/// <summary>
/// Serializes and deserializes <see cref="IKafkaData{TSelf}"/> types (every <see cref="KafkaMessageAttribute"/> and
/// <see cref="KafkaDataAttribute"/> type) with their generated MessagePack serializers. No reflection, no resolver:
/// the calls are bound at compile time through the static abstract members of <see cref="IKafkaData{TSelf}"/>.
/// </summary>
public static class KafkaSerializer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="output"/>. Allocates nothing beyond what
    /// <paramref name="output"/> allocates, so a pooled buffer writer makes serialization allocation-free.
    /// </summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <param name="output">Receives the MessagePack bytes.</param>
    /// <exception cref="MessagePackSerializationException">A member that is not nullable holds <see langword="null"/>.</exception>
    public static void Serialize<T>(T value, IBufferWriter<byte> output)
        where T : IKafkaData<T>
    {
        // 'is null' rather than ThrowIfNull(object): no boxing for struct messages.
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        ArgumentNullException.ThrowIfNull(output);
        var writer = new MessagePackWriter(output);
        T.Serialize(ref writer, value);
        writer.Flush();
    }

    /// <summary>Writes <paramref name="value"/> to a new array.</summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <returns>The MessagePack bytes.</returns>
    /// <exception cref="MessagePackSerializationException">A member that is not nullable holds <see langword="null"/>.</exception>
    public static byte[] Serialize<T>(T value)
        where T : IKafkaData<T>
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        try
        {
            Serialize(value, buffer);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity > 1024 * 1024)
            {
                // Do not keep a buffer grown by one large message alive for the thread's lifetime.
                t_buffer = null;
            }
        }
    }

    /// <summary>
    /// Reads a value of <typeparamref name="T"/> from <paramref name="payload"/>, which must hold exactly one encoded value.
    /// </summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="payload">The MessagePack bytes.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">
    /// The payload is not a valid encoding of <typeparamref name="T"/>: truncated, of the wrong MessagePack types, with a
    /// length prefix larger than the payload, nested too deeply, nil for a member that is not nullable, or followed by
    /// trailing bytes. The message names the type; the inner exception holds the detail.
    /// </exception>
    public static T Deserialize<T>(ReadOnlyMemory<byte> payload)
        where T : IKafkaData<T>
    {
        var reader = new MessagePackReader(payload);
        return Deserialize<T>(ref reader);
    }

    /// <summary>Reads a value of <typeparamref name="T"/> from <paramref name="payload"/>, which must hold exactly one encoded value.</summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="payload">The MessagePack bytes.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The payload is not a valid encoding of <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(in ReadOnlySequence<byte> payload)
        where T : IKafkaData<T>
    {
        var reader = new MessagePackReader(payload);
        return Deserialize<T>(ref reader);
    }

    private static T Deserialize<T>(ref MessagePackReader reader)
        where T : IKafkaData<T>
    {
        T value;
        try
        {
            if (reader.End)
            {
                throw new EndOfStreamException("The payload is empty.");
            }

            if (reader.NextCode == MessagePackCode.Nil)
            {
                throw new MessagePackSerializationException("The payload is nil.");
            }

            value = T.Deserialize(ref reader);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or OverflowException or ArgumentException or FormatException or InvalidOperationException)
        {
            throw new MessagePackSerializationException($"Cannot deserialize {typeof(T).FullName}: {ex.Message}", ex);
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException($"Cannot deserialize {typeof(T).FullName}: {reader.Sequence.Length - reader.Consumed} bytes follow the encoded value.");
        }

        return value;
    }
}
