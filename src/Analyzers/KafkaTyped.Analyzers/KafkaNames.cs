namespace KafkaTyped.Analyzers;

/// <summary>The naming rules Kafka and KafkaTyped impose on topics and type ids.</summary>
internal static class KafkaNames
{
    /// <summary>Kafka's limit on topic name length.</summary>
    public const int MaxTopicLength = 249;

    /// <summary>KafkaTyped's limit on type id length.</summary>
    public const int MaxTypeIdLength = 255;

    /// <summary>Why <paramref name="topic"/> is not a valid Kafka topic name, or null when it is.</summary>
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
            return $"it is {topic.Length} characters long, at most {MaxTopicLength} are allowed";
        }

        foreach (var c in topic)
        {
            if (!IsTopicChar(c))
            {
                return $"the character {Describe(c)} is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="typeId"/> is not a valid type id, or null when it is.</summary>
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
            return $"it is {typeId.Length} characters long, at most {MaxTypeIdLength} are allowed";
        }

        foreach (var c in typeId)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"the character {Describe(c)} is not allowed; type ids contain no whitespace or control characters";
            }
        }

        return null;
    }

    private static bool IsTopicChar(char c)
        => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    private static string Describe(char c)
        => char.IsWhiteSpace(c) || char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
