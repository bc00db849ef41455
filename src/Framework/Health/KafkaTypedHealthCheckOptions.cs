namespace KafkaTyped;

/// <summary>
/// Settings of KafkaTyped's liveness and readiness checks (<see cref="KafkaTypedHealthCheckExtensions.AddHealthChecks"/>),
/// bound from <c>KafkaTyped:HealthChecks</c>; validated at start-up.
/// </summary>
public sealed class KafkaTypedHealthCheckOptions
{
    /// <summary>The configuration section, under <c>KafkaTyped</c>.</summary>
    public const string SectionName = "KafkaTyped:HealthChecks";

    /// <summary>The tag of the liveness check (default <c>live</c>): map <c>/live</c> to the checks with this tag.</summary>
    public string LiveTag { get; set; } = "live";

    /// <summary>The tag of the readiness check (default <c>ready</c>): map <c>/ready</c> to the checks with this tag.</summary>
    public string ReadyTag { get; set; } = "ready";

    /// <summary>
    /// How long a consumer group's poll loop may go without polling before the service is not live. Default
    /// <see langword="null"/>: the group's <c>max.poll.interval.ms</c>, after which its coordinator has dropped the member.
    /// </summary>
    public TimeSpan? PollLimit { get; set; }

    /// <summary>
    /// How long one record may stay not completed (waiting in its lane or being handled, holding the partition's committed
    /// offset back) before the service is not live (default 5 minutes). Handlers that legitimately take longer, or retry
    /// for longer, need a larger limit.
    /// </summary>
    public TimeSpan StuckRecordLimit { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the readiness check waits for a broker to answer a metadata request (default 2 s).</summary>
    public TimeSpan BrokerTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the outbox relay, when an outbox is configured, may go without draining the outbox (a batch smaller
    /// than a full one) before the service is not ready (default 1 minute).
    /// </summary>
    public TimeSpan OutboxLagLimit { get; set; } = TimeSpan.FromMinutes(1);
}
