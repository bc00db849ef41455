using Confluent.Kafka;

namespace KafkaTyped.Consuming;

/// <summary>Processes one consumed record through the stages of the pipeline; what a lane calls for each record, in order.</summary>
internal interface IRecordProcessor
{
    /// <summary>Processes a record. Completes (with any outcome) when its offset may be committed; throws only when cancelled.</summary>
    ValueTask<MessageOutcome> ProcessAsync(ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken);
}
