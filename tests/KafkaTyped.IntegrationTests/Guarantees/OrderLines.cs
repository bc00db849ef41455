using KafkaTyped.IntegrationTests.Messaging;

namespace KafkaTyped.IntegrationTests.Guarantees;

/// <summary>A message with a collection member, so hostile element counts reach the generated list reader.</summary>
[KafkaMessage("it.order-lines")]
public sealed partial record OrderLines([property: MessageKey] string OrderId, long Sequence, List<string> Lines);

public sealed class OrderLinesHandler(HandlingRecorder recorder) : IHandle<OrderLines>
{
    public ValueTask HandleAsync(OrderLines message, MessageContext context, CancellationToken cancellationToken)
        => recorder.RecordAsync(nameof(OrderLinesHandler), MessageContract.TypeIdOf<OrderLines>(), message.Sequence, context, cancellationToken);
}
