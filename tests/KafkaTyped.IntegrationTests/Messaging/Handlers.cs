namespace KafkaTyped.IntegrationTests.Messaging;

public sealed class OrderPlacedHandler(HandlingRecorder recorder) : IHandle<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(OrderPlacedHandler), MessageContract.TypeIdOf<OrderPlaced>(), message.Sequence, context, cancellationToken);
}

public sealed class PaymentCapturedHandler(HandlingRecorder recorder) : IHandle<PaymentCaptured>
{
    public ValueTask HandleAsync(PaymentCaptured message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(PaymentCapturedHandler), MessageContract.TypeIdOf<PaymentCaptured>(), message.Sequence, context, cancellationToken);
}

public sealed class OrderShippedHandler(HandlingRecorder recorder) : IHandle<OrderShipped>
{
    public ValueTask HandleAsync(OrderShipped message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(OrderShippedHandler), MessageContract.TypeIdOf<OrderShipped>(), message.Sequence, context, cancellationToken);
}

public sealed class OrderAuditedHandler(HandlingRecorder recorder) : IHandle<OrderAudited>
{
    public ValueTask HandleAsync(OrderAudited message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(OrderAuditedHandler), MessageContract.TypeIdOf<OrderAudited>(), message.Sequence, context, cancellationToken, detail: message.Note);
}

public sealed class PartitionStepHandler(HandlingRecorder recorder) : IHandle<PartitionStep>
{
    public ValueTask HandleAsync(PartitionStep message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(PartitionStepHandler), MessageContract.TypeIdOf<PartitionStep>(), message.Sequence, context, cancellationToken);
}

public sealed class KeyStepHandler(HandlingRecorder recorder) : IHandle<KeyStep>
{
    public ValueTask HandleAsync(KeyStep message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(KeyStepHandler), MessageContract.TypeIdOf<KeyStep>(), message.Sequence, context, cancellationToken);
}

public sealed class UnorderedStepHandler(HandlingRecorder recorder) : IHandle<UnorderedStep>
{
    public ValueTask HandleAsync(UnorderedStep message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(UnorderedStepHandler), MessageContract.TypeIdOf<UnorderedStep>(), message.Sequence, context, cancellationToken);
}
