using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Diagnostics;

/// <summary>
/// The log and error handlers of KafkaTyped's Kafka clients (producer and consumers): librdkafka's logs as event 302,
/// its errors as event 301.
/// </summary>
/// <remarks>
/// librdkafka calls these from its own threads, also while the client is still being built, before the client handle
/// can be used (reading <c>IClient.Name</c> then crashed the process with a segmentation fault). So the handlers never
/// touch the client they are given: the log's client name comes with the callback (<see cref="LogMessage.Name"/>), the
/// error's from the configuration (<c>client.id</c>).
/// </remarks>
internal static class LibrdkafkaLog
{
    /// <summary>A log handler for <c>SetLogHandler</c> of a producer or consumer builder.</summary>
    public static Action<TClient, LogMessage> LogHandler<TClient>(ILogger logger)
        => (_, message) => Log.ClientLog(logger, ToLogLevel(message.Level), message.Facility, message.Name, message.Message);

    /// <summary>
    /// An error handler for <c>SetErrorHandler</c> of a producer or consumer builder. <paramref name="onFatal"/>, if
    /// given, is called after a fatal error was logged; like the handler itself it runs on a librdkafka thread.
    /// </summary>
    public static Action<TClient, Error> ErrorHandler<TClient>(ILogger logger, string clientName, Action<Error>? onFatal = null)
        => (_, error) =>
        {
            Log.ClientError(logger, clientName, error.Reason, error.Code);
            if (error.IsFatal)
            {
                onFatal?.Invoke(error);
            }
        };

    /// <summary>librdkafka's syslog levels as <see cref="LogLevel"/>s.</summary>
    public static LogLevel ToLogLevel(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
