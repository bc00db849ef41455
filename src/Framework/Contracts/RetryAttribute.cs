namespace KafkaTyped;

/// <summary>
/// Declares how often a message is tried before it is dead-lettered, with exponential backoff and jitter
/// between attempts. Applies to a handler class (that handler's deliveries) or to a
/// <see cref="KafkaMessageAttribute"/> type (every handler of the message that declares no policy of its own).
/// </summary>
/// <remarks>
/// The values are read at compile time; analyzer KT0030 reports impossible ones. The consumer pipeline applies
/// the policy with the failure-handling work of the runtime; until that lands the attribute is only validated.
/// See <c>docs/pipeline-attributes.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class RetryAttribute : Attribute
{
    /// <summary>The delay before the first retry when none is declared, in milliseconds.</summary>
    public const int DefaultBaseDelayMilliseconds = 200;

    /// <summary>The upper bound of the delay between attempts when none is declared, in milliseconds.</summary>
    public const int DefaultMaxDelayMilliseconds = 30_000;

    /// <summary>Declares a retry policy.</summary>
    /// <param name="maxAttempts">The total number of attempts including the first one; at least 1 (1 means no retry).</param>
    public RetryAttribute(int maxAttempts) => MaxAttempts = maxAttempts;

    /// <summary>The total number of attempts including the first one; at least 1 (1 means no retry).</summary>
    public int MaxAttempts { get; }

    /// <summary>The delay before the first retry in milliseconds, doubled on each further attempt; not negative.</summary>
    public int BaseDelayMilliseconds { get; set; } = DefaultBaseDelayMilliseconds;

    /// <summary>The upper bound of the delay between attempts in milliseconds; not below <see cref="BaseDelayMilliseconds"/>.</summary>
    public int MaxDelayMilliseconds { get; set; } = DefaultMaxDelayMilliseconds;
}
