namespace KafkaTyped.Consuming;

/// <summary>
/// How the failures of one handler are handled in one consumer group, decided once at start-up, setting by setting:
/// the handler's entry in <see cref="ConsumerOptions.Handlers"/>, else the <see cref="RetryAttribute"/> the generator
/// read (the handler's, else the message's), else the group's <see cref="ConsumerOptions"/>, whose defaults are the
/// <see cref="RetryAttribute"/> constants.
/// </summary>
/// <param name="MaxAttempts">Attempts before dead-lettering; 0 retries until success.</param>
/// <param name="BaseDelay">The delay before the second attempt.</param>
/// <param name="MaxDelay">The longest delay between attempts.</param>
/// <param name="DeadLetterTopic">The dead-letter topic; <see langword="null"/> for <c>&lt;topic&gt;.dlq</c>.</param>
/// <param name="IsNonRetryable">Whether an exception is never retried (the declared types and the configured names).</param>
internal sealed record HandlerPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, string? DeadLetterTopic, Func<Exception, bool> IsNonRetryable)
{
    private static readonly Func<Exception, bool> s_never = static _ => false;

    /// <summary>
    /// The policy of <paramref name="handlerType"/> in the group of <paramref name="options"/>, from what the generator
    /// read (<paramref name="declared"/>, <paramref name="declaredDeadLetterTopic"/>) and the options.
    /// </summary>
    public static HandlerPolicy Resolve(ConsumerOptions options, Type handlerType, Routing.RetryPolicy? declared, string? declaredDeadLetterTopic = null)
    {
        var own = (handlerType.FullName is { } fullName && options.Handlers.TryGetValue(fullName, out var byFullName)) ? byFullName
            : options.Handlers.TryGetValue(handlerType.Name, out var byName) ? byName
            : null;
        var deadLetterTopic = own?.DeadLetterTopic ?? declaredDeadLetterTopic ?? options.DeadLetterTopic;
        if (deadLetterTopic is not null && Shared.KafkaNames.ValidateTopic(deadLetterTopic) is { } problem)
        {
            // A [DeadLetterTopic] the analyzer reported (KT0035) and the build let through; the options' own are validated earlier.
            throw new InvalidOperationException($"The dead-letter topic '{deadLetterTopic}' declared for {handlerType.FullName} is invalid: {problem}.");
        }

        return new(
            own?.MaxAttempts ?? declared?.MaxAttempts ?? options.MaxHandlerAttempts,
            own?.RetryInitialDelay ?? (declared is null ? options.RetryInitialDelay : TimeSpan.FromMilliseconds(declared.BaseDelayMilliseconds)),
            own?.RetryMaxDelay ?? (declared is null ? options.RetryMaxDelay : TimeSpan.FromMilliseconds(declared.MaxDelayMilliseconds)),
            deadLetterTopic,
            NonRetryable(declared?.IsNonRetryable, [.. options.NonRetryableExceptions, .. own?.NonRetryableExceptions ?? []]));
    }

    /// <summary>Whether a failure on <paramref name="attempt"/> is the last one: permanent, non-retryable, or the attempts are used up.</summary>
    public bool IsLast(int attempt, Exception exception)
        => exception is PermanentFailureException || IsNonRetryable(exception) || (MaxAttempts > 0 && attempt >= MaxAttempts);

    /// <summary>The delay after failed <paramref name="attempt"/>.</summary>
    public TimeSpan DelayAfter(int attempt, double random) => RetryDelay(attempt, BaseDelay, MaxDelay, random);

    /// <summary>Exponential backoff: initial * 2^(attempt-1), capped, with +/-20% jitter from <paramref name="random"/> in [0, 1).</summary>
    internal static TimeSpan RetryDelay(int attempt, TimeSpan initial, TimeSpan max, double random)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * random)));
    }

    // The declared type tests, then the configured full names matched against the exception's type and its base types.
    private static Func<Exception, bool> NonRetryable(Func<Exception, bool>? declared, string[] names)
    {
        if (names.Length == 0)
        {
            return declared ?? s_never;
        }

        var set = new HashSet<string>(names, StringComparer.Ordinal);
        return exception =>
        {
            if (declared?.Invoke(exception) == true)
            {
                return true;
            }

            for (var type = exception.GetType(); type is not null; type = type.BaseType)
            {
                if (type.FullName is { } name && set.Contains(name))
                {
                    return true;
                }
            }

            return false;
        };
    }
}
