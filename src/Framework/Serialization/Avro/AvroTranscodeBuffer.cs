using System.Buffers;

namespace KafkaTyped.Serialization;

/// <summary>The per-thread buffer a resolved value is transcoded into; one that grew past 1 MiB is not kept.</summary>
internal static class AvroTranscodeBuffer
{
    private const int KeptCapacity = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(256);
        t_buffer = null;
        return buffer;
    }

    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= KeptCapacity)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }
    }
}
