using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Routing;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Tests.Consuming;

/// <summary>How a route's declared orderings and the group's options decide the strategy each record is admitted with.</summary>
public sealed class RouteOrderingTests
{
    private static readonly ConsumerOptions s_group = new() { GroupId = "g", MaxConcurrency = 64 };

    private static HandRoute<OrderPlaced> Route(params OrderingPolicy?[] orderings)
        => new([.. orderings.Select(_ => typeof(MessageProcessorTests.OrderPlacedHandler))]) { Orderings = orderings };

    [Fact]
    public void A_route_without_declarations_is_partition_ordered()
    {
        Assert.Same(DispatchStrategy.Partition, RouteOrdering.StrategyFor(Route((OrderingPolicy?)null), s_group));
    }

    [Theory]
    [InlineData(OrderingMode.Key, OrderingMode.Key, OrderingMode.Key)]
    [InlineData(OrderingMode.Key, OrderingMode.None, OrderingMode.Key)]
    [InlineData(OrderingMode.None, OrderingMode.None, OrderingMode.None)]
    [InlineData(OrderingMode.None, OrderingMode.Partition, OrderingMode.Partition)]
    [InlineData(OrderingMode.Key, OrderingMode.Partition, OrderingMode.Partition)]
    public void A_record_takes_the_strictest_mode_of_the_handlers_of_its_route(OrderingMode first, OrderingMode second, OrderingMode expected)
    {
        Assert.Equal(expected, RouteOrdering.ModeOf(Route(new OrderingPolicy(first), new OrderingPolicy(second)), s_group));
    }

    [Fact]
    public void A_handler_declaring_nothing_beside_a_key_ordered_one_keeps_its_partition_order()
    {
        Assert.Equal(OrderingMode.Partition, RouteOrdering.ModeOf(Route(new OrderingPolicy(OrderingMode.Key), null), s_group));
    }

    [Fact]
    public void The_group_option_replaces_the_declared_mode_and_keeps_the_declared_concurrency()
    {
        var options = new ConsumerOptions { GroupId = "g", MaxConcurrency = 64, Ordering = OrderingMode.None };
        var strategy = RouteOrdering.StrategyFor(Route(new OrderingPolicy(OrderingMode.Partition) { MaxConcurrency = 4 }), options);
        Assert.Equal(OrderingMode.None, strategy.Mode);
        Assert.Equal(4, strategy.Gate?.Limit);
    }

    [Fact]
    public void The_smallest_declared_concurrency_below_the_groups_gates_the_route()
    {
        var gated = RouteOrdering.StrategyFor(Route(new OrderingPolicy(OrderingMode.Key) { MaxConcurrency = 16 }, new OrderingPolicy(OrderingMode.Key) { MaxConcurrency = 8 }), s_group);
        Assert.Equal(OrderingMode.Key, gated.Mode);
        Assert.Equal(8, gated.Gate?.Limit);

        // At or above the group's bound, or in partition order, a gate would add nothing.
        Assert.Same(DispatchStrategy.None, RouteOrdering.StrategyFor(Route(new OrderingPolicy(OrderingMode.None) { MaxConcurrency = 64 }), s_group));
        Assert.Same(DispatchStrategy.Partition, RouteOrdering.StrategyFor(Route(new OrderingPolicy(OrderingMode.Partition) { MaxConcurrency = 2 }), s_group));
    }

    [Fact]
    public async Task The_processor_gives_each_record_its_routes_strategy_and_records_it_cannot_route_partition_order()
    {
        var services = new ServiceCollection();
        services.AddSingleton<MessageProcessorTests.Calls>();
        services.AddSingleton<MessageProcessorTests.OrderPlacedHandler>();
        services.AddSingleton<MessageProcessorTests.StockCountedHandler>();
        await using var provider = services.BuildServiceProvider();
        var keyed = new HandRoute<OrderPlaced>(typeof(MessageProcessorTests.OrderPlacedHandler)) { Orderings = [new OrderingPolicy(OrderingMode.Key)] };
        var registry = RouteRegistry.Create([new HandRouteTable(keyed, new HandRoute<StockCounted, MessageProcessorTests.StockCountedHandler>())], new HandlerRegistrations(services), provider);
        var processor = new MessageProcessor(registry, provider, s_group, NullLogger.Instance, TimeProvider.System, new RecordingDeadLetterSink());

        Assert.Same(DispatchStrategy.Key, processor.StrategyOf(WithType("order-placed")));
        Assert.Same(DispatchStrategy.Partition, processor.StrategyOf(WithType("stock-counted")));
        Assert.Same(DispatchStrategy.Partition, processor.StrategyOf(WithType("no-such-type")));
        Assert.Same(DispatchStrategy.Partition, processor.StrategyOf(Records.At("orders", 0, 0, value: """{"type":"order-placed","payload":{}}"""u8.ToArray())));

        var overridden = new MessageProcessor(
            registry, provider, new ConsumerOptions { GroupId = "g", Ordering = OrderingMode.None }, NullLogger.Instance, TimeProvider.System, new RecordingDeadLetterSink());
        Assert.Same(DispatchStrategy.None, overridden.StrategyOf(WithType("stock-counted")));
        Assert.Same(DispatchStrategy.None, overridden.StrategyOf(WithType("no-such-type")));
    }

    private static ConsumeResult<byte[], byte[]> WithType(string typeId)
        => Records.At("orders", 0, 0, new Headers { { "ce_type", System.Text.Encoding.UTF8.GetBytes(typeId) } }, [0x90]);
}
