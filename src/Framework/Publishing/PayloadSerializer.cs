using System.Buffers;
using MessagePack;

namespace KafkaTyped.Publishing;

/// <summary>Serializes a message with its generated serializer into a per-thread pooled buffer, then copies out the exact bytes.</summary>
internal static class PayloadSerializer
{
    private const int MaxRetainedBuffer = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] Serialize<T>(T message) where T : IKafkaData<T>
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = new MessagePackWriter(buffer);
        T.Serialize(ref writer, message);
        writer.Flush();
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxRetainedBuffer)
        {
            t_buffer = null;
        }

        return bytes;
    }
}
