using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Throughput;

/// <summary>
/// The baseline: what a careful hand-written Confluent.Kafka service does with the same messages. Produce: key (the
/// Guid as "D" UTF-8, as KafkaTyped writes it), value from the generated serializer, the CloudEvents headers (or only
/// <c>ce_type</c> with <c>--raw-headers type</c>), <c>Produce</c> with a delivery callback, a <c>Flush</c> at the end. Consume: one loop that
/// finds <c>ce_type</c>, switches on it, deserializes with the generated serializer, calls a no-op handler directly,
/// and stores the offset for librdkafka's background auto-commit (at-least-once).
/// </summary>
internal static class RawMode
{
    private static readonly byte[] s_typeId = Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<OrderPlaced>());
    private static readonly byte[] s_specVersion = "1.0"u8.ToArray();
    private static readonly byte[] s_source = "throughput"u8.ToArray();
    private static readonly byte[] s_contentType = "application/x-msgpack"u8.ToArray();

    public static Measurement Produce(string bootstrapServers, string topic, OrderPlaced[] messages, bool cloudEventHeaders)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers };
        foreach (var (key, value) in ClientSettings.Producer)
        {
            config.Set(key, value);
        }

        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        Prime(producer, topic, messages[0], cloudEventHeaders);
        var failures = 0;
        Action<DeliveryReport<byte[], byte[]>> onDelivered = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failures);
            }
        };

        var meter = new PhaseMeter();
        meter.Start();
        foreach (var message in messages)
        {
            var record = CreateRecord(message, cloudEventHeaders);

            while (true)
            {
                try
                {
                    producer.Produce(topic, record, onDelivered);
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        if (producer.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("Raw producer: records still outstanding after 60 s.");
        }

        var result = meter.Stop(messages.Length);
        if (failures != 0)
        {
            throw new InvalidOperationException($"Raw producer: {failures} deliveries failed.");
        }

        return result;
    }

    /// <summary>The counterpart of KafkaTyped's awaited <c>PublishAsync</c>: <c>ProduceAsync</c> with a window of records in flight.</summary>
    public static async Task<Measurement> ProduceAsyncWindowed(string bootstrapServers, string topic, OrderPlaced[] messages, int window, bool cloudEventHeaders)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers };
        foreach (var (key, value) in ClientSettings.Producer)
        {
            config.Set(key, value);
        }

        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        Prime(producer, topic, messages[0], cloudEventHeaders);
        var inFlight = new Task[window];
        var meter = new PhaseMeter();
        meter.Start();
        for (var i = 0; i < messages.Length; i++)
        {
            var slot = i % window;
            if (inFlight[slot] is { } previous)
            {
                await previous.ConfigureAwait(false);
            }

            var message = messages[i];
            inFlight[slot] = producer.ProduceAsync(topic, CreateRecord(message, cloudEventHeaders));
        }

        await Task.WhenAll(inFlight.Where(t => t is not null)).ConfigureAwait(false);
        return meter.Stop(messages.Length);
    }

    /// <summary>
    /// Produces one record and waits for it before the timed phase. Each phase writes to a new topic with a new producer:
    /// without this, the connection set-up, the idempotent producer id and the first metadata requests for the topic
    /// (retried until the new topic's leaders are known) landed inside the measured time, adding a stall of 0.1-0.4 s
    /// to some phases of either mode at random; with 20,000 messages that decided the ratio more than either code path.
    /// The consumers therefore read one record more than the phase published.
    /// </summary>
    internal static void Prime(IProducer<byte[], byte[]> producer, string topic, OrderPlaced message, bool cloudEventHeaders)
    {
        producer.Produce(topic, CreateRecord(message, cloudEventHeaders));
        if (producer.Flush(TimeSpan.FromSeconds(30)) != 0)
        {
            throw new InvalidOperationException("Raw producer: the priming record was not acknowledged in 30 s.");
        }
    }

    public static Measurement Consume(string bootstrapServers, string topic, string groupId, int expected, TimeSpan timeout)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = groupId };
        foreach (var (key, value) in ClientSettings.Consumer)
        {
            config.Set(key, value);
        }

        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;

        var handler = new NoOpOrderHandler(expected);
        var context = new MessageContext();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + timeout;
        var handled = 0;
        while (handled < expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Raw consumer: {handled} of {expected} records consumed after {timeout.TotalSeconds} s.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            var typeId = FindType(result.Message.Headers);
            switch (typeId)
            {
                case not null when typeId.AsSpan().SequenceEqual("bench.order-placed"u8):
                    var message = KafkaSerializer.Deserialize<OrderPlaced>(result.Message.Value);
                    var pending = handler.HandleAsync(message, context, CancellationToken.None);
                    if (!pending.IsCompletedSuccessfully)
                    {
                        pending.AsTask().GetAwaiter().GetResult();
                    }

                    break;
                default:
                    throw new InvalidOperationException("Raw consumer: unexpected record type.");
            }

            consumer.StoreOffset(result);
            handled++;
        }

        var measurement = handler.Done.Result;
        if (handler.Count != expected)
        {
            throw new InvalidOperationException($"Raw consumer: the handler saw {handler.Count} messages, expected {expected}.");
        }

        consumer.Close();
        return measurement;
    }

    /// <summary>
    /// The record a careful hand-written producer builds: the key as "D" UTF-8 (formatted straight into its array), the
    /// value from the generated serializer, and either the same CloudEvents headers KafkaTyped writes (the same work
    /// and the same bytes on the wire) or only <c>ce_type</c>.
    /// </summary>
    private static Message<byte[], byte[]> CreateRecord(OrderPlaced message, bool cloudEventHeaders)
    {
        var key = new byte[36];
        message.OrderId.TryFormat(key, out _, "D");
        Headers headers;
        if (cloudEventHeaders)
        {
            var id = new byte[36];
            Guid.CreateVersion7().TryFormat(id, out _, "D");
            Span<byte> time = stackalloc byte[40];
            DateTime.UtcNow.TryFormat(time, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            headers = new Headers
            {
                { "ce_specversion", s_specVersion },
                { "ce_id", id },
                { "ce_type", s_typeId },
                { "ce_source", s_source },
                { "ce_time", time[..written].ToArray() },
                { "content-type", s_contentType },
            };
        }
        else
        {
            headers = new Headers { { "ce_type", s_typeId } };
        }

        return new Message<byte[], byte[]> { Key = key, Value = KafkaSerializer.Serialize(message), Headers = headers };
    }

    private static byte[]? FindType(Headers headers)
    {
        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Key == "ce_type")
            {
                return headers[i].GetValueBytes();
            }
        }

        return null;
    }
}
