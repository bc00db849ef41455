using System.Buffers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using MessagePack;

namespace KafkaTyped.Tool.Decoding;

/// <summary>How a payload was decoded: with its message's shape from the schema lock, as MessagePack or JSON without it, or not at all.</summary>
internal enum PayloadKind
{
    Empty,
    Schema,
    MessagePack,
    Json,
    Binary,
}

/// <summary>A decoded payload: its JSON text (compact or indented), or none when only the hex dump can show it.</summary>
internal sealed record DecodedPayload(PayloadKind Kind, string? Json, string? Error)
{
    public string KindText => Kind switch
    {
        PayloadKind.Empty => "empty",
        PayloadKind.Schema => "schema",
        PayloadKind.MessagePack => "messagepack",
        PayloadKind.Json => "json",
        _ => "binary",
    };
}

/// <summary>Turns record bytes into readable text: payloads into JSON, keys and header values into text or hex.</summary>
internal static class RecordDecoder
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static DecodedPayload Decode(byte[]? value, Headers? headers, SchemaLock schema, bool indented)
    {
        if (value is null || value.Length == 0)
        {
            return new(PayloadKind.Empty, null, null);
        }

        var type = Kafka.DeadLetterView.Header(headers, "ce_type");
        var contentType = Kafka.DeadLetterView.Header(headers, "content-type");
        string? error = null;
        if (contentType is null || contentType.Contains("msgpack", StringComparison.OrdinalIgnoreCase))
        {
            if (type is not null && schema.TryGet(type, out var members))
            {
                if (TryJson(value, members, indented, out var json, out error))
                {
                    return new(PayloadKind.Schema, json, null);
                }
            }

            if (MessagePackJson.IsMessagePack(value) && TryJson(value, null, indented, out var generic, out var genericError))
            {
                return new(PayloadKind.MessagePack, generic, error);
            }

            error ??= "not a MessagePack value";
        }

        if (LooksLikeJson(value, indented, out var text))
        {
            return new(PayloadKind.Json, text, null);
        }

        return new(PayloadKind.Binary, null, error);
    }

    public static string Text(byte[]? bytes)
    {
        if (bytes is null)
        {
            return string.Empty;
        }

        try
        {
            var text = s_strictUtf8.GetString(bytes);
            if (!text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            {
                return text;
            }
        }
        catch (DecoderFallbackException)
        {
        }

        return "0x" + Convert.ToHexStringLower(bytes);
    }

    /// <summary>A hex dump: offset, 16 bytes in hex, the printable ASCII.</summary>
    public static string HexDump(byte[] bytes)
    {
        var builder = new StringBuilder();
        for (var line = 0; line < bytes.Length; line += 16)
        {
            var count = Math.Min(16, bytes.Length - line);
            builder.Append(line.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).Append("  ");
            for (var i = 0; i < 16; i++)
            {
                builder.Append(i < count ? bytes[line + i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + " " : "   ");
                if (i == 7)
                {
                    builder.Append(' ');
                }
            }

            builder.Append(" |");
            for (var i = 0; i < count; i++)
            {
                var b = bytes[line + i];
                builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            builder.Append('|');
            if (line + 16 < bytes.Length)
            {
                builder.Append('\n');
            }
        }

        return builder.ToString();
    }

    private static bool TryJson(byte[] value, IReadOnlyList<LockedMember>? members, bool indented, out string? json, out string? error)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length * 2);
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                MessagePackJson.Write(writer, value, members);
            }

            json = Encoding.UTF8.GetString(buffer.WrittenSpan);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or ArgumentException or OverflowException)
        {
            json = null;
            error = ex.Message;
            return false;
        }
    }

    private static bool LooksLikeJson(byte[] value, bool indented, out string? text)
    {
        text = null;
        try
        {
            using var document = JsonDocument.Parse(value);
            var buffer = new ArrayBufferWriter<byte>(value.Length);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.WriteTo(writer);
            }

            text = Encoding.UTF8.GetString(buffer.WrittenSpan);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
