using Microsoft.Extensions.Logging;

namespace KafkaTyped.Diagnostics;

/// <summary>The outbox relay's log messages: event ids 4xx.</summary>
internal static partial class Log
{
    [LoggerMessage(401, LogLevel.Debug, "Outbox: published and marked sent {Count} messages (sequence {First} to {Last})")]
    public static partial void OutboxBatchPublished(ILogger logger, int count, long first, long last);

    [LoggerMessage(402, LogLevel.Warning, "Outbox: a batch was not published and stays unsent; retrying in {Delay}")]
    public static partial void OutboxBatchFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(403, LogLevel.Debug, "Outbox: deleted {Count} sent messages past KafkaTyped:Outbox:RetainSent")]
    public static partial void OutboxCleanedUp(ILogger logger, int count);
}
