namespace KafkaTyped.FaultRunner;

/// <summary>
/// The one message of the runner: <see cref="Sequence"/> counts up per <see cref="Key"/> in the order the producer
/// published, and <see cref="Id"/> is unique over the whole run (producer name and a running number).
/// </summary>
[KafkaMessage("faults.record")]
public sealed partial record FaultRecord([property: MessageKey] string Key, long Sequence, string Id, string Padding);

/// <summary>
/// The message of the deduplication scenario, with the fields of <see cref="FaultRecord"/>: its handler declares
/// [Deduplicate] and writes its effect in the inbox transaction of the SQLite deduplication store.
/// </summary>
[KafkaMessage("faults.deduplicated")]
public sealed partial record DeduplicatedRecord([property: MessageKey] string Key, long Sequence, string Id, string Padding)
{
    public FaultRecord AsFaultRecord() => new(Key, Sequence, Id, Padding);
}
