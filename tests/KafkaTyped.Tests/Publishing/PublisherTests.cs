using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Publishing;
using KafkaTyped.Tests.Support;
using MessagePack;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KafkaTyped.Tests.Publishing;

/// <summary>
/// The records the publisher builds (key, value, CloudEvents headers, topic). The producer is real but points at a
/// closed port: these tests never need a broker, except the failure tests, which need it to be absent.
/// </summary>
public sealed class PublisherTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(s_now);
    private readonly List<KafkaMessagePublisher> _publishers = [];

    public void Dispose()
    {
        foreach (var publisher in _publishers)
        {
            publisher.Dispose();
        }
    }

    private KafkaMessagePublisher Create(Action<KafkaTypedOptions>? configure = null, IDeliveryFailureHandler? failures = null)
    {
        var options = new KafkaTypedOptions { BootstrapServers = "127.0.0.1:1" };
        options.Publisher.FlushTimeout = TimeSpan.Zero;
        options.Properties["log_level"] = "0";
        configure?.Invoke(options);
        var publisher = new KafkaMessagePublisher(options, "order-service", failures is null ? [] : [failures], NullLogger.Instance, _time);
        _publishers.Add(publisher);
        return publisher;
    }

    private static string Header(Headers headers, string name) => Encoding.UTF8.GetString(headers.GetLastBytes(name));

    [Fact]
    public void Records_carry_cloudevents_binary_mode_headers()
    {
        var publisher = Create();
        var record = publisher.CreateRecord(new OrderPlaced(Guid.NewGuid(), "ada", 1), null, null, out var messageIdUtf8);
        var messageId = KafkaMessagePublisher.MessageIdString(messageIdUtf8);

        Assert.Equal("1.0", Header(record.Headers, "ce_specversion"));
        Assert.Equal(messageId, Header(record.Headers, "ce_id"));
        var id = Guid.ParseExact(messageId, "D");
        Assert.Equal(7, id.Version);
        Assert.Equal("order-placed", Header(record.Headers, "ce_type"));
        Assert.Equal("order-service", Header(record.Headers, "ce_source"));
        Assert.Equal("2026-03-04T05:06:07.8900000Z", Header(record.Headers, "ce_time"));
        Assert.Equal(s_now, DateTimeOffset.Parse(Header(record.Headers, "ce_time"), CultureInfo.InvariantCulture));
        Assert.Equal("application/x-msgpack", Header(record.Headers, "content-type"));
        Assert.False(record.Headers.TryGetLastBytes("traceparent", out _));
    }

    [Fact]
    public void Every_record_gets_a_new_time_ordered_id()
    {
        var publisher = Create();
        var ids = Enumerable.Range(0, 100).Select(i =>
        {
            publisher.CreateRecord(new OrderPlaced(Guid.NewGuid(), "ada", i), null, null, out var id);
            return KafkaMessagePublisher.MessageIdString(id);
        }).ToList();
        Assert.Equal(100, ids.Distinct().Count());
    }

    [Fact]
    public void Records_with_the_required_attributes_only_leave_out_ce_time_and_the_default_content_type()
    {
        var publisher = Create(o => o.Publisher.CloudEventsAttributes = CloudEventsAttributes.Required);

        var record = publisher.CreateRecord(new OrderPlaced(Guid.NewGuid(), "ada", 1), null, null, out var messageIdUtf8);

        Assert.Equal(["ce_specversion", "ce_id", "ce_type", "ce_source"], record.Headers.Select(h => h.Key));
        Assert.Equal(Encoding.UTF8.GetString(messageIdUtf8), Header(record.Headers, "ce_id"));
        Assert.Equal(CloudEventHeaders.ValueKind.MessagePack, CloudEventHeaders.ClassifyContentType(record.Headers));

        // A reader takes a record without content-type for MessagePack: any other format keeps saying what it is.
        var json = publisher.CreateRecord(new PriceNoted("sku-1", 9.5m), null, null, out _);
        Assert.Equal(["ce_specversion", "ce_id", "ce_type", "ce_source", "content-type"], json.Headers.Select(h => h.Key));
        Assert.Equal("application/json", Header(json.Headers, "content-type"));
    }

    [Fact]
    public void Message_ids_are_uuid_version_7_stamped_with_the_records_time()
    {
        var publisher = Create();
        var first = publisher.CreateRecord(new StockCounted(1, 1), null, null, out var firstId);
        _time.Advance(TimeSpan.FromMilliseconds(3));
        publisher.CreateRecord(new StockCounted(1, 1), null, null, out var secondId);

        var id = Guid.ParseExact(Encoding.UTF8.GetString(firstId), "D");
        Assert.Equal(7, id.Version);
        Assert.Equal(0b1000, id.Variant & 0b1100); // RFC 9562 variant: the two high bits are 10
        Span<byte> bytes = stackalloc byte[16];
        Assert.True(id.TryWriteBytes(bytes, bigEndian: true, out _));
        Assert.Equal(s_now.ToUnixTimeMilliseconds(), (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16));
        Assert.Equal(s_now, DateTimeOffset.Parse(Header(first.Headers, "ce_time"), CultureInfo.InvariantCulture));

        // Ids of later milliseconds sort after earlier ones, as text too.
        Assert.True(string.CompareOrdinal(Encoding.UTF8.GetString(firstId), Encoding.UTF8.GetString(secondId)) < 0);
    }

    [Fact]
    public void Message_ids_made_in_one_millisecond_on_many_threads_are_distinct()
    {
        const int PerThread = 50_000;
        var ids = new ConcurrentDictionary<Guid, byte>();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                var id = MessageIds.New(s_now);
                Assert.True(ids.TryAdd(id, 0), $"duplicate id {id}");
                Assert.Equal(7, id.Version);
            }
        });
        Assert.Equal(4 * PerThread, ids.Count);
    }

    [Fact]
    public void The_current_activity_is_propagated_as_w3c_trace_context()
    {
        var publisher = Create();
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";

        var record = publisher.CreateRecord(new OrderPlaced(Guid.NewGuid(), "ada", 1), null, activity, out _);

        Assert.Equal(activity.Id, Header(record.Headers, "traceparent"));
        Assert.Equal("vendor=1", Header(record.Headers, "tracestate"));
        Assert.True(CloudEventHeaders.TryGetTraceContext(record.Headers, out var context));
        Assert.Equal(activity.TraceId, context.TraceId);
        Assert.Equal(activity.SpanId, context.SpanId);
        Assert.Equal("vendor=1", context.TraceState);
    }

    [Fact]
    public void Keys_are_the_messages_own_encoding_passed_through()
    {
        var publisher = Create();
        var orderId = Guid.NewGuid();
        var placed = publisher.CreateRecord(new OrderPlaced(orderId, "ada", 1), null, null, out _);
        Assert.Equal(Encoding.UTF8.GetBytes(orderId.ToString("D")), placed.Key);

        var counted = publisher.CreateRecord(new StockCounted(0x0102030405060708, 3), null, null, out _);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, counted.Key);
        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64BigEndian(counted.Key));
    }

    [Fact]
    public void The_value_is_the_generated_serializer_output()
    {
        var publisher = Create();
        var message = new OrderPlaced(Guid.NewGuid(), new string('x', 10_000), 42); // larger than the initial pooled buffer
        var record = publisher.CreateRecord(message, null, null, out _);

        var reader = new MessagePackReader(record.Value);
        Assert.Equal(message, MessageContract.Deserialize<OrderPlaced>(ref reader));
        Assert.True(reader.End);

        var small = publisher.CreateRecord(new StockCounted(1, 2), null, null, out _);
        var smallReader = new MessagePackReader(small.Value);
        Assert.Equal(new StockCounted(1, 2), MessageContract.Deserialize<StockCounted>(ref smallReader));
    }

    [Fact]
    public void Caller_headers_are_appended_and_reserved_names_are_refused()
    {
        var publisher = Create();
        var record = publisher.CreateRecord(new StockCounted(1, 2), new Headers { { "tenant", "t-1"u8.ToArray() } }, null, out _);
        Assert.Equal("t-1", Header(record.Headers, "tenant"));

        var error = Assert.Throws<ArgumentException>(() => publisher.CreateRecord(new StockCounted(1, 2), new Headers { { "ce_type", "evil"u8.ToArray() } }, null, out _));
        Assert.Contains("'ce_type'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_topic_is_the_call_then_the_message_then_the_configured_default()
    {
        var withDefault = Create(o => o.Publisher.DefaultTopic = "fallback");
        Assert.Equal("explicit", withDefault.ResolveTopic<StockCounted>("explicit"));
        Assert.Equal("stock", withDefault.ResolveTopic<StockCounted>(null));
        Assert.Equal("fallback", withDefault.ResolveTopic<OrderPlaced>(null));

        var withoutDefault = Create();
        var error = Assert.Throws<InvalidOperationException>(() => withoutDefault.ResolveTopic<OrderPlaced>(null));
        Assert.Contains("'order-placed'", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(OrderPlaced).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("KafkaTyped:Publisher:DefaultTopic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_throws_a_clear_exception_when_the_record_is_not_delivered()
    {
        // Real client, no broker: the record times out.
        var publisher = Create(o => o.Publisher.Properties["message.timeout.ms"] = "200");
        var error = await Assert.ThrowsAsync<PublishException>(() => publisher.PublishAsync(new StockCounted(1, 2), TestContext.Current.CancellationToken));

        Assert.Equal("stock", error.Topic);
        Assert.Equal("stock-counted", error.TypeId);
        Assert.Equal(7, Guid.Parse(error.MessageId).Version);
        Assert.Equal(ErrorCode.Local_MsgTimedOut, error.Error.Code);
        Assert.StartsWith("Publishing 'stock-counted' (ce_id ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fire_and_forget_failures_reach_the_failure_handler_with_the_whole_record()
    {
        var failures = new RecordingFailureHandler();
        var publisher = Create(o => o.Publisher.Properties["message.timeout.ms"] = "200", failures);

        publisher.Publish(new StockCounted(7, 1));
        publisher.Publish(new OrderPlaced(Guid.NewGuid(), "ada", 1), "orders");

        await failures.Received(2).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Equal(2, failures.Failures.Count);
        var stock = Assert.Single(failures.Failures, f => f.TypeId == "stock-counted");
        Assert.Equal("stock", stock.Topic);
        Assert.Equal(ErrorCode.Local_MsgTimedOut, stock.Error.Code);
        Assert.Equal(MessageContract.KeyOf(new StockCounted(7, 1)), stock.Key);
        Assert.Equal(7, Guid.Parse(stock.MessageId).Version);
        Assert.Contains(failures.Failures, f => f.TypeId == "order-placed" && f.Topic == "orders");
    }

    [Fact]
    public async Task A_publish_whose_token_is_already_cancelled_is_not_handed_to_the_client()
    {
        // A caller who retries a cancelled publish must not publish twice under two ce_ids.
        var publisher = Create();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher.PublishAsync(new StockCounted(1, 2), cancelled.Token));

        // No broker answers, so a record handed to the client would still be outstanding.
        Assert.Equal(0, publisher.Flush(TimeSpan.Zero));
    }

    [Fact]
    public async Task Publish_on_a_full_queue_waits_for_room_without_running_delivery_callbacks_on_the_callers_thread()
    {
        // A queue of one record, no broker: the second publish finds the queue full until the first record times out.
        var failures = new RecordingFailureHandler();
        var publisher = Create(
            o =>
            {
                o.Publisher.Properties["queue.buffering.max.messages"] = "1";
                o.Publisher.Properties["message.timeout.ms"] = "200";
            },
            failures);
        publisher.Publish(new StockCounted(1, 1));

        var caller = await Task.Run(() =>
        {
            publisher.Publish(new StockCounted(2, 1));
            return Environment.CurrentManagedThreadId;
        }).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await failures.Received(2).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        // The first record's failure (which made room) was reported on librdkafka's delivery thread, not re-entrantly
        // inside the caller's Publish (where a handler that publishes would wait on itself).
        Assert.DoesNotContain(caller, failures.Threads);
    }

    [Fact]
    public async Task Publish_from_a_failure_handler_on_a_full_queue_fails_at_once_instead_of_waiting_on_itself()
    {
        // The failed record still takes its place in the queue while its handler runs, and only librdkafka's delivery
        // thread (the one running the handler) could make room: waiting there can never succeed.
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        KafkaMessagePublisher? publisher = null;
        var republish = new DelegateFailureHandler(failure =>
        {
            try
            {
                publisher!.Publish(new StockCounted(2, 1));
                outcome.TrySetResult(null);
            }
            catch (Exception ex)
            {
                outcome.TrySetResult(ex);
            }
        });
        publisher = Create(
            o =>
            {
                o.Publisher.Properties["queue.buffering.max.messages"] = "1";
                o.Publisher.Properties["message.timeout.ms"] = "200";
            },
            republish);

        publisher.Publish(new StockCounted(1, 1));

        var error = Assert.IsType<PublishException>(await outcome.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.Equal(ErrorCode.Local_QueueFull, error.Error.Code);
        Assert.Equal("stock-counted", error.TypeId);
    }

    private sealed class DelegateFailureHandler(Action<DeliveryFailure> onFailed) : IDeliveryFailureHandler
    {
        private int _calls;

        public void OnDeliveryFailed(DeliveryFailure failure)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                onFailed(failure);
            }
        }
    }

    private sealed class RecordingFailureHandler : IDeliveryFailureHandler
    {
        private readonly TaskCompletionSource _second = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<DeliveryFailure> Failures { get; } = [];

        public ConcurrentQueue<int> Threads { get; } = [];

        public Task Received(int count) => count == 2 ? _second.Task : throw new ArgumentOutOfRangeException(nameof(count));

        public void OnDeliveryFailed(DeliveryFailure failure)
        {
            Threads.Enqueue(Environment.CurrentManagedThreadId);
            Failures.Enqueue(failure);
            if (Failures.Count >= 2)
            {
                _second.TrySetResult();
            }
        }
    }
}
