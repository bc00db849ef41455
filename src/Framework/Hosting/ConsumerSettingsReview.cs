namespace KafkaTyped.Hosting;

/// <summary>
/// Consumer settings that are legitimate but weaken a guarantee without a word: the consumer service logs each as a
/// warning at start-up, naming the setting (validation refuses the ones that are never right).
/// </summary>
internal static class ConsumerSettingsReview
{
    /// <summary>The warnings for <paramref name="options"/>, each starting with the configuration key it is about.</summary>
    /// <param name="options">The validated options.</param>
    /// <param name="hostShutdownTimeout">The host's <c>HostOptions.ShutdownTimeout</c>.</param>
    public static IReadOnlyList<string> Warnings(KafkaTypedOptions options, TimeSpan hostShutdownTimeout)
    {
        var warnings = new List<string>();
        for (var i = 0; i < options.Consumers.Count; i++)
        {
            var path = $"{KafkaTypedOptions.SectionName}:Consumers:{i}";
            var consumer = options.Consumers[i];
            if (ClientConfigFactory.UserProperty(options, consumer, path, "auto.offset.reset") is { } reset
                && reset.Value.Trim().ToUpperInvariant() is "LATEST" or "LARGEST" or "END")
            {
                warnings.Add($"{reset.Key}={reset.Value.Trim()}: a new group, or a partition whose committed offset expired, starts at the end of the log and never handles the records published before it.");
            }

            if (consumer.ShutdownDrainTimeout >= hostShutdownTimeout)
            {
                warnings.Add($"{path}:ShutdownDrainTimeout ({consumer.ShutdownDrainTimeout:c}) is not shorter than the host's ShutdownTimeout ({hostShutdownTimeout:c}): the host cancels the stop before the lanes drained, so the stop becomes an abort and what was in flight is handled again by the next owner.");
            }
        }

        return warnings;
    }
}
