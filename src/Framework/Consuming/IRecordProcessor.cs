using Confluent.Kafka;

namespace KafkaTyped.Consuming;

/// <summary>Processes one consumed record through the stages of the pipeline; what the group's executor calls for each record its ordering admits.</summary>
internal interface IRecordProcessor
{
    /// <summary>Processes a record. Completes (with any outcome) when its offset may be committed; throws only when cancelled.</summary>
    ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken);

    /// <summary>How a record is admitted among the records of its partition (decided on the poll thread, before it is processed).</summary>
    DispatchStrategy StrategyOf(ConsumeResult<byte[], byte[]> record) => DispatchStrategy.Partition;
}
