using System.Text;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Routing;
using KafkaTyped.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Generators.Tests;

public sealed class RoutingTests
{
    private sealed class TestBuilder(IServiceCollection services) : IKafkaTypedBuilder
    {
        public List<IMessageRouteTable> Tables { get; } = [];

        public IServiceCollection Services { get; } = services;

        public IKafkaTypedBuilder AddRouteTable(IMessageRouteTable routeTable)
        {
            Tables.Add(routeTable);
            return this;
        }
    }

    private static (IMessageRouteTable Table, ServiceProvider Provider, HandlerLog Log) Build(Action<IServiceCollection>? before = null)
    {
        var services = new ServiceCollection();
        var log = new HandlerLog();
        services.AddSingleton(log);
        before?.Invoke(services);
        var builder = new TestBuilder(services);
        builder.AddGeneratedHandlers();
        var table = Assert.Single(builder.Tables);
        return (table, services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }), log);
    }

    [Fact]
    public void FindRouteReturnsTheRouteOfEachTypeIdAndNullForUnknownIds()
    {
        var (table, provider, _) = Build();
        using var _p = provider;

        var created = Assert.IsType<MessageRoute<OrderCreated>>(table.FindRoute("order-created"u8), exactMatch: false);
        Assert.Equal("order-created", created.TypeId);
        Assert.Equal(typeof(OrderCreated), created.MessageType);
        Assert.Equal([typeof(AuditTrail), typeof(ReserveStock)], created.HandlerTypes);

        var shipped = Assert.IsType<MessageRoute<OrderShipped>>(table.FindRoute("order-shipped"u8), exactMatch: false);
        Assert.Equal([typeof(AuditTrail)], shipped.HandlerTypes);

        Assert.Null(table.FindRoute("order-createe"u8));
        Assert.Null(table.FindRoute("order-created-v2"u8));
        Assert.Null(table.FindRoute(""u8));
        Assert.Null(table.FindRoute("everything"u8)); // a message without handlers has no route
        Assert.Null(table.FindRoute(Encoding.UTF8.GetBytes("ORDER-CREATED")));

        Assert.Equal(["order-created", "order-shipped"], table.Routes.Select(r => r.TypeId));
    }

    // The consumer resolves each of a route's HandlerTypes (once for singletons, from a scope otherwise), casts it to
    // IHandle<TMessage> and calls it, in HandlerTypes order: what these two tests do by hand.
    [Fact]
    public async Task EachRouteListsItsHandlersInCallOrderAndEachIsAHandlerOfTheMessage()
    {
        var (table, provider, log) = Build();
        using var _p = provider;
        var route = (MessageRoute<OrderCreated>)table.FindRoute("order-created"u8)!;
        Assert.Equal([typeof(AuditTrail), typeof(ReserveStock)], route.HandlerTypes);
        var payload = KafkaSerializer.Serialize(new OrderCreated(Guid.NewGuid(), "grace", 1m));

        await using var scope = provider.CreateAsyncScope();
        var message = route.Deserialize(payload);
        foreach (var handlerType in route.HandlerTypes)
        {
            var handler = Assert.IsAssignableFrom<IHandle<OrderCreated>>(scope.ServiceProvider.GetRequiredService(handlerType));
            await handler.HandleAsync(message, new MessageContext { TypeId = "order-created" }, CancellationToken.None);
        }

        Assert.Equal(["AuditTrail:grace", "ReserveStock:grace"], log.Calls);
    }

    [Fact]
    public async Task ExplicitInterfaceImplementationsAreRouted()
    {
        var (table, provider, log) = Build();
        using var _p = provider;
        var route = (MessageRoute<OrderShipped>)table.FindRoute("order-shipped"u8)!;
        var handlerType = Assert.Single(route.HandlerTypes);

        await using var scope = provider.CreateAsyncScope();
        var handler = Assert.IsAssignableFrom<IHandle<OrderShipped>>(scope.ServiceProvider.GetRequiredService(handlerType));
        await handler.HandleAsync(new OrderShipped { OrderNumber = "A-1" }, default, CancellationToken.None);

        Assert.Equal(["AuditTrail:A-1"], log.Calls);
    }

    [Fact]
    public void HandlersAreScopedUnlessRegisteredBefore()
    {
        var (_, provider, _) = Build(services => services.AddSingleton<ReserveStock>());
        using var _p = provider;

        using var scope1 = provider.CreateScope();
        using var scope2 = provider.CreateScope();
        Assert.Same(scope1.ServiceProvider.GetRequiredService<ReserveStock>(), scope2.ServiceProvider.GetRequiredService<ReserveStock>());
        Assert.NotSame(scope1.ServiceProvider.GetRequiredService<AuditTrail>(), scope2.ServiceProvider.GetRequiredService<AuditTrail>());
        Assert.Same(scope1.ServiceProvider.GetRequiredService<AuditTrail>(), scope1.ServiceProvider.GetRequiredService<AuditTrail>());
    }
}
