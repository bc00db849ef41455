namespace KafkaTyped.Tool;

/// <summary>The exit codes of <c>kafkatyped</c> (docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line is invalid: an unknown option, a missing argument, a bad value, no bootstrap servers.</summary>
    public const int Usage = 1;

    /// <summary>What the command was pointed at does not exist: a topic, a record at an offset, a consumer group.</summary>
    public const int NotFound = 2;

    /// <summary>Kafka failed or could not be reached in time.</summary>
    public const int KafkaError = 3;

    /// <summary>A replay stopped because a record could not be published; what was acknowledged before it is recorded.</summary>
    public const int ReplayFailed = 4;

    /// <summary>Stopped by Ctrl+C (SIGINT) or SIGTERM; a replay recorded what was acknowledged first.</summary>
    public const int Cancelled = 130;
}

/// <summary>A failure that ends a command with <see cref="ExitCode"/> and a one-line message on standard error.</summary>
internal sealed class ToolException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
