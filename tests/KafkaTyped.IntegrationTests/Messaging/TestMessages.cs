namespace KafkaTyped.IntegrationTests.Messaging;

// Three message types on one topic, each keyed by the order id, so that an order's messages share a partition.

[KafkaMessage("it.order-placed")]
public sealed partial record OrderPlaced([property: MessageKey] string OrderId, long Sequence, string Customer);

[KafkaMessage("it.payment-captured")]
public sealed partial record PaymentCaptured([property: MessageKey] string OrderId, long Sequence, long AmountCents);

[KafkaMessage("it.order-shipped")]
public sealed partial record OrderShipped([property: MessageKey] string OrderId, long Sequence, string Carrier);

// Published as the typed JSON envelope {"type":"it.order-noted","payload":{...}} that JSON services route by.
[KafkaMessage("it.order-noted", Format = MessageFormat.JsonEnvelope)]
public sealed partial record OrderNoted([property: MessageKey] string OrderId, long Sequence, decimal Amount, string? Note);

// One message per ordering mode, for a partition mixing them (docs/ordering.md).

[KafkaMessage("it.step-in-partition-order")]
public sealed partial record PartitionStep([property: MessageKey] string OrderId, long Sequence);

[KafkaMessage("it.step-in-key-order")]
[Ordering(OrderingMode.Key)]
public sealed partial record KeyStep([property: MessageKey] string OrderId, long Sequence);

[KafkaMessage("it.step-in-no-order")]
[Ordering(OrderingMode.None)]
public sealed partial record UnorderedStep([property: MessageKey] string OrderId, long Sequence);
