namespace KafkaTyped;

/// <summary>
/// Declares how often a message is tried before it is dead-lettered, with exponential backoff and jitter
/// between attempts. Applies to a handler class (that handler's deliveries) or to a
/// <see cref="KafkaMessageAttribute"/> type (every handler of the message that declares no policy of its own).
/// </summary>
/// <remarks>
/// The values are read at compile time (analyzer KT0030 reports impossible ones) and applied by the consumer's stages:
/// after the last attempt, or at once for an exception listed in <see cref="NonRetryable"/> or a
/// <see cref="PermanentFailureException"/>, the record is dead-lettered for this handler. See <c>docs/failures.md</c>.
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

    /// <summary>
    /// Exception types (and the types derived from them) that are never retried: the record is dead-lettered on the
    /// attempt that threw one, as for a <see cref="PermanentFailureException"/>. Each must derive from
    /// <see cref="Exception"/>. For example <c>NonRetryable = [typeof(ValidationException)]</c>.
    /// </summary>
    public Type[]? NonRetryable { get; set; }
}
