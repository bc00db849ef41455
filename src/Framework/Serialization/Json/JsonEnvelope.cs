using System.Text.Json;

namespace KafkaTyped.Serialization;

/// <summary>
/// Finds the type and the payload in a JSON object that carries both: the typed envelope
/// <c>{"type":"ordercreated","payload":{...}}</c> of services that route by a type field, and the CloudEvents
/// structured mode <c>{"specversion":"1.0","type":"ordercreated","data":{...},...}</c>. Reads the top level only and
/// skips everything else, so it costs one pass over the value; bounded by <see cref="JsonPrimitives.MaxDepth"/>.
/// </summary>
internal static class JsonEnvelope
{
    /// <summary>The longest type id an envelope's <c>type</c> may hold, in UTF-8 bytes, when it is written with escapes.</summary>
    public const int MaxTypeIdBytes = 256;

    public static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText PayloadName = JsonEncodedText.Encode("payload");

    /// <summary>The property of the typed envelope that holds the message.</summary>
    public static ReadOnlySpan<byte> PayloadProperty => "payload"u8;

    /// <summary>The property of a CloudEvents structured-mode event that holds the message.</summary>
    public static ReadOnlySpan<byte> DataProperty => "data"u8;

    public enum Result
    {
        /// <summary>The value is not a JSON object (its first byte that is not white space is not <c>{</c>).</summary>
        NotJson,

        /// <summary>The value is a JSON object but has no string <c>type</c> or no object payload property.</summary>
        NoEnvelope,

        /// <summary>The value starts as a JSON object but is not valid JSON (truncated, too deep, garbage).</summary>
        Malformed,

        /// <summary>The type and the payload were found.</summary>
        Found,
    }

    /// <summary>Whether the first byte of <paramref name="value"/> that is not JSON white space opens an object.</summary>
    public static bool LooksLikeObject(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b == (byte)'{';
        }

        return false;
    }

    /// <summary>
    /// Reads the envelope of <paramref name="value"/>: <paramref name="typeIdUtf8"/> is the unescaped <c>type</c> (in
    /// <paramref name="value"/> or in <paramref name="typeBuffer"/>), <paramref name="payload"/> the range of the
    /// object under <paramref name="payloadProperty"/>. When a property occurs twice, the last one counts.
    /// </summary>
    public static Result TryRead(
        ReadOnlySpan<byte> value, ReadOnlySpan<byte> payloadProperty, Span<byte> typeBuffer, out ReadOnlySpan<byte> typeIdUtf8, out Range payload, out JsonException? error)
    {
        typeIdUtf8 = default;
        payload = default;
        error = null;
        if (!LooksLikeObject(value))
        {
            return Result.NotJson;
        }

        if (!System.Text.Unicode.Utf8.IsValid(value))
        {
            // JSON is UTF-8. Refused before the reader sees it: the reader's error for an invalid token quotes the rest of
            // the token, and turning bytes that are not UTF-8 into that message allocates about 38 bytes per input byte.
            error = new JsonException($"The value is not valid UTF-8 (from byte {FirstInvalidUtf8(value)}), which JSON must be.");
            return Result.Malformed;
        }

        var hasType = false;
        var hasPayload = false;
        try
        {
            var reader = new Utf8JsonReader(value, JsonPrimitives.ReaderOptions);
            reader.Read(); // the StartObject LooksLikeObject saw
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    hasType = false;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        if (!reader.ValueIsEscaped)
                        {
                            typeIdUtf8 = reader.ValueSpan;
                            hasType = true;
                        }
                        else if (reader.ValueSpan.Length <= typeBuffer.Length)
                        {
                            // Unescaping never makes a string longer.
                            typeIdUtf8 = typeBuffer[..Unescape(ref reader, typeBuffer)];
                            hasType = true;
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals(payloadProperty))
                {
                    reader.Read();
                    hasPayload = reader.TokenType == JsonTokenType.StartObject;
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    payload = start..(int)reader.BytesConsumed;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new JsonException("More JSON follows the envelope.");
            }
        }
        catch (JsonException ex)
        {
            error = ex;
            return Result.Malformed;
        }

        return hasType && hasPayload ? Result.Found : Result.NoEnvelope;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> value)
    {
        var index = 0;
        while (index < value.Length && System.Text.Rune.DecodeFromUtf8(value[index..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
        {
            index += consumed;
        }

        return index;
    }

    /// <summary>
    /// Copies the escaped string under <paramref name="reader"/> unescaped. An escape that is not text (a lone
    /// surrogate such as <c>\uDC00</c>) makes <see cref="Utf8JsonReader.CopyString(Span{byte})"/> throw
    /// <see cref="InvalidOperationException"/>; it is malformed JSON here like any other.
    /// </summary>
    private static int Unescape(ref Utf8JsonReader reader, Span<byte> destination)
    {
        try
        {
            return reader.CopyString(destination);
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException($"The type at byte {reader.TokenStartIndex} is not text: {ex.Message}", ex);
        }
    }
}
