namespace KafkaTyped.FaultRunner;

/// <summary>
/// The one message of the runner: <see cref="Sequence"/> counts up per <see cref="Key"/> in the order the producer
/// published, and <see cref="Id"/> is unique over the whole run (producer name and a running number).
/// </summary>
[KafkaMessage("faults.record")]
public sealed partial record FaultRecord([property: MessageKey] string Key, long Sequence, string Id, string Padding);
