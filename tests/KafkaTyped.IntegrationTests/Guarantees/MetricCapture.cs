using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>One measurement of a KafkaTyped counter.</summary>
public sealed record CapturedMeasurement(string Instrument, long Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// Listens to the long counters of the meter named "KafkaTyped" for the lifetime of a test. The listener is process-wide
/// and tests run in parallel: query by a tag that is unique to the test (the consumer group or the topic).
/// </summary>
public sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<CapturedMeasurement> _measurements = new();

    public MetricCapture()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "KafkaTyped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, tagValue) in tags)
            {
                dictionary[key] = tagValue;
            }

            _measurements.Enqueue(new CapturedMeasurement(instrument.Name, value, dictionary));
        });
        _listener.Start();
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tag <paramref name="tag"/> equals <paramref name="value"/>.</summary>
    public long Sum(string instrument, string tag, string value)
        => _measurements.Where(m => m.Instrument == instrument && m.Tags.TryGetValue(tag, out var v) && Equals(v, value)).Sum(m => m.Value);

    public IReadOnlyList<CapturedMeasurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    public void Dispose() => _listener.Dispose();
}
