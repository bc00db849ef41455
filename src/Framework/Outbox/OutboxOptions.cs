namespace KafkaTyped;

/// <summary>Settings of the transactional outbox relay, bound from <c>KafkaTyped:Outbox</c>.</summary>
public sealed class OutboxOptions
{
    /// <summary>The configuration section, under <c>KafkaTyped</c>.</summary>
    public const string SectionName = "KafkaTyped:Outbox";

    /// <summary>How long the relay waits before looking again when the outbox had nothing to publish (default 100 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most messages published per batch (default 500). A relay that stops mid-batch publishes at most this many
    /// messages again.
    /// </summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How long a sent message stays in the outbox before cleanup deletes it (default 1 hour).</summary>
    public TimeSpan RetainSent { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the relay deletes sent messages older than <see cref="RetainSent"/> (default 1 minute).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the relay waits after a failed batch (publish or database error) before trying it again (default 1 s).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
