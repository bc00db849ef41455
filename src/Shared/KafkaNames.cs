namespace KafkaTyped.Shared;

/// <summary>
/// The naming rules Kafka and KafkaTyped impose on topics and type ids, stated once: the analyzers report a bad name
/// in the IDE (KT0010, KT0011), the options validator rejects it at start-up, and the embedded cluster refuses to
/// create such a topic. Each of them compiles this file.
/// </summary>
internal static class KafkaNames
{
    /// <summary>Kafka's limit on topic name length.</summary>
    public const int MaxTopicLength = 249;

    /// <summary>KafkaTyped's limit on type id length.</summary>
    public const int MaxTypeIdLength = 255;

    /// <summary>
    /// Why <paramref name="topic"/> is not a valid Kafka topic name, or <see langword="null"/> when it is: 1 to 249
    /// characters of ASCII letters, digits, '.', '_' and '-', and neither "." nor "..".
    /// </summary>
    public static string? ValidateTopic(string? topic)
    {
        if (topic is null || topic.Length == 0)
        {
            return "a topic name must not be empty";
        }

        if (topic is "." or "..")
        {
            return "'.' and '..' are reserved";
        }

        if (topic.Length > MaxTopicLength)
        {
            return "it is " + Number(topic.Length) + " characters long, at most " + Number(MaxTopicLength) + " are allowed";
        }

        foreach (var c in topic)
        {
            if (!IsTopicChar(c))
            {
                return "the character " + Describe(c) + " is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="typeId"/> is not a valid type id, or <see langword="null"/> when it is.</summary>
    public static string? ValidateTypeId(string? typeId)
    {
        if (typeId is null)
        {
            return "a type id must not be null";
        }

        if (typeId.Trim().Length == 0)
        {
            return "a type id must not be empty or whitespace";
        }

        if (typeId.Length > MaxTypeIdLength)
        {
            return "it is " + Number(typeId.Length) + " characters long, at most " + Number(MaxTypeIdLength) + " are allowed";
        }

        foreach (var c in typeId)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "the character " + Describe(c) + " is not allowed; type ids contain no whitespace or control characters";
            }
        }

        return null;
    }

    private static bool IsTopicChar(char c)
        => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    private static string Describe(char c)
        => char.IsWhiteSpace(c) || char.IsControl(c)
            ? "U+" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)
            : "'" + c + "'";

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
