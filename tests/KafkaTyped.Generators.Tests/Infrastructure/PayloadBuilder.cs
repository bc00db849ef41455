using System.Buffers;
using MessagePack;

namespace KafkaTyped.Generators.Tests;

/// <summary>Writes hand-made MessagePack payloads for the compatibility and hostile-bytes tests.</summary>
internal static class PayloadBuilder
{
    public delegate void Write(ref MessagePackWriter writer);

    public static byte[] Build(Write write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
