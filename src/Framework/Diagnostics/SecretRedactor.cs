namespace KafkaTyped.Diagnostics;

/// <summary>
/// Removes the values of secret client properties (<c>sasl.password</c>, any <c>*.password</c> or <c>*secret*</c>
/// property of the service, its publisher or its consumer groups) from text leaving the service.
/// </summary>
internal sealed class SecretRedactor
{
    private const string Mask = "***";
    private readonly string[] _secrets;

    private SecretRedactor() => _secrets = [];

    /// <summary>A redactor that masks nothing, for stages built without options (unit tests).</summary>
    public static SecretRedactor None { get; } = new();

    public SecretRedactor(KafkaTypedOptions options)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        Collect(options.Properties, secrets);
        Collect(options.Publisher.Properties, secrets);
        foreach (var consumer in options.Consumers)
        {
            Collect(consumer.Properties, secrets);
        }

        // Longest first, so that a secret containing another is masked whole.
        _secrets = [.. secrets.OrderByDescending(s => s.Length)];
    }

    /// <summary>Whether a client property holds a secret: <c>sasl.password</c>, any <c>*password</c>, any <c>*secret*</c>, or a private key.</summary>
    public static bool IsSecret(string property)
        => property.EndsWith("password", StringComparison.OrdinalIgnoreCase)
            || property.Contains("secret", StringComparison.OrdinalIgnoreCase)
            || property.Equals("ssl.key.pem", StringComparison.OrdinalIgnoreCase)
            || property.Equals("sasl.oauthbearer.config", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether any secret is configured; when none is, nothing needs masking.</summary>
    public bool IsEmpty => _secrets.Length == 0;

    /// <summary>
    /// <paramref name="exception"/> for a log line: itself when its text holds no secret (the common case, and structure
    /// kept for log sinks), else a <see cref="RedactedException"/> carrying the masked text.
    /// </summary>
    public Exception ForLog(Exception exception)
    {
        if (IsEmpty)
        {
            return exception;
        }

        var text = exception.ToString();
        var redacted = Redact(text);
        return text == redacted ? exception : new RedactedException(exception.GetType().FullName ?? exception.GetType().Name, redacted);
    }

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    private static void Collect(Dictionary<string, string> properties, HashSet<string> secrets)
    {
        foreach (var (key, value) in properties)
        {
            if (IsSecret(key) && !string.IsNullOrEmpty(value))
            {
                secrets.Add(value);
            }
        }
    }
}

/// <summary>An exception whose text held a configured secret, logged in its place with the secret masked.</summary>
/// <param name="originalType">The full type name of the exception it stands for.</param>
/// <param name="text">The exception's <see cref="Exception.ToString"/>, masked.</param>
internal sealed class RedactedException(string originalType, string text) : Exception($"{originalType} (secrets masked)")
{
    public string OriginalType { get; } = originalType;

    public override string? StackTrace => null;

    public override string ToString() => text;
}
