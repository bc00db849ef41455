namespace KafkaTyped.IntegrationTests.Messaging;

public sealed class OrderPlacedHandler(HandlingRecorder recorder, MemberId member) : IHandle<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(member, nameof(OrderPlacedHandler), OrderPlaced.TypeId, message.Sequence, context, cancellationToken);
}

public sealed class PaymentCapturedHandler(HandlingRecorder recorder, MemberId member) : IHandle<PaymentCaptured>
{
    public ValueTask HandleAsync(PaymentCaptured message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(member, nameof(PaymentCapturedHandler), PaymentCaptured.TypeId, message.Sequence, context, cancellationToken);
}

public sealed class OrderShippedHandler(HandlingRecorder recorder, MemberId member) : IHandle<OrderShipped>
{
    public ValueTask HandleAsync(OrderShipped message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(member, nameof(OrderShippedHandler), OrderShipped.TypeId, message.Sequence, context, cancellationToken);
}
