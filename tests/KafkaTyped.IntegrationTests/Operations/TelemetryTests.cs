using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using KafkaTyped.IntegrationTests.Guarantees;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.IntegrationTests.Operations;

/// <summary>
/// The <c>KafkaTyped</c> meter and activity source seen as an exporter sees them, through a <see cref="MeterListener"/>
/// and an <see cref="ActivityListener"/>. Both listeners are process-wide and tests run in parallel: every assertion
/// filters by the test's own topic or consumer group.
/// </summary>
public sealed class TelemetryTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Counters_move_for_handled_retried_dead_lettered_and_deduplicated_records_and_the_lag_gauge_falls_to_zero()
    {
        var (topic, group) = await NewTopicAsync("metrics");
        var run = Guid.NewGuid();
        using var meters = new Measurements();
        using var host = Build(topic, group);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await host.StartAsync(Ct);

        // Four handled at once, one after a retry, one dead-lettered after three attempts; a duplicate pair of ids.
        await publisher.PublishAsync(new TelemetryStep(run, "a", 0, FailAttempts: 0, Block: false), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new TelemetryStep(run, "a", 1, FailAttempts: 0, Block: false), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new TelemetryStep(run, "a", 2, FailAttempts: 1, Block: false), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new TelemetryStep(run, "a", 3, FailAttempts: 99, Block: false), topic, cancellationToken: Ct);
        await DeduplicationTests.ProduceWithIdsAsync(cluster, topic, run, ["m-1", "m-1"]);
        const int published = 6;

        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == published, Deadline, "every record to be committed", Ct);
        await Wait.UntilAsync(() => meters.Sum("kafkatyped.consume.commits", "messaging.consumer.group.name", group) > 0, Deadline, "a commit to be counted", Ct);

        // The conventional consumer metrics carry the group with the topic, as the conventions ask.
        Assert.Equal(published, meters.Sum("messaging.client.consumed.messages", ("messaging.destination.name", topic), ("messaging.consumer.group.name", group)));
        Assert.Equal(published, meters.Count("messaging.process.duration", ("messaging.destination.name", topic), ("messaging.consumer.group.name", group))); // one per handled record, the duplicate too
        Assert.Equal(3, meters.Sum("kafkatyped.consume.retried", "messaging.consumer.group.name", group)); // 1 + 2
        Assert.Equal(1, meters.Sum("kafkatyped.consume.dead_lettered", "messaging.consumer.group.name", group));
        Assert.Equal(1, meters.Sum("kafkatyped.consume.deduplicated", "messaging.consumer.group.name", group));
        Assert.Equal(4, meters.Sum("kafkatyped.consume.handler_failures", "messaging.consumer.group.name", group));
        Assert.Equal(4, meters.Count("messaging.client.operation.duration", ("messaging.destination.name", topic), ("messaging.operation.name", "send"))); // the awaited sends

        // A fire-and-forget send is timed too, from the call to its delivery report.
        publisher.Publish(new TelemetryStep(run, "a", 99, FailAttempts: 0, Block: false), topic);
        await Wait.UntilAsync(
            () => meters.Count("messaging.client.operation.duration", ("messaging.destination.name", topic), ("messaging.operation.name", "send")) == 5, Deadline, "the fire-and-forget send to be timed", Ct);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == published + 1, Deadline, "the fire-and-forget record to be committed", Ct);

        // The lag gauge: a blocked handler holds the committed offset while more arrives, then the group catches up.
        TelemetryStep.Gate(run).Reset();
        await publisher.PublishAsync(new TelemetryStep(run, "a", 4, FailAttempts: 0, Block: true), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new TelemetryStep(run, "a", 5, FailAttempts: 0, Block: false), topic, cancellationToken: Ct);
        await Wait.UntilAsync(() => meters.Gauge("kafkatyped.consumer.lag", group, topic) >= 2, Deadline, "the lag gauge to show the two records behind the blocked handler", Ct);
        Assert.Equal(1, meters.Gauge("kafkatyped.consumer.in_flight", group, topic));
        TelemetryStep.Gate(run).Release();
        await Wait.UntilAsync(() => meters.Gauge("kafkatyped.consumer.lag", group, topic) == 0, Deadline, "the lag gauge to fall to 0 once the group caught up", Ct);
        Assert.Equal(0, meters.Gauge("kafkatyped.consumer.in_flight", group, topic));
        await host.StopAsync(Ct);

        // The commit before the group leaves is synchronous, and timed as the conventions' commit operation.
        var commit = Assert.Single(meters.Matching("messaging.client.operation.duration", ("messaging.consumer.group.name", group)));
        Assert.Equal("commit", commit.Tags["messaging.operation.name"]);
        Assert.Equal("settle", commit.Tags["messaging.operation.type"]);
        Assert.Equal("kafka", commit.Tags["messaging.system"]);
    }

    [Fact]
    public async Task A_record_rejected_before_routing_has_a_process_span_in_its_producers_trace_with_the_reason_as_error_type()
    {
        var (topic, group) = await NewTopicAsync("rejected");
        var run = Guid.NewGuid();
        using var spans = new Spans(topic);
        using var meters = new Measurements();
        using var host = Build(topic, group, o => o.Consumers[0].MaxPayloadBytes = 256);
        await host.StartAsync(Ct);

        // Five records no handler runs for, each from a producer span of its own (a traceparent header).
        var typeId = System.Text.Encoding.UTF8.GetBytes(MessageContract.TypeIdOf<TelemetryStep>());
        var msgpack = "application/x-msgpack"u8.ToArray();
        var poisoned = new (string Key, byte[]? Value, (string Key, byte[] Value)[] Headers)[]
        {
            ("missing", [0x01, 0x02], []),
            ("unknown", [0x90], [("ce_type", "it.no-such-type"u8.ToArray()), ("content-type", msgpack)]),
            ("invalid", [0xC1], [("ce_type", typeId), ("content-type", msgpack)]),
            ("large", new byte[257], [("ce_type", typeId), ("content-type", msgpack)]),
            ("replay", [0x90], [("ce_type", typeId), ("content-type", msgpack), (ReplayHeaders.Group, "some-other-group"u8.ToArray())]),
        };
        var producers = new Dictionary<string, (ActivityTraceId Trace, ActivitySpanId Span)>();
        using (var producer = new Confluent.Kafka.ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build())
        {
            foreach (var (key, value, extra) in poisoned)
            {
                var (trace, span) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
                producers[key] = (trace, span);
                var headers = new Confluent.Kafka.Headers { { "traceparent", System.Text.Encoding.ASCII.GetBytes($"00-{trace}-{span}-01") } };
                foreach (var (name, bytes) in extra)
                {
                    headers.Add(name, bytes);
                }

                await producer.ProduceAsync(topic, new Confluent.Kafka.Message<byte[], byte[]> { Key = System.Text.Encoding.UTF8.GetBytes(key), Value = value!, Headers = headers }, Ct);
            }
        }

        using var offsets = new GroupOffsets(cluster, group);
        await Wait.UntilAsync(() => offsets.Committed(topic, 0) == poisoned.Length, Deadline, "every rejected record to be committed", Ct);
        await Wait.UntilAsync(() => spans.Named("process " + topic).Count == poisoned.Length, Deadline, "a process span for each rejected record", Ct);
        await host.StopAsync(Ct);

        Activity SpanOf(string key)
        {
            var span = Assert.Single(spans.Named("process " + topic), s => (string?)s.GetTagItem("messaging.kafka.message.key") == key);
            Assert.Equal(ActivityKind.Consumer, span.Kind);
            Assert.Equal(producers[key].Trace, span.TraceId); // the producer's trace continued
            Assert.Equal(producers[key].Span, span.ParentSpanId);
            Assert.Contains(span.Links, l => l.Context.SpanId == producers[key].Span);
            Assert.Equal("kafka", span.GetTagItem("messaging.system"));
            Assert.Equal("process", span.GetTagItem("messaging.operation.type"));
            Assert.Equal(group, span.GetTagItem("messaging.consumer.group.name"));
            Assert.Equal("0", span.GetTagItem("messaging.destination.partition.id"));
            Assert.NotNull(span.GetTagItem("messaging.kafka.offset"));
            return span;
        }

        void Poisoned(string key, string reason, string? deadLetterReason)
        {
            var span = SpanOf(key);
            Assert.Equal(reason, span.GetTagItem("error.type"));
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            if (deadLetterReason is null)
            {
                Assert.DoesNotContain(span.Events, e => e.Name == "kafkatyped.dead_lettered");
                return;
            }

            var deadLettered = Assert.Single(span.Events, e => e.Name == "kafkatyped.dead_lettered");
            Assert.Contains(deadLettered.Tags, t => t.Key == "kafkatyped.dead_letter.reason" && (string?)t.Value == deadLetterReason);
            Assert.Contains(deadLettered.Tags, t => t.Key == "kafkatyped.dead_letter.topic" && (string?)t.Value == topic + ".dlq");
        }

        Poisoned("missing", "missing_type", "missing-type");
        Poisoned("unknown", "unknown_type", deadLetterReason: null); // skipped: the group does not dead-letter unknown types
        Poisoned("invalid", "invalid_payload", "invalid-payload");
        Poisoned("large", "payload_too_large", "payload-too-large");
        Assert.Equal("it.no-such-type", SpanOf("unknown").GetTagItem("kafkatyped.type_id"));
        Assert.Equal(MessageContract.TypeIdOf<TelemetryStep>(), SpanOf("invalid").GetTagItem("kafkatyped.type_id"));

        // A replay addressed to another group is that group's business, not a failure of this one.
        var replay = SpanOf("replay");
        Assert.Equal("replay_for_other_group", replay.GetTagItem("kafkatyped.skip_reason"));
        Assert.Null(replay.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, replay.Status);

        // The skip counter carries the group as the other consumer counters do.
        Assert.Equal(poisoned.Length, meters.Sum("kafkatyped.consume.skipped", "messaging.consumer.group.name", group));
    }

    [Fact]
    public async Task A_send_span_and_its_process_span_share_one_trace_with_the_conventional_attributes_and_a_retry_is_a_linked_span()
    {
        var (topic, group) = await NewTopicAsync("tracing");
        var run = Guid.NewGuid();
        using var spans = new Spans(topic);
        using var host = Build(topic, group);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        await host.StartAsync(Ct);

        await publisher.PublishAsync(new TelemetryStep(run, "order-7", 0, FailAttempts: 1, Block: false), topic, cancellationToken: Ct);
        await publisher.PublishAsync(new TelemetryStep(run, "order-8", 1, FailAttempts: 99, Block: false), topic, cancellationToken: Ct);
        await Wait.UntilAsync(() => spans.Named("process " + topic).Count >= 5, Deadline, "two process spans and three retry spans", Ct);
        await host.StopAsync(Ct);

        var send = spans.Named("send " + topic).Single(s => (string?)s.GetTagItem("messaging.kafka.message.key") == "order-7");
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal("kafka", send.GetTagItem("messaging.system"));
        Assert.Equal("send", send.GetTagItem("messaging.operation.type"));
        Assert.Equal(topic, send.GetTagItem("messaging.destination.name"));
        Assert.Equal("0", send.GetTagItem("messaging.destination.partition.id"));

        var attempts = spans.Named("process " + topic).Where(s => s.TraceId == send.TraceId).ToList();
        var process = Assert.Single(attempts, s => s.GetTagItem("kafkatyped.attempt") is null);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(send.SpanId, process.ParentSpanId); // the producer's trace continued
        Assert.Contains(process.Links, l => l.Context.SpanId == send.SpanId);
        Assert.Equal("kafka", process.GetTagItem("messaging.system"));
        Assert.Equal("process", process.GetTagItem("messaging.operation.type"));
        Assert.Equal(topic, process.GetTagItem("messaging.destination.name"));
        Assert.Equal("0", process.GetTagItem("messaging.destination.partition.id"));
        Assert.Equal(group, process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal("order-7", process.GetTagItem("messaging.kafka.message.key"));
        Assert.Equal(send.GetTagItem("messaging.message.id"), process.GetTagItem("messaging.message.id"));
        Assert.Equal(0L, process.GetTagItem("messaging.kafka.offset"));
        Assert.Contains(process.Events, e => e.Name == "kafkatyped.attempt_failed");
        Assert.Equal(ActivityStatusCode.Unset, process.Status);

        var retry = Assert.Single(attempts, s => s.GetTagItem("kafkatyped.attempt") is 2);
        Assert.Equal(process.SpanId, retry.ParentSpanId);
        Assert.Contains(retry.Links, l => l.Context.SpanId == process.SpanId);
        Assert.Null(retry.GetTagItem("error.type")); // the retry succeeded

        // The record that fails every attempt: each retry linked to the one before, dead-lettering an event, error.type set.
        var failing = spans.Named("process " + topic).Where(s => (string?)s.GetTagItem("messaging.kafka.message.key") == "order-8").ToList();
        var failedProcess = Assert.Single(failing, s => s.GetTagItem("kafkatyped.attempt") is null);
        var second = Assert.Single(failing, s => s.GetTagItem("kafkatyped.attempt") is 2);
        var third = Assert.Single(failing, s => s.GetTagItem("kafkatyped.attempt") is 3);
        Assert.Contains(third.Links, l => l.Context.SpanId == second.SpanId);
        Assert.Equal(typeof(InvalidOperationException).FullName, second.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, failedProcess.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, failedProcess.GetTagItem("error.type"));
        var deadLettered = Assert.Single(failedProcess.Events, e => e.Name == "kafkatyped.dead_lettered");
        Assert.Contains(deadLettered.Tags, t => t.Key == "kafkatyped.dead_letter.topic" && (string?)t.Value == topic + ".dlq");
    }

    [Fact]
    public async Task With_statistics_interval_set_librdkafkas_statistics_feed_the_broker_and_queue_gauges()
    {
        var (topic, group) = await NewTopicAsync("statistics");
        var serviceName = "statistics-" + Guid.NewGuid().ToString("N");
        using var meters = new Measurements();
        using var host = Build(topic, group, o =>
        {
            o.ServiceName = serviceName;
            o.Properties["statistics.interval.ms"] = "100";
        });
        await host.StartAsync(Ct);
        await host.Services.GetRequiredService<IMessagePublisher>().PublishAsync(new TelemetryStep(Guid.NewGuid(), "a", 0, 0, false), topic, cancellationToken: Ct);

        bool Reported(string instrument, string type) => meters.Observe(instrument).Any(m =>
            ((string?)m.Tags.GetValueOrDefault("kafkatyped.client.name"))?.StartsWith(serviceName, StringComparison.Ordinal) == true
            && Equals(m.Tags.GetValueOrDefault("kafkatyped.client.type"), type));
        await Wait.UntilAsync(() => Reported("kafkatyped.client.broker.rtt", "producer") && Reported("kafkatyped.client.broker.rtt", "consumer"), Deadline, "round-trip times of the producer and the consumer", Ct);
        Assert.True(Reported("kafkatyped.client.queue.messages", "producer"));
        Assert.True(Reported("kafkatyped.client.broker.requests", "consumer"));
        await host.StopAsync(Ct);
    }

    private async Task<(string Topic, string Group)> NewTopicAsync(string name)
    {
        var topic = ClusterFixture.NewTopicName(name);
        await cluster.CreateTopicAsync(topic, 1, Ct);
        await cluster.CreateTopicAsync(topic + ".dlq", 1, Ct);
        return (topic, ClusterFixture.NewGroupId(name));
    }

    private IHost Build(string topic, string group, Action<KafkaTypedOptions>? configure = null)
        => KafkaTypedTestHost.Build(
            cluster.BootstrapServers,
            new HandlingRecorder(),
            o =>
            {
                var consumer = KafkaTypedTestHost.TestConsumer(cluster.Kind, group, topic);
                consumer.CommitInterval = TimeSpan.FromMilliseconds(50);
                o.Consumers.Add(consumer);
                configure?.Invoke(o);
            });

    /// <summary>Every measurement of the KafkaTyped meter while it lives; gauges read on demand.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _recorded = new();
        private readonly Lock _gaugeLock = new();
        private List<(string Instrument, double Value, Dictionary<string, object?> Tags)>? _gauges;

        public Measurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "KafkaTyped")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
            _listener.Start();
        }

        public long Sum(string instrument, string tag, string value) => (long)Matching(instrument, tag, value).Sum(m => m.Value);

        public int Count(string instrument, string tag, string value) => Matching(instrument, tag, value).Count();

        public long Sum(string instrument, params (string Tag, string Value)[] tags) => (long)Matching(instrument, tags).Sum(m => m.Value);

        public int Count(string instrument, params (string Tag, string Value)[] tags) => Matching(instrument, tags).Count();

        /// <summary>The measurements of <paramref name="instrument"/> that carry every one of <paramref name="tags"/>.</summary>
        public IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Matching(string instrument, params (string Tag, string Value)[] tags)
            => _recorded.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Tag, out var v) && Equals(v, t.Value)));

        /// <summary>The gauge's value now for the group's partition 0 of the topic, or -1 when it reports none.</summary>
        public double Gauge(string instrument, string group, string topic)
        {
            var found = Observe(instrument).Where(g => Equals(g.Tags.GetValueOrDefault("messaging.consumer.group.name"), group)
                && Equals(g.Tags.GetValueOrDefault("messaging.destination.name"), topic)
                && Equals(g.Tags.GetValueOrDefault("messaging.destination.partition.id"), "0")).ToList();
            return found.Count == 0 ? -1 : found[^1].Value;
        }

        /// <summary>What the observable instrument reports now.</summary>
        public IReadOnlyList<(string Instrument, double Value, Dictionary<string, object?> Tags)> Observe(string instrument)
        {
            lock (_gaugeLock)
            {
                _gauges = [];
                _listener.RecordObservableInstruments();
                var found = _gauges.Where(g => g.Instrument == instrument).ToList();
                _gauges = null;
                return found;
            }
        }

        public void Dispose() => _listener.Dispose();

        private IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Matching(string instrument, string tag, string value)
            => _recorded.Where(m => m.Instrument == instrument && m.Tags.TryGetValue(tag, out var v) && Equals(v, value));

        private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
        {
            var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, tagValue) in tags)
            {
                dictionary[key] = tagValue;
            }

            var entry = (instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), dictionary);
            if (instrument.IsObservable)
            {
                _gauges?.Add(entry);
            }
            else
            {
                _recorded.Enqueue(entry);
            }
        }
    }

    /// <summary>The stopped spans of the KafkaTyped source whose destination is the test's topic.</summary>
    private sealed class Spans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public Spans(string topic)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "KafkaTyped",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if ((string?)activity.GetTagItem("messaging.destination.name") == topic)
                    {
                        _stopped.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> Named(string name) => [.. _stopped.Where(a => a.DisplayName == name)];

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>A message whose handler fails its first <see cref="FailAttempts"/> attempts, or waits for its run's gate.</summary>
[KafkaMessage("it.telemetry-step")]
public sealed partial record TelemetryStep(Guid Run, [property: MessageKey] string Key, long Sequence, int FailAttempts, bool Block)
{
    private static readonly ConcurrentDictionary<Guid, RunGate> s_gates = new();

    public static RunGate Gate(Guid run) => s_gates.GetOrAdd(run, _ => new RunGate());

    public sealed class RunGate
    {
        private TaskCompletionSource _open = CompletedSource();

        public Task Task => Volatile.Read(ref _open).Task;

        public void Reset() => Volatile.Write(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Release() => Volatile.Read(ref _open).TrySetResult();

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource();
            source.SetResult();
            return source;
        }
    }
}

[Retry(3, BaseDelayMilliseconds = 10, MaxDelayMilliseconds = 20)]
public sealed class TelemetryStepHandler : IHandle<TelemetryStep>
{
    public async ValueTask HandleAsync(TelemetryStep message, MessageContext context, CancellationToken cancellationToken)
    {
        if (message.Block)
        {
            await TelemetryStep.Gate(message.Run).Task.WaitAsync(cancellationToken);
        }

        if (context.Attempt <= message.FailAttempts)
        {
            throw new InvalidOperationException($"attempt {context.Attempt} of {message.Sequence} fails by design");
        }
    }
}
