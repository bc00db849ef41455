using System.Buffers;
using System.Text.Json;
using MessagePack;

namespace KafkaTyped.Serialization;

/// <summary>
/// Serializes and deserializes <see cref="IKafkaData{TSelf}"/> types (every <see cref="KafkaMessageAttribute"/> and
/// <see cref="KafkaDataAttribute"/> type) with their generated serializers, in MessagePack (the default) or JSON.
/// No reflection, no resolver, no <see cref="JsonSerializer"/>: the calls are bound at compile time through
/// <see cref="IKafkaData{TSelf}.TypeInfo"/>.
/// </summary>
public static class KafkaSerializer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_jsonWriter;

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="output"/> as MessagePack. Allocates nothing beyond what
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
        T.TypeInfo.MessagePack.Write(ref writer, value);
        writer.Flush();
    }

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="output"/> in <paramref name="format"/>
    /// (<see cref="MessageFormat.MessagePack"/>, <see cref="MessageFormat.Json"/>, or <see cref="MessageFormat.Avro"/>: the
    /// Avro binary body, without the Schema Registry framing; an envelope needs a message:
    /// <see cref="SerializeMessage{T}(T, IBufferWriter{byte}, MessageFormat)"/>). Allocates nothing beyond what
    /// <paramref name="output"/> allocates.
    /// </summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <param name="output">Receives the bytes.</param>
    /// <param name="format">The format.</param>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <see cref="MessageFormat.JsonEnvelope"/> or not a format.</exception>
    /// <exception cref="MessagePackSerializationException">MessagePack: a member that is not nullable holds <see langword="null"/>.</exception>
    /// <exception cref="JsonException">JSON: a member that is not nullable holds <see langword="null"/>.</exception>
    public static void Serialize<T>(T value, IBufferWriter<byte> output, MessageFormat format)
        where T : IKafkaData<T>
    {
        switch (format)
        {
            case MessageFormat.MessagePack:
                Serialize(value, output);
                break;
            case MessageFormat.Json:
                WriteJson(value, output, typeId: null);
                break;
            case MessageFormat.Avro:
                WriteAvro(value, output);
                break;
            default:
                throw new ArgumentException($"{format} is not a format of a data value; serialize a message with SerializeMessage to write an envelope.", nameof(format));
        }
    }

    /// <summary>
    /// The Avro schema generated for <typeparamref name="T"/>: a record named after the type in its C# namespace, its
    /// members as fields in encoding order, the records and enums it uses defined where first used (<c>docs/avro.md</c>).
    /// </summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <returns>The schema JSON.</returns>
    public static string AvroSchema<T>()
        where T : IKafkaData<T>
        => T.TypeInfo.Avro.Schema;

    /// <summary>Writes <paramref name="value"/> as MessagePack to a new array.</summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <returns>The MessagePack bytes.</returns>
    /// <exception cref="MessagePackSerializationException">A member that is not nullable holds <see langword="null"/>.</exception>
    public static byte[] Serialize<T>(T value)
        where T : IKafkaData<T>
        => Serialize(value, MessageFormat.MessagePack);

    /// <summary>Writes <paramref name="value"/> in <paramref name="format"/> to a new array.</summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="value">The value to write.</param>
    /// <param name="format"><see cref="MessageFormat.MessagePack"/>, <see cref="MessageFormat.Json"/> or <see cref="MessageFormat.Avro"/> (the body alone).</param>
    /// <returns>The bytes.</returns>
    public static byte[] Serialize<T>(T value, MessageFormat format)
        where T : IKafkaData<T>
    {
        var buffer = RentBuffer();
        try
        {
            Serialize(value, buffer, format);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    /// <summary>
    /// Writes <paramref name="message"/> in <paramref name="format"/>; for <see cref="MessageFormat.JsonEnvelope"/>,
    /// <c>{"type":"&lt;type id&gt;","payload":{...}}</c>. Allocates nothing beyond what <paramref name="output"/> allocates.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="output">Receives the bytes.</param>
    /// <param name="format">The format.</param>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <see cref="MessageFormat.Avro"/>, whose framing needs the
    /// schema id: use <see cref="SerializeAvro{T}(T, IBufferWriter{byte}, int)"/>.</exception>
    public static void SerializeMessage<T>(T message, IBufferWriter<byte> output, MessageFormat format)
        where T : IKafkaMessage<T>
    {
        if (format == MessageFormat.Avro)
        {
            throw new ArgumentException($"An Avro message is framed with its schema id: serialize {typeof(T).FullName} with SerializeAvro(value, output, schemaId).", nameof(format));
        }

        if (format == MessageFormat.JsonEnvelope)
        {
            WriteJson(message, output, T.TypeIdUtf8);
        }
        else
        {
            Serialize(message, output, format);
        }
    }

    /// <summary>Writes <paramref name="message"/> in its declared <see cref="IKafkaMessage{TSelf}.Format"/> to a new array, as the publisher does.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="message">The message.</param>
    /// <returns>The bytes.</returns>
    public static byte[] SerializeMessage<T>(T message)
        where T : IKafkaMessage<T>
    {
        var buffer = RentBuffer();
        try
        {
            SerializeMessage(message, buffer, T.Format);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> in the Confluent Schema Registry framing: magic byte 0, <paramref name="schemaId"/>
    /// as four big-endian bytes, then the Avro binary body. Allocates nothing beyond what <paramref name="output"/> allocates.
    /// </summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="output">Receives the bytes.</param>
    /// <param name="schemaId">The registry's id of <see cref="AvroSchema{T}"/>.</param>
    /// <exception cref="AvroSerializationException">A member holds a value its Avro type cannot carry.</exception>
    public static void SerializeAvro<T>(T value, IBufferWriter<byte> output, int schemaId)
        where T : IKafkaData<T>
    {
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        ArgumentNullException.ThrowIfNull(output);
        var writer = new AvroWriter(output);
        AvroFraming.WritePrefix(ref writer, schemaId);
        T.TypeInfo.Avro.Write(ref writer, value);
        writer.Flush();
    }

    /// <summary>
    /// Reads a value of <typeparamref name="T"/> from <paramref name="payload"/>, which must hold exactly one MessagePack-encoded value.
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

    /// <summary>Reads a value of <typeparamref name="T"/> from <paramref name="payload"/>, which must hold exactly one MessagePack-encoded value.</summary>
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

    /// <summary>
    /// Reads a value of <typeparamref name="T"/> in <paramref name="format"/> (<see cref="MessageFormat.MessagePack"/>,
    /// <see cref="MessageFormat.Json"/>, or <see cref="MessageFormat.Avro"/>: a body written with the type's own schema) from <paramref name="payload"/>, which must hold exactly one value.
    /// </summary>
    /// <typeparam name="T">The message or data type.</typeparam>
    /// <param name="payload">The bytes.</param>
    /// <param name="format">The format.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">MessagePack: the payload is not a valid encoding.</exception>
    /// <exception cref="JsonException">JSON: the payload is not a valid encoding, nests deeper than <see cref="JsonPrimitives.MaxDepth"/>, or is followed by more JSON.</exception>
    public static T Deserialize<T>(ReadOnlyMemory<byte> payload, MessageFormat format)
        where T : IKafkaData<T>
        => format switch
        {
            MessageFormat.MessagePack => Deserialize<T>(payload),
            MessageFormat.Json => ReadJson<T>(payload.Span),
            MessageFormat.Avro => ReadAvro<T>(payload.Span),
            _ => throw new ArgumentException($"{format} is not a format of a data value; read an envelope with DeserializeMessage.", nameof(format)),
        };

    /// <summary>
    /// Reads a message in <paramref name="format"/>; for <see cref="MessageFormat.JsonEnvelope"/>, the <c>payload</c> of a
    /// <c>{"type":...,"payload":{...}}</c> object whose <c>type</c> is the message's type id; for <see cref="MessageFormat.Avro"/>,
    /// a value in the Schema Registry framing whose writer schema this process registered or fetched, resolved to the type's schema by Avro's rules when it differs.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="payload">The bytes.</param>
    /// <param name="format">The format.</param>
    /// <returns>The message.</returns>
    /// <exception cref="JsonException">The envelope is malformed or carries another type id.</exception>
    /// <exception cref="AvroSerializationException">The framing is invalid, names an unknown schema, or the body is not valid.</exception>
    public static T DeserializeMessage<T>(ReadOnlyMemory<byte> payload, MessageFormat format)
        where T : IKafkaMessage<T>
    {
        if (format == MessageFormat.Avro)
        {
            return ReadFramedAvro<T>(payload.Span, schemaIdHeader: null);
        }

        return format == MessageFormat.JsonEnvelope ? ReadJsonEnvelope<T>(payload) : Deserialize<T>(payload, format);
    }

    /// <summary>
    /// The <c>payload</c> of a <c>{"type":...,"payload":{...}}</c> envelope of <typeparamref name="T"/>. Apart from
    /// <see cref="DeserializeMessage{T}"/>, whose stack buffer would otherwise keep the consumer's MessagePack path from
    /// being inlined.
    /// </summary>
    private static T ReadJsonEnvelope<T>(ReadOnlyMemory<byte> payload)
        where T : IKafkaMessage<T>
    {
        Span<byte> typeBuffer = stackalloc byte[JsonEnvelope.MaxTypeIdBytes];
        var result = JsonEnvelope.TryRead(payload.Span, JsonEnvelope.PayloadProperty, typeBuffer, out var typeIdUtf8, out var range, out var error);
        if (result != JsonEnvelope.Result.Found)
        {
            throw new JsonException($"Cannot deserialize {typeof(T).FullName}: the value is not a {{\"type\":...,\"payload\":{{...}}}} envelope{(error is null ? "." : ": " + error.Message)}", error);
        }

        if (!typeIdUtf8.SequenceEqual(T.TypeIdUtf8))
        {
            throw new JsonException($"Cannot deserialize {typeof(T).FullName}: the envelope's type is not '{T.TypeId}'.");
        }

        return ReadJson<T>(payload.Span[range]);
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

            value = T.TypeInfo.MessagePack.Read(ref reader);
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

    private static T ReadJson<T>(ReadOnlySpan<byte> payload)
        where T : IKafkaData<T>
    {
        try
        {
            if (payload.IsEmpty)
            {
                throw new JsonException("The payload is empty.");
            }

            var reader = new Utf8JsonReader(payload, JsonPrimitives.ReaderOptions);
            if (!reader.Read())
            {
                throw new JsonException("The payload is empty.");
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                throw new JsonException("The payload is null.");
            }

            var value = T.TypeInfo.Json.Read(ref reader);
            if (reader.Read())
            {
                throw new JsonException($"More JSON follows the value at byte {reader.TokenStartIndex}.");
            }

            return value;
        }
        catch (Exception ex) when (ex is JsonException or OverflowException or ArgumentException or FormatException or InvalidOperationException)
        {
            throw new JsonException($"Cannot deserialize {typeof(T).FullName}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the Avro binary body of <paramref name="value"/> (no framing) to <paramref name="output"/>.</summary>
    private static void WriteAvro<T>(T value, IBufferWriter<byte> output)
        where T : IKafkaData<T>
    {
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        ArgumentNullException.ThrowIfNull(output);
        var writer = new AvroWriter(output);
        T.TypeInfo.Avro.Write(ref writer, value);
        writer.Flush();
    }

    /// <summary>Reads an Avro binary body written with <typeparamref name="T"/>'s own schema; nothing may follow it.</summary>
    internal static T ReadAvro<T>(ReadOnlySpan<byte> body)
        where T : IKafkaData<T>
    {
        try
        {
            var reader = new AvroReader(body);
            var value = T.TypeInfo.Avro.Read(ref reader);
            reader.EnsureEnd(typeof(T).FullName!);
            return value;
        }
        catch (Exception ex) when (ex is AvroSerializationException or OverflowException or ArgumentException or FormatException or InvalidOperationException)
        {
            throw new AvroSerializationException($"Cannot deserialize {typeof(T).FullName}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Reads a value in the Schema Registry framing (or, with <paramref name="schemaIdHeader"/>, a body whose id is in the
    /// <c>__value_schema_id</c> header) whose writer schema this process knows (<see cref="AvroWriterSchemas"/>), resolving
    /// a writer schema other than the type's own by Avro's rules (<see cref="AvroResolvedReads{T}"/>).
    /// </summary>
    internal static T ReadFramedAvro<T>(ReadOnlySpan<byte> value, byte[]? schemaIdHeader)
        where T : IKafkaData<T>
    {
        if (!AvroFraming.TryRead(value, schemaIdHeader, out var id, out var bodyOffset, out var error))
        {
            throw new AvroSerializationException($"Cannot deserialize {typeof(T).FullName}: {error}.");
        }

        if (!AvroWriterSchemas.TryGet(id, out var writerSchema))
        {
            throw new AvroSerializationException($"Cannot deserialize {typeof(T).FullName}: the value names {id}, which the schema registry does not know.");
        }

        // The type's own schema (the text this process registered, usually the same string) is read as it is; another
        // schema is resolved to it by the plan built once for the id.
        return string.Equals(writerSchema, T.TypeInfo.Avro.Schema, StringComparison.Ordinal)
            ? ReadAvro<T>(value[bodyOffset..])
            : AvroResolvedReads<T>.Read(id, writerSchema, value[bodyOffset..]);
    }

    private static void WriteJson<T>(T value, IBufferWriter<byte> output, ReadOnlySpan<byte> typeId)
        where T : IKafkaData<T>
    {
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        ArgumentNullException.ThrowIfNull(output);

        // One writer per thread, reset onto each output: serializing into a pooled buffer allocates nothing.
        var writer = t_jsonWriter;
        if (writer is null)
        {
            writer = t_jsonWriter = new Utf8JsonWriter(output, JsonPrimitives.WriterOptions);
        }
        else
        {
            writer.Reset(output);
        }

        try
        {
            if (!typeId.IsEmpty)
            {
                writer.WriteStartObject();
                writer.WriteString(JsonEnvelope.TypeName, typeId);
                writer.WritePropertyName(JsonEnvelope.PayloadName);
            }

            T.TypeInfo.Json.Write(writer, value);
            if (!typeId.IsEmpty)
            {
                writer.WriteEndObject();
            }

            writer.Flush();
        }
        finally
        {
            // Do not keep the caller's output reachable from the thread.
            writer.Reset(DetachedOutput.Instance);
        }
    }

    private static ArrayBufferWriter<byte> RentBuffer()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        return buffer;
    }

    private static void ReturnBuffer(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity > 1024 * 1024)
        {
            // Do not keep a buffer grown by one large message alive for the thread's lifetime.
            t_buffer = null;
        }
    }

    /// <summary>What the thread's JSON writer points at between calls (resetting onto a stream would allocate each time).</summary>
    private sealed class DetachedOutput : IBufferWriter<byte>
    {
        public static readonly DetachedOutput Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("The JSON writer is not attached to an output.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("The JSON writer is not attached to an output.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("The JSON writer is not attached to an output.");
    }
}
