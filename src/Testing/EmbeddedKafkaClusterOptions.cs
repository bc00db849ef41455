namespace KafkaTyped.Testing;

/// <summary>Settings of an <see cref="EmbeddedKafkaCluster"/>.</summary>
public sealed class EmbeddedKafkaClusterOptions
{
    /// <summary>The default <see cref="BrokerCount"/>: one broker, the fastest to start and to connect to.</summary>
    public const int DefaultBrokerCount = 1;

    /// <summary>The largest <see cref="BrokerCount"/> accepted.</summary>
    public const int MaxBrokerCount = 64;

    /// <summary>
    /// Number of brokers, with ids 1 to <see cref="BrokerCount"/>. Defaults to
    /// <see cref="DefaultBrokerCount"/> (1). Use 3 to test leader changes or a broker going down
    /// while others stay up.
    /// </summary>
    public int BrokerCount { get; set; } = DefaultBrokerCount;

    /// <summary>
    /// How long the group coordinator waits for more members before the first rebalance of an empty
    /// consumer group (the broker setting <c>group.initial.rebalance.delay.ms</c>). Kafka's and the
    /// mock's default is 3 seconds, which makes every test that starts a consumer wait 3 seconds;
    /// this defaults to 100 ms, short enough to be unnoticeable and long enough for consumers that
    /// start together to join in one rebalance.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// librdkafka <c>log_level</c> (syslog levels 0-7) of the internal client handle that hosts the
    /// cluster; its log lines go to standard error. Defaults to 3 (errors only) so that test output
    /// stays quiet.
    /// </summary>
    public int LogLevel { get; set; } = 3;

    internal void Validate()
    {
        if (BrokerCount is < 1 or > MaxBrokerCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(BrokerCount),
                BrokerCount,
                $"{nameof(EmbeddedKafkaClusterOptions)}.{nameof(BrokerCount)} must be between 1 and {MaxBrokerCount}.");
        }

        if (GroupInitialRebalanceDelay < TimeSpan.Zero || GroupInitialRebalanceDelay.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(GroupInitialRebalanceDelay),
                GroupInitialRebalanceDelay,
                $"{nameof(EmbeddedKafkaClusterOptions)}.{nameof(GroupInitialRebalanceDelay)} must be zero or positive and fit in int milliseconds.");
        }

        if (LogLevel is < 0 or > 7)
        {
            throw new ArgumentOutOfRangeException(
                nameof(LogLevel),
                LogLevel,
                $"{nameof(EmbeddedKafkaClusterOptions)}.{nameof(LogLevel)} must be a syslog level between 0 and 7.");
        }
    }
}
