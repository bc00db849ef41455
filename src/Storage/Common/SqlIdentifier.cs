namespace KafkaTyped.Storage;

/// <summary>Table names are written into SQL text, so only plain identifiers are accepted (linked into each storage package).</summary>
internal static class SqlIdentifier
{
    public static string Require(string name, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameterName);
        if (name.Length > 60 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(static c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{name}' is not a plain table name (ASCII letters, digits and underscores, not starting with a digit, at most 60 characters).", parameterName);
        }

        return name;
    }
}
