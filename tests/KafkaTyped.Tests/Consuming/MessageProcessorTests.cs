using System.Buffers;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Tests.Consuming;

/// <summary>The per-record stages: routing by ce_type, poison input dead-lettered, handler scopes, retry per handler, the dead-letter stage.</summary>
public sealed class MessageProcessorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (MessageProcessor Processor, ServiceProvider Services) Create(
        Action<IServiceCollection> handlers, ConsumerOptions? options = null, IDeadLetterSink? sink = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<Calls>();
        handlers(services);
        var table = new HandRouteTable(new HandRoute<OrderPlaced, OrderPlacedHandler>(), new HandRoute<StockCounted, StockCountedHandler>());
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var registry = RouteRegistry.Create([table], new HandlerRegistrations(services), provider);
        options ??= new ConsumerOptions { GroupId = "g", RetryInitialDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        return (new MessageProcessor(registry, provider, options, NullLogger.Instance, time ?? TimeProvider.System, sink ?? new RecordingDeadLetterSink(), new FixedJitter(0.5)), provider);
    }

    private static ConsumeResult<byte[], byte[]> Record<T>(T message, long offset = 0, string? typeId = null) where T : IKafkaMessage<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        T.TypeInfo.MessagePack.Write(ref writer, message);
        writer.Flush();
        var headers = new Headers { { "ce_type", System.Text.Encoding.UTF8.GetBytes(typeId ?? T.TypeId) }, { "ce_id", "0192d6c4-0000-7000-8000-000000000001"u8.ToArray() } };
        return Records.At("orders", 2, offset, headers, buffer.WrittenSpan.ToArray(), T.SerializeKey(message));
    }

    [Fact]
    public async Task Records_are_routed_by_ce_type_to_their_handler_with_the_record_context()
    {
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>());
        await using var _ = services;
        var order = new OrderPlaced(Guid.NewGuid(), "ada", 1);

        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(order, offset: 17), Ct));
        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new StockCounted(5, 6), offset: 18), Ct));

        var calls = services.GetRequiredService<Calls>();
        Assert.Equal(2, calls.All.Count);
        var (handler, message, context) = calls.All[0];
        Assert.Equal(nameof(OrderPlacedHandler), handler);
        Assert.Equal(order, message);
        Assert.Equal("orders", context.Topic);
        Assert.Equal(2, context.Partition);
        Assert.Equal(17, context.Offset);
        Assert.Equal("order-placed", context.TypeId);
        Assert.Equal("0192d6c4-0000-7000-8000-000000000001", context.MessageId);
        Assert.Equal("g", context.ConsumerGroup);
        Assert.Equal(1, context.Attempt);
        Assert.Equal(MessageContract.KeyOf(order), context.Key.ToArray());
        Assert.Equal(nameof(StockCountedHandler), calls.All[1].Handler);
    }

    [Fact]
    public async Task An_Avro_record_whose_schema_the_registry_cannot_serve_is_dead_lettered_and_counted_as_an_invalid_payload()
    {
        // The registry is a stand-in that fails as a real one does once its retries are spent.
        var sink = new RecordingDeadLetterSink();
        var group = "avro-down-" + Guid.NewGuid().ToString("N");
        var (processor, services) = Create(
            s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>().AddSingleton<KafkaTyped.SchemaRegistry.ISchemaRegistry, UnavailableSchemaRegistry>(),
            new ConsumerOptions { GroupId = group },
            sink);
        await using var _ = services;
        long skipped = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "KafkaTyped" && instrument.Name == "kafkatyped.consume.skipped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var ours = false;
            var invalid = false;
            foreach (var tag in tags)
            {
                ours |= tag.Key == "messaging.consumer.group.name" && Equals(tag.Value, group);
                invalid |= tag.Key == "reason" && Equals(tag.Value, "invalid_payload");
            }

            if (ours && invalid)
            {
                Interlocked.Add(ref skipped, value);
            }
        });
        listener.Start();

        var headers = new Headers { { "ce_type", "stock-counted"u8.ToArray() }, { "content-type", "application/avro"u8.ToArray() } };
        var record = Records.At("orders", 0, 3, headers, value: [0, 0, 0, 0x7f, 0x42, 0x02]); // magic byte, schema id 32578, body
        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(record, Ct));

        Assert.Empty(services.GetRequiredService<Calls>().All);
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(DeadLetterReason.InvalidPayload, deadLetter.Reason);
        Assert.IsType<KafkaTyped.SchemaRegistry.SchemaRegistryException>(deadLetter.Exception);
        Assert.Equal(1, Interlocked.Read(ref skipped));
    }

    [Fact]
    public async Task A_record_without_ce_type_is_dead_lettered_without_calling_a_handler()
    {
        var sink = new RecordingDeadLetterSink();
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), sink: sink);
        await using var _ = services;
        var record = Records.At("orders", 0, 1, value: [0x90]);
        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(record, Ct));
        Assert.Empty(services.GetRequiredService<Calls>().All);
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(DeadLetterReason.MissingType, deadLetter.Reason);
        Assert.Equal("orders.dlq", deadLetter.Topic);
        Assert.Same(record, deadLetter.Record);
        Assert.Null(deadLetter.Handler);
        Assert.Equal(0, deadLetter.Attempts);
    }

    [Fact]
    public async Task An_unknown_type_id_is_skipped_by_default_and_dead_lettered_when_the_group_says_so()
    {
        var sink = new RecordingDeadLetterSink();
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), sink: sink);
        await using var _ = services;
        Assert.Equal(MessageOutcome.SkippedUnknownType, await processor.ProcessAsync(Record(new StockCounted(1, 1), typeId: "no-such-type"), Ct));
        Assert.Empty(sink.Sent);

        var options = new ConsumerOptions { GroupId = "g", DeadLetterUnknownTypes = true, DeadLetterTopic = "orders-poison" };
        var (dlqProcessor, dlqServices) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), options, sink);
        await using var __ = dlqServices;
        Assert.Equal(MessageOutcome.DeadLettered, await dlqProcessor.ProcessAsync(Record(new StockCounted(1, 1), typeId: "no-such-type"), Ct));
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(DeadLetterReason.UnknownType, deadLetter.Reason);
        Assert.Equal("orders-poison", deadLetter.Topic);
        Assert.Empty(services.GetRequiredService<Calls>().All);
        Assert.Empty(dlqServices.GetRequiredService<Calls>().All);
    }

    [Theory]
    [InlineData(null, "order-placed", """{"orderId":"0192d6c4-0000-7000-8000-000000000001","customer":"ada","sequence":3}""", "application/json")]
    [InlineData(null, "order-placed", """{"type":"ignored","payload":{"sequence":3,"customer":"ada","orderId":"0192d6c4-0000-7000-8000-000000000001"}}""", "application/vnd.kafkatyped.envelope+json")]
    [InlineData(null, null, """ {"payload":{"sequence":3,"customer":"ada","orderId":"0192d6c4-0000-7000-8000-000000000001"},"type":"order-placed"}""", null)]
    [InlineData(null, null, """{"specversion":"1.0","type":"order-placed","data":{"sequence":3,"customer":"ada","orderId":"0192d6c4-0000-7000-8000-000000000001"}}""", "application/cloudevents+json")]
    [InlineData(DeadLetterReason.InvalidPayload, "order-placed", """{"orderId":"x"}""", "application/json")]
    [InlineData(DeadLetterReason.InvalidPayload, "order-placed", """<order/>""", "text/xml")]
    [InlineData(DeadLetterReason.InvalidPayload, "order-placed", """{"orderId":"0192d6c4-0000-7000-8000-000000000001"}""", "application/vnd.kafkatyped.envelope+json")]
    [InlineData(DeadLetterReason.InvalidPayload, null, """{"type":"order-placed","payload":{"orderId":""", null)]
    [InlineData(DeadLetterReason.InvalidPayload, null, """{"type":"\uDC00\uD800","payload":{}}""", null)] // not text: a lone surrogate
    [InlineData(DeadLetterReason.InvalidPayload, "order-placed", """{"type":"\uDC00","payload":{}}""", "application/vnd.kafkatyped.envelope+json")]
    [InlineData(DeadLetterReason.InvalidPayload, null, """{"specversion":"1.0","type":"\uD800x","data":{}}""", "application/cloudevents+json")]
    [InlineData(DeadLetterReason.MissingType, null, """{"type":1,"payload":{}}""", null)]
    [InlineData(DeadLetterReason.MissingType, null, """{"type":"order-placed","payload":[]}""", null)]
    public async Task Json_records_are_dispatched_by_content_type_and_envelope(DeadLetterReason? expected, string? typeId, string value, string? contentType)
    {
        var sink = new RecordingDeadLetterSink();
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), sink: sink);
        await using var _ = services;
        var headers = new Headers();
        if (typeId is not null)
        {
            headers.Add("ce_type", System.Text.Encoding.UTF8.GetBytes(typeId));
        }

        if (contentType is not null)
        {
            headers.Add("content-type", System.Text.Encoding.UTF8.GetBytes(contentType));
        }

        var outcome = await processor.ProcessAsync(Records.At("orders", 0, 1, headers, System.Text.Encoding.UTF8.GetBytes(value)), Ct);
        if (expected is null)
        {
            Assert.Equal(MessageOutcome.Handled, outcome);
            var call = Assert.Single(services.GetRequiredService<Calls>().All);
            Assert.Equal(new OrderPlaced(Guid.Parse("0192d6c4-0000-7000-8000-000000000001"), "ada", 3), call.Message);
            Assert.Empty(sink.Sent);
        }
        else
        {
            Assert.Equal(MessageOutcome.DeadLettered, outcome);
            Assert.Empty(services.GetRequiredService<Calls>().All);
            Assert.Equal(expected, Assert.Single(sink.Sent).Reason);
        }
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xC1 })] // never used in MessagePack
    [InlineData(new byte[] { 0x93, 0xA1 })] // truncated
    [InlineData(new byte[] { 0xDD, 0x7F, 0xFF, 0xFF, 0xFF })] // hostile array length
    public async Task An_invalid_payload_is_dead_lettered_with_the_decoding_error(byte[] payload)
    {
        var sink = new RecordingDeadLetterSink();
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), sink: sink);
        await using var _ = services;
        var record = Records.At("orders", 0, 1, new Headers { { "ce_type", "order-placed"u8.ToArray() } }, payload);
        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(record, Ct));
        Assert.Empty(services.GetRequiredService<Calls>().All);
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(DeadLetterReason.InvalidPayload, deadLetter.Reason);
        Assert.NotNull(deadLetter.Exception);
    }

    [Fact]
    public async Task A_value_above_MaxPayloadBytes_is_dead_lettered_before_decoding()
    {
        var sink = new RecordingDeadLetterSink();
        var options = new ConsumerOptions { GroupId = "g", MaxPayloadBytes = 16 };
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), options, sink);
        await using var _ = services;

        // A payload that is not even valid MessagePack: the size is checked first.
        var record = Records.At("orders", 0, 1, new Headers { { "ce_type", "stock-counted"u8.ToArray() } }, new byte[17]);
        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(record, Ct));
        Assert.Equal(DeadLetterReason.PayloadTooLarge, Assert.Single(sink.Sent).Reason);
        Assert.Null(sink.Sent.Single().Exception);

        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));
        Assert.Single(services.GetRequiredService<Calls>().All);
    }

    [Fact]
    public async Task Scoped_handlers_get_a_scope_per_message_and_singletons_none()
    {
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddSingleton<StockCountedHandler>());
        await using var _ = services;
        for (var i = 0; i < 3; i++)
        {
            await processor.ProcessAsync(Record(new OrderPlaced(Guid.NewGuid(), "ada", i)), Ct);
            await processor.ProcessAsync(Record(new StockCounted(i, i)), Ct);
        }

        var calls = services.GetRequiredService<Calls>();
        Assert.Equal(3, calls.Instances.Where(i => i is OrderPlacedHandler).Distinct().Count());
        var singleton = Assert.Single(calls.Instances.Where(i => i is StockCountedHandler).Distinct());
        Assert.Same(services.GetRequiredService<StockCountedHandler>(), singleton);
    }

    // The fast path of one scoped handler keeps the per-message scope users rely on (a DbContext per message): each
    // record gets its own scoped services, disposed once its handling ended, whether the handler completed at once, later,
    // or failed and was retried in a fresh scope.
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    public async Task A_scoped_handler_gets_its_own_scoped_services_per_record_disposed_when_the_record_is_done(bool completesLater, int failures)
    {
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<UnitOfWork>().AddSingleton<StockCountedHandler>());
        await using var _ = services;
        var calls = services.GetRequiredService<Calls>();
        calls.CompletesLater = completesLater;
        var seen = new List<UnitOfWork>();
        for (var i = 0; i < 3; i++)
        {
            calls.FailuresLeft = failures;
            Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new OrderPlaced(Guid.NewGuid(), "ada", i)), Ct));
            var used = calls.UnitsOfWork.Skip(seen.Count).ToList();
            Assert.Equal(failures + 1, used.Count); // a retry is a new scope
            Assert.All(used, u => Assert.True(u.Disposed, "the record's scoped services were disposed when it was done"));
            seen.AddRange(used);
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    // A singleton handler is called without a scope or a state machine while it completes synchronously; a failure
    // (thrown or faulted) leaves that path for the retrying one, which must see the same attempts.
    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task A_failing_handler_is_retried_with_the_attempt_number_then_succeeds(ServiceLifetime lifetime)
    {
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().Add(new ServiceDescriptor(typeof(StockCountedHandler), typeof(StockCountedHandler), lifetime)));
        await using var _ = services;
        var calls = services.GetRequiredService<Calls>();
        calls.FailuresLeft = 2;

        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));
        Assert.Equal([1, 2, 3], calls.All.Select(c => c.Context.Attempt));
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task A_handler_failing_MaxHandlerAttempts_times_is_dead_lettered_naming_it(ServiceLifetime lifetime)
    {
        var sink = new RecordingDeadLetterSink();
        var options = new ConsumerOptions { GroupId = "g", MaxHandlerAttempts = 3, RetryInitialDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().Add(new ServiceDescriptor(typeof(StockCountedHandler), typeof(StockCountedHandler), lifetime)), options, sink);
        await using var _ = services;
        var calls = services.GetRequiredService<Calls>();
        calls.FailuresLeft = int.MaxValue;

        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));
        Assert.Equal([1, 2, 3], calls.All.Select(c => c.Context.Attempt));
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(DeadLetterReason.HandlerFailed, deadLetter.Reason);
        Assert.Equal(typeof(StockCountedHandler).FullName, deadLetter.Handler);
        Assert.Equal(3, deadLetter.Attempts);
        Assert.Equal("g", deadLetter.ConsumerGroup);
        Assert.IsType<InvalidOperationException>(deadLetter.Exception);
    }

    [Fact]
    public async Task Retry_delays_grow_exponentially_through_the_time_provider_and_the_jitter()
    {
        var time = new RecordingDelays();
        var options = new ConsumerOptions { GroupId = "g", RetryInitialDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromSeconds(1) };
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddSingleton<StockCountedHandler>(), options, time: time);
        await using var _ = services;
        var calls = services.GetRequiredService<Calls>();
        calls.FailuresLeft = 5;

        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));
        Assert.Equal([1, 2, 3, 4, 5, 6], calls.All.Select(c => c.Context.Attempt));

        // FixedJitter(0.5) is the middle of the +/-20% band: the delays are the exponential series itself, capped.
        Assert.Equal([100, 200, 400, 800, 1000], time.Requested.Select(d => d.TotalMilliseconds));
    }

    [Fact]
    public async Task A_permanent_failure_is_dead_lettered_on_its_first_attempt()
    {
        var sink = new RecordingDeadLetterSink();
        var services = new ServiceCollection().AddSingleton<PermanentlyFailingHandler>();
        await using var provider = services.BuildServiceProvider();
        var registry = RouteRegistry.Create([new HandRouteTable(new HandRoute<StockCounted, PermanentlyFailingHandler>())], new HandlerRegistrations(services), provider);
        var processor = new MessageProcessor(registry, provider, new ConsumerOptions { GroupId = "g" }, NullLogger.Instance, TimeProvider.System, sink);

        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));
        Assert.Equal(1, provider.GetRequiredService<PermanentlyFailingHandler>().Calls);
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(1, deadLetter.Attempts);
        Assert.IsType<PermanentFailureException>(deadLetter.Exception);
    }

    [Fact]
    public async Task Only_the_failing_handler_of_a_message_is_retried_and_dead_lettered()
    {
        var sink = new RecordingDeadLetterSink();
        IServiceCollection services = new ServiceCollection().AddSingleton<Calls>();
        services.AddSingleton<StockCountedHandler>().AddSingleton<AlwaysFailingStockHandler>();
        await using var provider = services.BuildServiceProvider();
        var route = new HandRoute<StockCounted>(typeof(StockCountedHandler), typeof(AlwaysFailingStockHandler));
        var registry = RouteRegistry.Create([new HandRouteTable(route)], new HandlerRegistrations(services), provider);
        var options = new ConsumerOptions
        {
            GroupId = "g",
            RetryInitialDelay = TimeSpan.Zero,
            RetryMaxDelay = TimeSpan.Zero,
            Handlers = { [nameof(AlwaysFailingStockHandler)] = new HandlerFailureOptions { MaxAttempts = 4, DeadLetterTopic = "stock-failures" } },
        };
        var processor = new MessageProcessor(registry, provider, options, NullLogger.Instance, TimeProvider.System, sink);

        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));

        Assert.Equal([nameof(StockCountedHandler)], provider.GetRequiredService<Calls>().All.Select(c => c.Handler));
        Assert.Equal(4, provider.GetRequiredService<AlwaysFailingStockHandler>().Calls);
        var deadLetter = Assert.Single(sink.Sent);
        Assert.Equal(typeof(AlwaysFailingStockHandler).FullName, deadLetter.Handler);
        Assert.Equal("stock-failures", deadLetter.Topic);
        Assert.Equal(4, deadLetter.Attempts);
    }

    [Fact]
    public async Task A_failing_dead_letter_sink_is_retried_and_the_record_completes_only_once_it_is_stored()
    {
        var time = new RecordingDelays();
        var sink = new RecordingDeadLetterSink { FailuresLeft = 3 };
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), sink: sink, time: time);
        await using var _ = services;

        Assert.Equal(MessageOutcome.DeadLettered, await processor.ProcessAsync(Records.At("orders", 0, 1, value: [0x90]), Ct));
        Assert.Equal(4, sink.Calls);
        Assert.Single(sink.Sent);
        Assert.Equal(3, time.Requested.Count);
        Assert.True(time.Requested.All(d => d >= TimeSpan.FromMilliseconds(80)), "the sink is retried with a backoff, not in a tight loop");
    }

    [Fact]
    public async Task Cancellation_while_the_dead_letter_sink_is_failing_ends_processing_without_an_outcome()
    {
        var sink = new RecordingDeadLetterSink { FailuresLeft = int.MaxValue };
        var options = new ConsumerOptions { GroupId = "g", RetryInitialDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) };
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), options, sink);
        await using var _ = services;
        using var cts = new CancellationTokenSource();

        var processing = processor.ProcessAsync(Records.At("orders", 0, 1, value: [0x90]), cts.Token).AsTask();
        await Records.WaitUntil(() => sink.Calls > 0, "the sink was called");
        Assert.False(processing.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => processing);
        Assert.Empty(sink.Sent);
    }

    [Fact]
    public async Task Cancellation_during_retries_ends_processing_without_an_outcome()
    {
        var options = new ConsumerOptions { GroupId = "g", RetryInitialDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) };
        var (processor, services) = Create(s => s.AddScoped<OrderPlacedHandler>().AddScoped<StockCountedHandler>(), options);
        await using var _ = services;
        var calls = services.GetRequiredService<Calls>();
        calls.FailuresLeft = int.MaxValue;
        using var cts = new CancellationTokenSource();

        var processing = processor.ProcessAsync(Record(new StockCounted(1, 1)), cts.Token).AsTask();
        Assert.False(processing.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => processing);
    }

    [Fact]
    public async Task A_singleton_handler_that_completes_later_is_awaited_before_the_outcome()
    {
        var services = new ServiceCollection().AddSingleton<GatedHandler>();
        await using var provider = services.BuildServiceProvider();
        var registry = RouteRegistry.Create([new HandRouteTable(new HandRoute<StockCounted, GatedHandler>())], new HandlerRegistrations(services), provider);
        var processor = new MessageProcessor(registry, provider, new ConsumerOptions { GroupId = "g" }, NullLogger.Instance, TimeProvider.System, new RecordingDeadLetterSink());
        var handler = provider.GetRequiredService<GatedHandler>();

        var processing = processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct).AsTask();
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(processing.IsCompleted);
        handler.Gate.SetResult();
        Assert.Equal(MessageOutcome.Handled, await processing.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Theory]
    [InlineData(ServiceLifetime.Singleton, ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Singleton, ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient, ServiceLifetime.Singleton)]
    public async Task Several_handlers_of_a_message_are_called_in_route_order(ServiceLifetime first, ServiceLifetime second)
    {
        IServiceCollection services = new ServiceCollection().AddSingleton<Calls>();
        services.Add(new ServiceDescriptor(typeof(StockCountedHandler), typeof(StockCountedHandler), first));
        services.Add(new ServiceDescriptor(typeof(SecondStockCountedHandler), typeof(SecondStockCountedHandler), second));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var route = new HandRoute<StockCounted>(typeof(SecondStockCountedHandler), typeof(StockCountedHandler));
        var registry = RouteRegistry.Create([new HandRouteTable(route)], new HandlerRegistrations(services), provider);
        var processor = new MessageProcessor(registry, provider, new ConsumerOptions { GroupId = "g" }, NullLogger.Instance, TimeProvider.System, new RecordingDeadLetterSink());

        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new StockCounted(1, 1)), Ct));
        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Record(new StockCounted(2, 2)), Ct));

        var calls = provider.GetRequiredService<Calls>();
        Assert.Equal(
            [nameof(SecondStockCountedHandler), nameof(StockCountedHandler), nameof(SecondStockCountedHandler), nameof(StockCountedHandler)],
            calls.All.Select(c => c.Handler));
    }

    // docs/architecture.md#performance-budget: no per-message allocation from the framework when the handler is a singleton. What a dispatch
    // allocates is compared with what deserializing the message alone allocates (the message is the handler's).
    [Fact]
    public async Task A_singleton_handler_is_dispatched_without_allocating_beyond_the_message()
    {
        var services = new ServiceCollection().AddSingleton<NoOpHandler>();
        await using var provider = services.BuildServiceProvider();
        var route = new HandRoute<StockCounted, NoOpHandler>();
        var registry = RouteRegistry.Create([new HandRouteTable(route)], new HandlerRegistrations(services), provider);
        var processor = new MessageProcessor(registry, provider, new ConsumerOptions { GroupId = "g" }, NullLogger.Instance, TimeProvider.System, new RecordingDeadLetterSink());
        var record = Record(new StockCounted(1, 1));

        long Allocated(Action call)
        {
            for (var i = 0; i < 100; i++)
            {
                call();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                call();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var handledSynchronously = 0;
        var dispatch = Allocated(() =>
        {
            var pending = processor.ProcessAsync(record, CancellationToken.None);
            if (pending.IsCompletedSuccessfully && pending.Result == MessageOutcome.Handled)
            {
                handledSynchronously++;
            }
        });
        var deserialize = Allocated(() => route.Deserialize(record.Message.Value));

        Assert.Equal(1100, handledSynchronously);
        Assert.Equal(1100, provider.GetRequiredService<NoOpHandler>().Count);
        Assert.True(deserialize > 0);
        Assert.Equal(deserialize, dispatch);
    }

    [Theory]
    [InlineData(1, 0.5, 100)]
    [InlineData(2, 0.5, 200)]
    [InlineData(4, 0.5, 800)]
    [InlineData(30, 0.5, 5000)]
    [InlineData(1, 0.0, 80)]
    [InlineData(1, 1.0, 120)]
    public void Retry_delay_doubles_with_jitter_up_to_the_maximum(int attempt, double random, double expectedMs)
    {
        var delay = HandlerPolicy.RetryDelay(attempt, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), random);
        Assert.Equal(expectedMs, delay.TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.0000000+00:00")]
    [InlineData(253_402_300_799_999L, "9999-12-31T23:59:59.9990000+00:00")]
    [InlineData(253_402_300_800_000L, "9999-12-31T23:59:59.9999999+00:00")]
    [InlineData(long.MaxValue, "9999-12-31T23:59:59.9999999+00:00")]
    [InlineData(-62_135_596_800_000L, "0001-01-01T00:00:00.0000000+00:00")]
    [InlineData(long.MinValue, "0001-01-01T00:00:00.0000000+00:00")]
    public void Record_timestamps_outside_the_range_of_DateTimeOffset_are_clamped_not_thrown(long unixMilliseconds, string expected)
        => Assert.Equal(expected, RouteChain.ToDateTimeOffset(new Timestamp(unixMilliseconds, TimestampType.CreateTime)).ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A schema registry that does not answer: every lookup fails as the client's does after its retries.</summary>
    public sealed class UnavailableSchemaRegistry : KafkaTyped.SchemaRegistry.ISchemaRegistry
    {
        public ValueTask<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
            => ValueTask.FromException<int>(new KafkaTyped.SchemaRegistry.SchemaRegistryException("the schema registry did not answer"));

        public ValueTask<string?> GetSchemaAsync(KafkaTyped.SchemaRegistry.SchemaId id, CancellationToken cancellationToken = default)
            => ValueTask.FromException<string?>(new KafkaTyped.SchemaRegistry.SchemaRegistryException("the schema registry did not answer"));
    }

    public sealed class Calls
    {
        public List<(string Handler, object Message, MessageContext Context)> All { get; } = [];

        public List<UnitOfWork> UnitsOfWork { get; } = [];

        public bool CompletesLater { get; set; }

        public List<object> Instances { get; } = [];

        public int FailuresLeft { get; set; }

        public ValueTask Record(object handler, object message, MessageContext context)
        {
            All.Add((handler.GetType().Name, message, context));
            Instances.Add(handler);
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("handler failure");
            }

            return ValueTask.CompletedTask;
        }
    }

    public sealed class OrderPlacedHandler(Calls calls, IServiceProvider services) : IHandle<OrderPlaced>
    {
        public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
        {
            if (services.GetService<UnitOfWork>() is { } unitOfWork)
            {
                calls.UnitsOfWork.Add(unitOfWork);
            }

            return calls.CompletesLater ? LaterAsync(message, context) : calls.Record(this, message, context);
        }

        private async ValueTask LaterAsync(OrderPlaced message, MessageContext context)
        {
            await Task.Yield();
            await calls.Record(this, message, context);
        }
    }

    /// <summary>A scoped service that must be disposed with its record's scope.</summary>
    public sealed class UnitOfWork : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return default;
        }
    }

    public sealed class StockCountedHandler(Calls calls) : IHandle<StockCounted>
    {
        public ValueTask HandleAsync(StockCounted message, MessageContext context, CancellationToken cancellationToken) => calls.Record(this, message, context);
    }

    public sealed class SecondStockCountedHandler(Calls calls) : IHandle<StockCounted>
    {
        public ValueTask HandleAsync(StockCounted message, MessageContext context, CancellationToken cancellationToken) => calls.Record(this, message, context);
    }

    public sealed class GatedHandler : IHandle<StockCounted>
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask HandleAsync(StockCounted message, MessageContext context, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
        }
    }

    public sealed class PermanentlyFailingHandler : IHandle<StockCounted>
    {
        public int Calls { get; private set; }

        public ValueTask HandleAsync(StockCounted message, MessageContext context, CancellationToken cancellationToken)
        {
            Calls++;
            throw new PermanentFailureException("stock item unknown");
        }
    }

    public sealed class AlwaysFailingStockHandler : IHandle<StockCounted>
    {
        public int Calls { get; private set; }

        public ValueTask HandleAsync(StockCounted message, MessageContext context, CancellationToken cancellationToken)
        {
            Calls++;
            return ValueTask.FromException(new TimeoutException("downstream timed out"));
        }
    }

    public sealed class NoOpHandler : IHandle<StockCounted>
    {
        public int Count { get; private set; }

        public ValueTask HandleAsync(StockCounted message, MessageContext context, CancellationToken cancellationToken)
        {
            Count++;
            return default;
        }
    }
}
