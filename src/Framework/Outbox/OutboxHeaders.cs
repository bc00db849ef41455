using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;

namespace KafkaTyped.Outbox;

/// <summary>
/// Record headers as the bytes an outbox row keeps: a big-endian count, then per header its UTF-8 name and its value,
/// each behind a big-endian length (-1 for a null value). Order and repeated names are kept.
/// </summary>
internal static class OutboxHeaders
{
    public static byte[] Encode(Headers headers)
    {
        var size = 4;
        foreach (var header in headers)
        {
            size += 8 + Encoding.UTF8.GetByteCount(header.Key) + (header.GetValueBytes()?.Length ?? 0);
        }

        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, headers.Count);
        var position = 4;
        foreach (var header in headers)
        {
            var nameLength = Encoding.UTF8.GetBytes(header.Key, span[(position + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(span[position..], nameLength);
            position += 4 + nameLength;
            var value = header.GetValueBytes();
            BinaryPrimitives.WriteInt32BigEndian(span[position..], value?.Length ?? -1);
            position += 4;
            value?.CopyTo(span[position..]);
            position += value?.Length ?? 0;
        }

        return bytes;
    }

    public static Headers Decode(byte[] bytes)
    {
        var span = bytes.AsSpan();
        var count = BinaryPrimitives.ReadInt32BigEndian(span);
        var headers = new Headers();
        var position = 4;
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(span[position..]);
            position += 4;
            var name = Encoding.UTF8.GetString(span.Slice(position, nameLength));
            position += nameLength;
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(span[position..]);
            position += 4;
            byte[]? value = null;
            if (valueLength >= 0)
            {
                value = span.Slice(position, valueLength).ToArray();
                position += valueLength;
            }

            headers.Add(name, value);
        }

        return headers;
    }
}
