using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Confluent.Kafka;

namespace KafkaTyped.CloudEvents;

/// <summary>
/// Writes and reads the CloudEvents 1.0 Kafka protocol binding headers (binary content mode) and the W3C trace
/// context headers of the wire contract (docs/architecture.md#the-wire-contract).
/// </summary>
internal static class CloudEventHeaders
{
    public const string SpecVersion = "ce_specversion";
    public const string Id = "ce_id";
    public const string Type = "ce_type";
    public const string Source = "ce_source";
    public const string Time = "ce_time";
    public const string ContentType = "content-type";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public const string MessagePackContentType = "application/x-msgpack";
    public const string JsonContentType = "application/json";
    public const string JsonEnvelopeContentType = "application/vnd.kafkatyped.envelope+json";
    public const string StructuredContentType = "application/cloudevents+json";

    /// <summary>The <c>content-type</c> of an Avro value in the Schema Registry framing.</summary>
    public const string AvroContentType = "application/avro";

    // Header values are handed to librdkafka, which copies them; the client never mutates them, so constant values are shared.
    private static readonly byte[] s_specVersion10 = "1.0"u8.ToArray();
    private static readonly byte[] s_messagePack = "application/x-msgpack"u8.ToArray();
    private static readonly byte[] s_json = "application/json"u8.ToArray();
    private static readonly byte[] s_jsonEnvelope = "application/vnd.kafkatyped.envelope+json"u8.ToArray();
    private static readonly byte[] s_avro = "application/avro"u8.ToArray();

    /// <summary>What a record's value is, by its <c>content-type</c> header.</summary>
    public enum ValueKind
    {
        /// <summary>MessagePack: <c>application/x-msgpack</c>, or no <c>content-type</c> at all.</summary>
        MessagePack,

        /// <summary><c>application/json</c> (or another <c>+json</c> type): the message's JSON object.</summary>
        Json,

        /// <summary><c>application/vnd.kafkatyped.envelope+json</c>: <c>{"type":...,"payload":{...}}</c>.</summary>
        JsonEnvelope,

        /// <summary><c>application/cloudevents+json</c>: a CloudEvents structured-mode event, the message in <c>data</c>.</summary>
        Structured,

        /// <summary><c>application/avro</c>: an Avro value in the Schema Registry framing.</summary>
        Avro,

        /// <summary>Any other content type: not a format KafkaTyped reads.</summary>
        Unsupported,
    }

    /// <summary>The <c>content-type</c> value the publisher writes for <paramref name="format"/>.</summary>
    public static byte[] ContentTypeOf(MessageFormat format) => format switch
    {
        MessageFormat.Json => s_json,
        MessageFormat.JsonEnvelope => s_jsonEnvelope,
        MessageFormat.Avro => s_avro,
        _ => s_messagePack,
    };

    /// <summary>
    /// Classifies a <c>content-type</c> value: the media type is compared ignoring ASCII case, white space and parameters
    /// (<c>application/json; charset=utf-8</c> is JSON). No header means MessagePack, the format of every record
    /// KafkaTyped wrote before formats existed.
    /// </summary>
    public static ValueKind ClassifyContentType(Headers? headers)
        => ClassifyContentType(TryGetLast(headers, ContentType, out var value) ? value : null);

    /// <summary>How a value with the <c>content-type</c> header <paramref name="value"/> (<see langword="null"/> when absent) is read.</summary>
    public static ValueKind ClassifyContentType(byte[]? value)
    {
        if (value is null)
        {
            return ValueKind.MessagePack;
        }

        ReadOnlySpan<byte> media = value;
        var semicolon = media.IndexOf((byte)';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }

        media = media.Trim(" \t"u8);
        if (media.SequenceEqual("application/x-msgpack"u8) || Ascii.EqualsIgnoreCase(media, "application/x-msgpack"u8)
            || Ascii.EqualsIgnoreCase(media, "application/msgpack"u8) || Ascii.EqualsIgnoreCase(media, "application/vnd.msgpack"u8))
        {
            return ValueKind.MessagePack;
        }

        if (Ascii.EqualsIgnoreCase(media, "application/json"u8))
        {
            return ValueKind.Json;
        }

        if (Ascii.EqualsIgnoreCase(media, "application/vnd.kafkatyped.envelope+json"u8))
        {
            return ValueKind.JsonEnvelope;
        }

        if (Ascii.EqualsIgnoreCase(media, "application/cloudevents+json"u8))
        {
            return ValueKind.Structured;
        }

        if (Ascii.EqualsIgnoreCase(media, "application/avro"u8) || Ascii.EqualsIgnoreCase(media, "avro/binary"u8)
            || Ascii.EqualsIgnoreCase(media, "application/vnd.apache.avro+binary"u8))
        {
            return ValueKind.Avro;
        }

        return media.Length > 5 && Ascii.EqualsIgnoreCase(media[^5..], "+json"u8) ? ValueKind.Json : ValueKind.Unsupported;
    }

    /// <summary>Whether <paramref name="name"/> is written by KafkaTyped and so may not be supplied by the caller.</summary>
    public static bool IsReserved(string name) => name is SpecVersion or Id or Type or Source or Time or ContentType or TraceParent or TraceState;

    /// <summary>Writes the CloudEvents and trace context headers of one record.</summary>
    /// <param name="headers">The record's headers.</param>
    /// <param name="messageIdUtf8">The <c>ce_id</c> value (a UUIDv7 in "D" form) as UTF-8.</param>
    /// <param name="typeIdUtf8">The <c>ce_type</c> value as UTF-8.</param>
    /// <param name="sourceUtf8">The <c>ce_source</c> value as UTF-8.</param>
    /// <param name="time">The <c>ce_time</c> value.</param>
    /// <param name="activity">The activity whose context is propagated, or <see langword="null"/>.</param>
    /// <param name="format">The value's format, written as <c>content-type</c> (<see cref="ContentTypeOf"/>).</param>
    /// <param name="attributes">Whether the optional <c>ce_time</c>, and MessagePack's <c>content-type</c>, are written.</param>
    public static void Write(
        Headers headers, byte[] messageIdUtf8, byte[] typeIdUtf8, byte[] sourceUtf8, DateTimeOffset time, Activity? activity, MessageFormat format, CloudEventsAttributes attributes = CloudEventsAttributes.All)
    {
        headers.Add(SpecVersion, s_specVersion10);
        headers.Add(Id, messageIdUtf8);
        headers.Add(Type, typeIdUtf8);
        headers.Add(Source, sourceUtf8);
        if (attributes == CloudEventsAttributes.All)
        {
            headers.Add(Time, FormatTime(time));
            headers.Add(ContentType, ContentTypeOf(format));
        }
        else if (format != MessageFormat.MessagePack)
        {
            // Readers take a record without content-type for MessagePack, so any other format must say what it is.
            headers.Add(ContentType, ContentTypeOf(format));
        }

        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C && activity.Id is { } traceParent)
        {
            headers.Add(TraceParent, Encoding.UTF8.GetBytes(traceParent));
            if (activity.TraceStateString is { Length: > 0 } traceState)
            {
                headers.Add(TraceState, Encoding.UTF8.GetBytes(traceState));
            }
        }
    }

    /// <summary>Formats a time as RFC 3339 in UTC (<c>2026-01-02T03:04:05.1234567Z</c>).</summary>
    public static byte[] FormatTime(DateTimeOffset time)
    {
        Span<byte> buffer = stackalloc byte[40];
        time.UtcDateTime.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return buffer[..written].ToArray();
    }

    /// <summary>Finds the last value of a header, without allocating.</summary>
    /// <remarks>
    /// Inlined so that <paramref name="name"/> is a constant where it is called: the JIT then compares each key with the
    /// constant unrolled, which halves the cost of finding <c>ce_type</c> on every consumed record.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetLast(Headers? headers, string name, out byte[] value)
    {
        if (headers is not null)
        {
            for (var i = headers.Count - 1; i >= 0; i--)
            {
                var header = headers[i];
                if (string.Equals(header.Key, name, StringComparison.Ordinal))
                {
                    value = header.GetValueBytes() ?? [];
                    return true;
                }
            }
        }

        value = [];
        return false;
    }

    /// <summary>The last value of a header decoded as UTF-8, or <see langword="null"/> when absent.</summary>
    public static string? GetString(Headers? headers, string name)
        => TryGetLast(headers, name, out var value) ? Encoding.UTF8.GetString(value) : null;

    /// <summary>The producer's trace context from the <c>traceparent</c>/<c>tracestate</c> headers, when valid.</summary>
    public static bool TryGetTraceContext(Headers? headers, out ActivityContext context)
    {
        context = default;
        return TryGetLast(headers, TraceParent, out var parent)
            && ActivityContext.TryParse(Encoding.UTF8.GetString(parent), GetString(headers, TraceState), isRemote: true, out context);
    }
}
