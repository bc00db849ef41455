namespace KafkaTyped.Tests.Support;

/// <summary>A keyed message (Guid key, UTF-8 "D" form) with no default topic.</summary>
[KafkaMessage("order-placed")]
public sealed partial record OrderPlaced([property: MessageKey] Guid OrderId, string Customer, int Sequence);

/// <summary>A message keyed by a long (big-endian) with a default topic.</summary>
[KafkaMessage("stock-counted", Topic = "stock")]
public sealed partial record StockCounted([property: MessageKey] long Sku, int Quantity);

/// <summary>A JSON message: its records must say their content type.</summary>
[KafkaMessage("price-noted", Topic = "prices", Format = MessageFormat.Json)]
public sealed partial record PriceNoted([property: MessageKey] string Sku, decimal Price);
