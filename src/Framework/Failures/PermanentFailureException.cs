namespace KafkaTyped;

/// <summary>
/// Thrown by a handler to say that retrying cannot help (the message is invalid for this service, a referenced entity
/// will never exist): the message is dead-lettered at once, on the attempt that threw, with reason
/// <c>handler-failed</c>. Derive from it for your own permanent failures. See <c>docs/failures.md</c>.
/// </summary>
public class PermanentFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PermanentFailureException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the message cannot be handled; it becomes the <c>kt-dlq-exception-message</c> header.</param>
    public PermanentFailureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure it wraps.</summary>
    /// <param name="message">Why the message cannot be handled; it becomes the <c>kt-dlq-exception-message</c> header.</param>
    /// <param name="innerException">The failure that makes it permanent.</param>
    public PermanentFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
