using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace KafkaTyped.Diagnostics;

/// <summary>
/// librdkafka's statistics, emitted every <c>statistics.interval.ms</c> when that property is set (it is off by default),
/// turned into gauges: each client's queue of records not yet sent and, per broker, the average round-trip time and
/// the requests waiting to be sent or answered. The last report of each client is kept until the client is disposed.
/// </summary>
internal static class LibrdkafkaStatistics
{
    private static readonly ConcurrentDictionary<string, ClientStatistics> s_clients = new(StringComparer.Ordinal);

    /// <summary>A statistics handler for <c>SetStatisticsHandler</c> of a producer or consumer builder.</summary>
    public static Action<TClient, string> Handler<TClient>() => static (_, json) => Report(json);

    /// <summary>Whether a client built from <paramref name="config"/> emits statistics.</summary>
    public static bool Enabled(Confluent.Kafka.ClientConfig config) => config.StatisticsIntervalMs is > 0;

    /// <summary>Forgets the statistics of the client named <paramref name="name"/> (librdkafka's handle name).</summary>
    public static void Forget(string name) => s_clients.TryRemove(name, out _);

    /// <summary>Parses one report; a report that cannot be read is ignored (it is diagnostics, never a reason to fail).</summary>
    internal static void Report(string json)
    {
        _ = KafkaTypedTelemetry.BrokerRoundTrip; // creates the gauges with the instruments, so listeners see them
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || String(root, "name") is not { } name)
            {
                return;
            }

            var type = String(root, "type") ?? "";
            var brokers = new List<BrokerStatistics>();
            if (root.TryGetProperty("brokers", out var brokersElement) && brokersElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var broker in brokersElement.EnumerateObject())
                {
                    // The bootstrap and internal pseudo-brokers have node id -1: no requests of their own.
                    if (broker.Value.ValueKind != JsonValueKind.Object || Long(broker.Value, "nodeid") < 0)
                    {
                        continue;
                    }

                    var rttMicroseconds = broker.Value.TryGetProperty("rtt", out var rtt) && rtt.ValueKind == JsonValueKind.Object ? Long(rtt, "avg") : 0;
                    brokers.Add(new BrokerStatistics(broker.Name, rttMicroseconds / 1_000_000.0, Long(broker.Value, "outbuf_cnt"), Long(broker.Value, "waitresp_cnt")));
                }
            }

            s_clients[name] = new ClientStatistics(name, type, Long(root, "msg_cnt"), Long(root, "msg_size"), brokers);
        }
        catch (JsonException)
        {
            // A truncated or malformed report: keep the last good one.
        }
    }

    public static IEnumerable<Measurement<double>> RoundTrip()
    {
        foreach (var client in s_clients.Values)
        {
            foreach (var broker in client.Brokers)
            {
                yield return new(broker.RoundTripSeconds, new("kafkatyped.client.name", client.Name), new("kafkatyped.client.type", client.Type), new("kafkatyped.broker", broker.Name));
            }
        }
    }

    public static IEnumerable<Measurement<long>> Requests()
    {
        foreach (var client in s_clients.Values)
        {
            foreach (var broker in client.Brokers)
            {
                yield return new(broker.Outbuf + broker.WaitResponse, new("kafkatyped.client.name", client.Name), new("kafkatyped.client.type", client.Type), new("kafkatyped.broker", broker.Name));
            }
        }
    }

    public static IEnumerable<Measurement<long>> QueuedMessages()
    {
        foreach (var client in s_clients.Values)
        {
            yield return new(client.Messages, new("kafkatyped.client.name", client.Name), new("kafkatyped.client.type", client.Type));
        }
    }

    public static IEnumerable<Measurement<long>> QueuedBytes()
    {
        foreach (var client in s_clients.Values)
        {
            yield return new(client.Bytes, new("kafkatyped.client.name", client.Name), new("kafkatyped.client.type", client.Type));
        }
    }

    private static string? String(JsonElement element, string property)
        => element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Long(JsonElement element, string property)
        => element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;

    private sealed record ClientStatistics(string Name, string Type, long Messages, long Bytes, List<BrokerStatistics> Brokers);

    private sealed record BrokerStatistics(string Name, double RoundTripSeconds, long Outbuf, long WaitResponse);
}
