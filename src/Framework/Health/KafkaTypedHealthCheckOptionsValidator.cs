using Microsoft.Extensions.Options;

namespace KafkaTyped.Health;

/// <summary>Validates <see cref="KafkaTypedHealthCheckOptions"/> at start-up; every message names the key at fault.</summary>
internal sealed class KafkaTypedHealthCheckOptionsValidator : IValidateOptions<KafkaTypedHealthCheckOptions>
{
    private const string Section = KafkaTypedHealthCheckOptions.SectionName;
    private static readonly TimeSpan s_maxTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    public ValidateOptionsResult Validate(string? name, KafkaTypedHealthCheckOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.LiveTag))
        {
            failures.Add($"{Section}:LiveTag must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.ReadyTag))
        {
            failures.Add($"{Section}:ReadyTag must not be empty.");
        }

        if (options.PollLimit is { } pollLimit)
        {
            Positive("PollLimit", pollLimit, failures);
        }

        Positive("StuckRecordLimit", options.StuckRecordLimit, failures);
        Positive("BrokerTimeout", options.BrokerTimeout, failures);
        Positive("OutboxLagLimit", options.OutboxLagLimit, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(string key, TimeSpan value, List<string> failures)
    {
        if (value <= TimeSpan.Zero || value > s_maxTimeout)
        {
            failures.Add($"{Section}:{key} must be more than zero and at most {s_maxTimeout} (was {value}).");
        }
    }
}
