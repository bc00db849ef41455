namespace KafkaTyped.Routing;

/// <summary>
/// A <see cref="RetryAttribute"/> as the generator read it for one handler of a route (the handler's own, else the
/// message's); created by generated code. Unset delays take the <see cref="RetryAttribute"/> defaults.
/// </summary>
/// <param name="maxAttempts">The total number of attempts including the first one.</param>
public sealed class RetryPolicy(int maxAttempts)
{
    /// <summary>The total number of attempts including the first one.</summary>
    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>The delay before the first retry in milliseconds, doubled on each further attempt.</summary>
    public int BaseDelayMilliseconds { get; init; } = RetryAttribute.DefaultBaseDelayMilliseconds;

    /// <summary>The upper bound of the delay between attempts in milliseconds.</summary>
    public int MaxDelayMilliseconds { get; init; } = RetryAttribute.DefaultMaxDelayMilliseconds;

    /// <summary>
    /// Whether an exception is one of the declared <see cref="RetryAttribute.NonRetryable"/> types (or derived from one);
    /// generated as type tests, so no reflection runs. <see langword="null"/> when none is declared.
    /// </summary>
    public Func<Exception, bool>? IsNonRetryable { get; init; }
}
