using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Throughput;

/// <summary>Which headers a hand-written producer writes.</summary>
internal enum RawHeaders
{
    /// <summary>No headers.</summary>
    None,

    /// <summary>Only <c>ce_type</c>.</summary>
    TypeOnly,

    /// <summary>The four attributes the CloudEvents Kafka binding requires (<c>ce_specversion</c>, <c>ce_id</c>, <c>ce_type</c>, <c>ce_source</c>).</summary>
    Required,

    /// <summary>The six CloudEvents headers KafkaTyped writes by default (the required four, <c>ce_time</c> and <c>content-type</c>).</summary>
    All,
}

/// <summary>
/// The record a careful hand-written producer builds for an <see cref="OrderPlaced"/>: the value from the generated
/// serializer always; the key as "D" UTF-8 (KafkaTyped's encoding) or as the Guid's 16 bytes; the headers of
/// <see cref="Headers"/>; and whether <c>ce_id</c> and <c>ce_time</c> are made fresh per record (a UUIDv7 and the
/// clock, as KafkaTyped does) or are one constant value (to measure what making them costs). Every array is new per
/// record, as a producer that hands records to librdkafka must (it copies them, but the caller cannot know when).
/// </summary>
internal readonly record struct RawShape(string Name, bool TextKey, RawHeaders Headers, bool FreshId = true, bool FreshTime = true)
{
    private static readonly byte[] s_typeId = Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<OrderPlaced>());
    private static readonly byte[] s_specVersion = "1.0"u8.ToArray();
    private static readonly byte[] s_source = "throughput"u8.ToArray();
    private static readonly byte[] s_contentType = "application/x-msgpack"u8.ToArray();
    private static readonly byte[] s_constantId = Encoding.UTF8.GetBytes(Guid.CreateVersion7().ToString("D"));
    private static readonly byte[] s_constantTime = "2026-12-03T10:00:00.0000000Z"u8.ToArray();

    /// <summary>KafkaTyped's exact records: text key, the six CloudEvents headers, a fresh id and time each.</summary>
    public static RawShape SameFormat { get; } = new("same format", TextKey: true, RawHeaders.All);

    /// <summary>What a service that ignores CloudEvents writes: the Guid's 16 bytes as the key, no headers.</summary>
    public static RawShape Plain { get; } = new("plain", TextKey: false, RawHeaders.None);

    /// <summary>Text key and only <c>ce_type</c>.</summary>
    public static RawShape TypeOnly { get; } = new("type only", TextKey: true, RawHeaders.TypeOnly);

    public Message<byte[], byte[]> Create(OrderPlaced message)
    {
        byte[] key;
        if (TextKey)
        {
            key = new byte[36];
            message.OrderId.TryFormat(key, out _, "D");
        }
        else
        {
            key = message.OrderId.ToByteArray();
        }

        var record = new Message<byte[], byte[]> { Key = key, Value = KafkaSerializer.Serialize(message) };
        switch (Headers)
        {
            case RawHeaders.TypeOnly:
                record.Headers = new Headers { { "ce_type", s_typeId } };
                break;
            case RawHeaders.Required or RawHeaders.All:
                var headers = new Headers
                {
                    { "ce_specversion", s_specVersion },
                    { "ce_id", FreshId ? NewId() : s_constantId },
                    { "ce_type", s_typeId },
                    { "ce_source", s_source },
                };
                if (Headers == RawHeaders.All)
                {
                    headers.Add("ce_time", FreshTime ? Now() : s_constantTime);
                    headers.Add("content-type", s_contentType);
                }

                record.Headers = headers;
                break;
        }

        return record;
    }

    private static byte[] NewId()
    {
        var id = new byte[36];
        Guid.CreateVersion7().TryFormat(id, out _, "D");
        return id;
    }

    private static byte[] Now()
    {
        Span<byte> time = stackalloc byte[40];
        DateTime.UtcNow.TryFormat(time, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        return time[..written].ToArray();
    }
}
