using System.Text;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.CloudEvents;
using KafkaTyped.Consuming;
using KafkaTyped.Routing;
using KafkaTyped.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Benchmarks.Dispatch;

/// <summary>
/// Routing and dispatch of one received record to a singleton no-op handler, through the same code the consumer's
/// lanes call (<see cref="MessageProcessor.ProcessAsync(ConsumeResult{byte[], byte[]}, CancellationToken)"/>: ce_type
/// lookup, generated route table, deserialize, handler call), against a hand-written loop body doing the same work
/// (header lookup, switch over the type id, deserialize, direct call). The message is tiny (<see cref="Ping"/>), so the
/// difference is the framework's overhead.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private MessageProcessor _processor = null!;
    private IMessageRouteTable _table = null!;
    private RouteRegistry _registry = null!;
    private ServiceProvider _services = null!;
    private ConsumeResult<byte[], byte[]> _record = null!;
    private NoOpPingHandler _handler = null!;
    private readonly MessageContext _handWrittenContext = new() { Topic = "bench-pings", TypeId = "bench.ping" };

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddSingleton<NoOpPingHandler>();
        services.AddSingleton<NoOpOrderPlacedHandler>();
        services.AddSingleton<NoOpOrderCancelledHandler>();
        services.AddKafkaTyped(o => o.BootstrapServers = "unused:9092").AddGeneratedHandlers();
        _services = services.BuildServiceProvider();

        var registry = _registry = _services.GetRequiredService<RouteRegistry>();
        if (registry.Bindings.Any(b => b.Scoped))
        {
            throw new InvalidOperationException("Handlers are expected to be dispatched as singletons (no scope).");
        }

        _table = _services.GetServices<IMessageRouteTable>().Single();
        _processor = new MessageProcessor(registry, _services, new ConsumerOptions { GroupId = "bench", Topics = { "bench-pings" } }, NullLogger.Instance, TimeProvider.System, NoDeadLetters.Instance);
        _handler = _services.GetRequiredService<NoOpPingHandler>();

        // A record as the publisher writes it: CloudEvents headers, a Guid key, the generated payload.
        var headers = new Headers
        {
            { "ce_specversion", "1.0"u8.ToArray() },
            { "ce_id", Encoding.UTF8.GetBytes(Guid.CreateVersion7().ToString("D")) },
            { "ce_type", "bench.ping"u8.ToArray() },
            { "ce_source", "bench"u8.ToArray() },
            { "ce_time", "2026-11-29T12:00:00.0000000Z"u8.ToArray() },
            { "content-type", "application/x-msgpack"u8.ToArray() },
        };
        _record = new ConsumeResult<byte[], byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset("bench-pings", 0, 1234),
            Message = new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("D")),
                Value = KafkaSerializer.Serialize(new Ping(7)),
                Headers = headers,
                Timestamp = new Timestamp(DateTime.UtcNow),
            },
        };

        if (HandWritten() != 1 || KafkaTyped() != 1)
        {
            throw new InvalidOperationException("The record was not dispatched to the handler.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>What a hand-written Confluent.Kafka consume loop does with a record: find ce_type, switch, deserialize, call.</summary>
    [Benchmark(Baseline = true, Description = "Hand-written: header lookup + switch + deserialize + direct call")]
    public int HandWritten()
    {
        var headers = _record.Message.Headers;
        byte[]? typeId = null;
        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Key == "ce_type")
            {
                typeId = headers[i].GetValueBytes();
                break;
            }
        }

        switch (typeId)
        {
            case not null when typeId.AsSpan().SequenceEqual("bench.ping"u8):
                var message = KafkaSerializer.Deserialize<Ping>(_record.Message.Value);
                var pending = _handler.HandleAsync(message, _handWrittenContext, CancellationToken.None);
                if (!pending.IsCompletedSuccessfully)
                {
                    pending.AsTask().GetAwaiter().GetResult();
                }

                return 1;
            case not null when typeId.AsSpan().SequenceEqual("bench.order-placed"u8):
                return 2;
            default:
                return 0;
        }
    }

    /// <summary>The consumer's per-record path: <see cref="MessageProcessor.ProcessAsync(ConsumeResult{byte[], byte[]}, CancellationToken)"/>.</summary>
    [Benchmark(Description = "KafkaTyped: MessageProcessor.ProcessAsync (route table + dispatch)")]
    public int KafkaTyped()
    {
        var pending = _processor.ProcessAsync(_record, CancellationToken.None);
        var outcome = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return outcome == MessageOutcome.Handled ? 1 : 0;
    }

    /// <summary>Stage 1 alone: the ce_type header, then the registry's lookup of the route's binding.</summary>
    [Benchmark(Description = "KafkaTyped: ce_type header + route binding lookup only")]
    public int RouteLookupOnly()
    {
        CloudEventHeaders.TryGetLast(_record.Message.Headers, CloudEventHeaders.Type, out var typeId);
        return _registry.Find(typeId) is null ? 0 : 1;
    }

    /// <summary>The generated route table's lookup alone (a switch over UTF-8 literals), as the registry calls it.</summary>
    [Benchmark(Description = "KafkaTyped: generated IndexOf only")]
    public int IndexOfOnly() => _table.IndexOf("bench.ping"u8);

    /// <summary>The <see cref="MessageContext"/> of one attempt, as the dispatch builds it (a value: nothing allocated).</summary>
    [Benchmark(Description = "KafkaTyped: MessageContext creation only")]
    public int ContextOnly() => RouteChain.CreateContext(_record, "bench.ping", "bench", attempt: 1).Partition;

    /// <summary>What both sides spend deserializing the payload with the generated serializer; the rest is dispatch.</summary>
    [Benchmark(Description = "Both: deserialize only (generated serializer)")]
    public int DeserializeOnly() => KafkaSerializer.Deserialize<Ping>(_record.Message.Value).Sequence;
}

/// <summary>The benchmarked records never fail: a dead-letter sink that refuses to be used.</summary>
internal sealed class NoDeadLetters : IDeadLetterSink
{
    public static readonly NoDeadLetters Instance = new();

    public Task SendAsync(DeadLetter deadLetter, CancellationToken cancellationToken) => throw new InvalidOperationException("The benchmark dead-lettered a record.");
}
