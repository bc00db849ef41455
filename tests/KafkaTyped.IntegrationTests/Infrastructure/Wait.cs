using System.Diagnostics;

namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>Waits on conditions with a deadline (never on the clock alone).</summary>
public static class Wait
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/>
    /// when <paramref name="timeout"/> passes first.
    /// </summary>
    /// <param name="condition">The condition; evaluated at least once.</param>
    /// <param name="timeout">The deadline.</param>
    /// <param name="what">What was awaited, for the failure message.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
