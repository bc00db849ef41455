using KafkaTyped.Consuming;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Tests.Consuming;

public sealed class RouteRegistryTests
{
    [Fact]
    public void A_type_id_routed_by_two_tables_fails_start_up()
    {
        var services = new ServiceCollection().AddScoped<MessageProcessorTests.OrderPlacedHandler>();
        var first = new HandRouteTable(new HandRoute<OrderPlaced, MessageProcessorTests.OrderPlacedHandler>());
        var second = new OtherHandRouteTable(new HandRoute<OrderPlaced, MessageProcessorTests.OrderPlacedHandler>());

        var error = Assert.Throws<InvalidOperationException>(() => RouteRegistry.Create([first, second], new HandlerRegistrations(services), services.BuildServiceProvider()));
        Assert.Contains("The type id 'order-placed' is routed by two route tables", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OtherHandRouteTable), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_table_added_twice_counts_once()
    {
        var services = new ServiceCollection().AddScoped<MessageProcessorTests.OrderPlacedHandler>();
        var table = new HandRouteTable(new HandRoute<OrderPlaced, MessageProcessorTests.OrderPlacedHandler>());
        var registry = RouteRegistry.Create([table, table], new HandlerRegistrations(services), services.BuildServiceProvider());
        Assert.Single(registry.Bindings);
    }

    [Fact]
    public void Each_table_finds_its_own_routes()
    {
        var services = new ServiceCollection().AddSingleton<MessageProcessorTests.Calls>()
            .AddSingleton<MessageProcessorTests.OrderPlacedHandler>().AddScoped<MessageProcessorTests.StockCountedHandler>();
        var orders = new HandRouteTable(new HandRoute<OrderPlaced, MessageProcessorTests.OrderPlacedHandler>());
        var stock = new OtherHandRouteTable(new HandRoute<StockCounted, MessageProcessorTests.StockCountedHandler>());
        var registry = RouteRegistry.Create([orders, stock], new HandlerRegistrations(services), services.BuildServiceProvider());

        Assert.Same(orders.Routes[0], registry.Find("order-placed"u8)?.Route);
        Assert.Same(stock.Routes[0], registry.Find("stock-counted"u8)?.Route);
        Assert.False(registry.Find("order-placed"u8)!.Scoped);
        Assert.True(registry.Find("stock-counted"u8)!.Scoped);
        Assert.Null(registry.Find("stock-counted-v2"u8));
        Assert.Equal(2, registry.Bindings.Count);
    }

    [Fact]
    public void An_unregistered_handler_fails_start_up_naming_it()
    {
        var table = new HandRouteTable(new HandRoute<OrderPlaced, MessageProcessorTests.OrderPlacedHandler>());
        var error = Assert.Throws<InvalidOperationException>(() => RouteRegistry.Create([table], new HandlerRegistrations(new ServiceCollection()), new ServiceCollection().BuildServiceProvider()));
        Assert.Contains(typeof(MessageProcessorTests.OrderPlacedHandler).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("AddGeneratedHandlers()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_singleton_handler_that_cannot_be_created_fails_start_up_not_the_first_message()
    {
        var services = new ServiceCollection().AddSingleton<BrokenHandler>();
        var table = new HandRouteTable(new HandRoute<OrderPlaced, BrokenHandler>());
        var error = Assert.Throws<InvalidOperationException>(() => RouteRegistry.Create([table], new HandlerRegistrations(services), services.BuildServiceProvider()));
        Assert.Equal("the stock service is unreachable", error.Message);
    }

    public sealed class BrokenHandler : IHandle<OrderPlaced>
    {
        public BrokenHandler() => throw new InvalidOperationException("the stock service is unreachable");

        public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken) => default;
    }

    [Theory]
    [InlineData(ServiceLifetime.Singleton, false)]
    [InlineData(ServiceLifetime.Scoped, true)]
    [InlineData(ServiceLifetime.Transient, true)]
    public void Only_routes_whose_handlers_are_all_singletons_skip_the_scope(ServiceLifetime lifetime, bool scoped)
    {
        IServiceCollection services = new ServiceCollection().AddSingleton<MessageProcessorTests.Calls>();
        services.Add(new ServiceDescriptor(typeof(MessageProcessorTests.OrderPlacedHandler), typeof(MessageProcessorTests.OrderPlacedHandler), lifetime));
        var table = new HandRouteTable(new HandRoute<OrderPlaced, MessageProcessorTests.OrderPlacedHandler>());
        var registry = RouteRegistry.Create([table], new HandlerRegistrations(services), services.BuildServiceProvider());

        var binding = registry.Find("order-placed"u8);
        Assert.NotNull(binding);
        Assert.Equal(scoped, binding.Scoped);
        Assert.Null(registry.Find("order-placedx"u8));
    }
}
