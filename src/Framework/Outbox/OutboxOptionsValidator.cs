using Microsoft.Extensions.Options;

namespace KafkaTyped.Outbox;

/// <summary>Validates <see cref="OutboxOptions"/> at start-up; every error names its setting.</summary>
internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var errors = new List<string>();
        Positive(errors, nameof(OutboxOptions.PollInterval), options.PollInterval);
        Positive(errors, nameof(OutboxOptions.RetainSent), options.RetainSent);
        Positive(errors, nameof(OutboxOptions.CleanupInterval), options.CleanupInterval);
        Positive(errors, nameof(OutboxOptions.RetryDelay), options.RetryDelay);
        if (options.BatchSize is < 1 or > 100_000)
        {
            errors.Add($"{OutboxOptions.SectionName}:{nameof(OutboxOptions.BatchSize)} must be between 1 and 100000 (was {options.BatchSize}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{OutboxOptions.SectionName}:{setting} must be greater than zero (was {value}).");
        }
    }
}
