namespace KafkaTyped;

/// <summary>
/// The source of randomness for the jitter of retry delays. The default uses <see cref="Random.Shared"/>; register
/// one as a singleton to make delays predictable in tests.
/// </summary>
public interface IRetryJitter
{
    /// <summary>A value in [0, 1).</summary>
    /// <returns>The next random value.</returns>
    double NextDouble();
}
