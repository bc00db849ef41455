using System.Text;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static KafkaTyped.Tests.Consuming.MessageProcessorTests;

namespace KafkaTyped.Tests.Consuming;

/// <summary>A replayed dead letter's address (docs/cli.md): other groups skip it first, the addressed group runs only the named handler.</summary>
public sealed class ReplayAddressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (MessageProcessor Processor, ServiceProvider Services, RecordingDeadLetterSink Sink) Create()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Calls>().AddScoped<StockCountedHandler>().AddScoped<SecondStockCountedHandler>();
        var table = new HandRouteTable(new HandRoute<StockCounted>(typeof(StockCountedHandler), typeof(SecondStockCountedHandler)));
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var registry = RouteRegistry.Create([table], new HandlerRegistrations(services), provider);
        var sink = new RecordingDeadLetterSink();
        var options = new ConsumerOptions { GroupId = "billing", RetryInitialDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        return (new MessageProcessor(registry, provider, options, NullLogger.Instance, TimeProvider.System, sink, new FixedJitter(0.5)), provider, sink);
    }

    private static ConsumeResult<byte[], byte[]> Replay(byte[] value, string? group, string? handler, bool withType = true)
    {
        var headers = new Headers();
        if (withType)
        {
            headers.Add("ce_type", "stock-counted"u8.ToArray());
        }

        headers.Add(ReplayHeaders.ReplayOf, "orders/0/41"u8.ToArray());
        if (group is not null)
        {
            headers.Add(ReplayHeaders.Group, Encoding.UTF8.GetBytes(group));
        }

        if (handler is not null)
        {
            headers.Add(ReplayHeaders.Handler, Encoding.UTF8.GetBytes(handler));
        }

        return Records.At("orders", 0, 7, headers, value);
    }

    private static byte[] Payload => KafkaTyped.Serialization.KafkaSerializer.Serialize(new StockCounted(1, 2));

    [Fact]
    public async Task A_replay_addressed_to_another_group_is_skipped_even_when_it_is_poison()
    {
        var (processor, services, sink) = Create();
        await using var _ = services;

        Assert.Equal(MessageOutcome.SkippedReplay, await processor.ProcessAsync(Replay(Payload, "audit", handler: null), Ct));
        Assert.Equal(MessageOutcome.SkippedReplay, await processor.ProcessAsync(Replay([0xc1], "audit", typeof(StockCountedHandler).FullName), Ct));
        Assert.Equal(MessageOutcome.SkippedReplay, await processor.ProcessAsync(Replay([0x90], "audit", handler: null, withType: false), Ct));

        Assert.Empty(services.GetRequiredService<Calls>().All);
        Assert.Empty(sink.Sent);
    }

    [Fact]
    public async Task A_replay_addressed_to_a_handler_runs_only_that_handler_and_one_to_the_group_runs_every_handler()
    {
        var (processor, services, _) = Create();
        await using var __ = services;
        var calls = services.GetRequiredService<Calls>();

        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Replay(Payload, "billing", typeof(SecondStockCountedHandler).FullName), Ct));
        Assert.Equal([nameof(SecondStockCountedHandler)], calls.All.Select(c => c.Handler));

        calls.All.Clear();
        Assert.Equal(MessageOutcome.Handled, await processor.ProcessAsync(Replay(Payload, "billing", handler: null), Ct));
        Assert.Equal([nameof(StockCountedHandler), nameof(SecondStockCountedHandler)], calls.All.Select(c => c.Handler));

        calls.All.Clear();
        Assert.Equal(MessageOutcome.SkippedReplay, await processor.ProcessAsync(Replay(Payload, "billing", "Shop.NoSuchHandler"), Ct));
        Assert.Empty(calls.All);
    }
}
