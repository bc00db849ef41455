using Microsoft.Extensions.Logging;

namespace KafkaTyped.Diagnostics;

/// <summary>The log messages of Kafka transactions (the publisher's and those of exactly-once groups): event ids 5xx.</summary>
internal static partial class Log
{
    [LoggerMessage(501, LogLevel.Information, "Transactional producer '{TransactionalId}' initialised")]
    public static partial void TransactionsInitialised(ILogger logger, string transactionalId);

    [LoggerMessage(502, LogLevel.Warning, "Transactional producer '{TransactionalId}': {Operation} failed with a retriable error: {Reason} ({ErrorCode}); retrying")]
    public static partial void TransactionRetrying(ILogger logger, string transactionalId, string operation, string reason, Confluent.Kafka.ErrorCode errorCode);

    [LoggerMessage(503, LogLevel.Warning, "Transactional producer '{TransactionalId}': the transaction was aborted ({Operation} failed: {Reason}, {ErrorCode})")]
    public static partial void TransactionAborted(ILogger logger, string transactionalId, string operation, string reason, Confluent.Kafka.ErrorCode errorCode);

    [LoggerMessage(504, LogLevel.Error, "Transactional producer '{TransactionalId}' failed fatally or was fenced by another producer with the same transactional.id ({Operation}: {Reason}, {ErrorCode}); its transaction is lost and the producer is rebuilt")]
    public static partial void TransactionProducerFenced(ILogger logger, string transactionalId, string operation, string reason, Confluent.Kafka.ErrorCode errorCode);

    [LoggerMessage(505, LogLevel.Debug, "Consumer group '{GroupId}': transaction committed ({Occasion}) with {Records} records and offsets {Offsets}")]
    public static partial void TransactionCommitted(ILogger logger, string groupId, string occasion, int records, string offsets);

    [LoggerMessage(506, LogLevel.Warning, "Consumer group '{GroupId}': the transaction ({Occasion}) was aborted: {Reason}; the records handled in it are handled again from {Offsets}")]
    public static partial void TransactionRewound(ILogger logger, string groupId, string occasion, string reason, string offsets);

    [LoggerMessage(507, LogLevel.Warning, "Consumer group '{GroupId}': the records of the transaction did not all complete within {Timeout}; it is aborted")]
    public static partial void TransactionDrainTimedOut(ILogger logger, string groupId, TimeSpan timeout);
}
