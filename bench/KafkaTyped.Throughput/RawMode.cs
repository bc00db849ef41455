using Confluent.Kafka;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Serialization;

namespace KafkaTyped.Throughput;

/// <summary>
/// The baseline: what a careful hand-written Confluent.Kafka service does with the same messages. Produce: the record
/// of a <see cref="RawShape"/> (KafkaTyped's exact records, or plainer ones), <c>Produce</c> with a delivery callback,
/// a <c>Flush</c> at the end. Consume: one loop that
/// finds <c>ce_type</c>, switches on it, deserializes with the generated serializer, calls a no-op handler directly,
/// and stores the offset for librdkafka's background auto-commit (at-least-once).
/// </summary>
internal static class RawMode
{
    public static Measurement Produce(string bootstrapServers, string topic, OrderPlaced[] messages, RawShape shape, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers };
        foreach (var (key, value) in ClientSettings.Producer)
        {
            config.Set(key, value);
        }

        foreach (var (key, value) in overrides ?? ClientSettings.None)
        {
            config.Set(key, value);
        }

        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        Prime(producer, topic, messages[0], shape);
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
            var record = shape.Create(message);

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
    public static async Task<Measurement> ProduceAsyncWindowed(string bootstrapServers, string topic, OrderPlaced[] messages, int window, RawShape shape)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers };
        foreach (var (key, value) in ClientSettings.Producer)
        {
            config.Set(key, value);
        }

        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        Prime(producer, topic, messages[0], shape);
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
            inFlight[slot] = producer.ProduceAsync(topic, shape.Create(message));
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
    internal static void Prime(IProducer<byte[], byte[]> producer, string topic, OrderPlaced message, RawShape shape)
    {
        producer.Produce(topic, shape.Create(message));
        if (producer.Flush(TimeSpan.FromSeconds(30)) != 0)
        {
            throw new InvalidOperationException("Raw producer: the priming record was not acknowledged in 30 s.");
        }
    }

    public static Measurement Consume(string bootstrapServers, string topic, string groupId, int expected, TimeSpan timeout, TimeSpan handlerWork = default)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = groupId };
        foreach (var (key, value) in ClientSettings.Consumer)
        {
            config.Set(key, value);
        }

        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;

        var handler = new NoOpOrderHandler(expected, handlerWork);
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
