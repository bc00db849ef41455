using KafkaTyped.Routing;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.IntegrationTests.Messaging;

// Temporary: the route table the source generator emits for the handlers of this assembly, written by hand until the
// generator is on main; then AddGeneratedHandlers() replaces it.

public sealed class HandRouteTable : IMessageRouteTable
{
    private static readonly MessageRoute s_orderPlaced = new Route<OrderPlaced, OrderPlacedHandler>();
    private static readonly MessageRoute s_paymentCaptured = new Route<PaymentCaptured, PaymentCapturedHandler>();
    private static readonly MessageRoute s_orderShipped = new Route<OrderShipped, OrderShippedHandler>();

    public IReadOnlyList<MessageRoute> Routes { get; } = [s_orderPlaced, s_orderShipped, s_paymentCaptured];

    public MessageRoute? FindRoute(ReadOnlySpan<byte> typeIdUtf8) => typeIdUtf8 switch
    {
        _ when typeIdUtf8.SequenceEqual("it.order-placed"u8) => s_orderPlaced,
        _ when typeIdUtf8.SequenceEqual("it.payment-captured"u8) => s_paymentCaptured,
        _ when typeIdUtf8.SequenceEqual("it.order-shipped"u8) => s_orderShipped,
        _ => null,
    };

    private sealed class Route<TMessage, THandler> : MessageRoute<TMessage>
        where TMessage : IKafkaMessage<TMessage>
        where THandler : class, IHandle<TMessage>
    {
        public override string TypeId => TMessage.TypeId;

        public override IReadOnlyList<Type> HandlerTypes { get; } = [typeof(THandler)];

        public override TMessage Deserialize(ReadOnlyMemory<byte> payload)
        {
            var reader = new MessagePackReader(payload);
            return TMessage.Deserialize(ref reader);
        }

        public override ValueTask HandleAsync(TMessage message, MessageContext context, IServiceProvider services, CancellationToken cancellationToken)
            => services.GetRequiredService<THandler>().HandleAsync(message, context, cancellationToken);
    }
}

public static class HandRouteTableExtensions
{
    /// <summary>What the generated <c>AddGeneratedHandlers()</c> does: handlers as scoped services, then the route table.</summary>
    public static IKafkaTypedBuilder AddTestHandlers(this IKafkaTypedBuilder builder)
    {
        builder.Services.AddScoped<OrderPlacedHandler>();
        builder.Services.AddScoped<PaymentCapturedHandler>();
        builder.Services.AddScoped<OrderShippedHandler>();
        return builder.AddRouteTable(new HandRouteTable());
    }
}
