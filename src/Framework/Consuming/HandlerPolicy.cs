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
internal sealed record HandlerPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, string? DeadLetterTopic)
{
    /// <summary>The policy of <paramref name="handlerType"/> in the group of <paramref name="options"/>.</summary>
    public static HandlerPolicy Resolve(ConsumerOptions options, Type handlerType, Routing.RetryPolicy? declared)
    {
        var own = (handlerType.FullName is { } fullName && options.Handlers.TryGetValue(fullName, out var byFullName)) ? byFullName
            : options.Handlers.TryGetValue(handlerType.Name, out var byName) ? byName
            : null;
        return new(
            own?.MaxAttempts ?? declared?.MaxAttempts ?? options.MaxHandlerAttempts,
            own?.RetryInitialDelay ?? (declared is null ? options.RetryInitialDelay : TimeSpan.FromMilliseconds(declared.BaseDelayMilliseconds)),
            own?.RetryMaxDelay ?? (declared is null ? options.RetryMaxDelay : TimeSpan.FromMilliseconds(declared.MaxDelayMilliseconds)),
            own?.DeadLetterTopic ?? options.DeadLetterTopic);
    }

    /// <summary>Whether a failure on <paramref name="attempt"/> is the last one: permanent, or the attempts are used up.</summary>
    public bool IsLast(int attempt, Exception exception) => exception is PermanentFailureException || (MaxAttempts > 0 && attempt >= MaxAttempts);

    /// <summary>The delay after failed <paramref name="attempt"/>.</summary>
    public TimeSpan DelayAfter(int attempt, double random) => RetryDelay(attempt, BaseDelay, MaxDelay, random);

    /// <summary>Exponential backoff: initial * 2^(attempt-1), capped, with +/-20% jitter from <paramref name="random"/> in [0, 1).</summary>
    internal static TimeSpan RetryDelay(int attempt, TimeSpan initial, TimeSpan max, double random)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * random)));
    }
}
