using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace KafkaTyped.Tool.Kafka;

/// <summary>A record of a dead-letter topic with its <c>kt-dlq-*</c> headers read (docs/failures.md).</summary>
internal sealed class DeadLetterView
{
    public DeadLetterView(ConsumeResult<byte[]?, byte[]?> record)
    {
        Record = record;
        var headers = record.Message.Headers;
        Reason = Header(headers, DeadLetterHeaders.Reason);
        ExceptionType = Header(headers, DeadLetterHeaders.ExceptionType);
        ExceptionMessage = Header(headers, DeadLetterHeaders.ExceptionMessage);
        OriginalTopic = Header(headers, DeadLetterHeaders.OriginalTopic);
        OriginalPartition = Header(headers, DeadLetterHeaders.OriginalPartition);
        OriginalOffset = Header(headers, DeadLetterHeaders.OriginalOffset);
        Group = Header(headers, DeadLetterHeaders.ConsumerGroup);
        Handler = Header(headers, DeadLetterHeaders.Handler);
        Attempts = Header(headers, DeadLetterHeaders.Attempts);
        Type = Header(headers, "ce_type");
        MessageId = Header(headers, "ce_id");
        ReplayOf = Header(headers, ReplayHeaders.ReplayOf);
        Time = DateTimeOffset.TryParse(Header(headers, DeadLetterHeaders.Time), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : record.Message.Timestamp.Type == TimestampType.NotAvailable ? null : new DateTimeOffset(record.Message.Timestamp.UtcDateTime);
    }

    public ConsumeResult<byte[]?, byte[]?> Record { get; }

    public string? Reason { get; }

    public string? ExceptionType { get; }

    public string? ExceptionMessage { get; }

    public string? OriginalTopic { get; }

    public string? OriginalPartition { get; }

    public string? OriginalOffset { get; }

    public string? Group { get; }

    public string? Handler { get; }

    public string? Attempts { get; }

    /// <summary>The message's type id (<c>ce_type</c>).</summary>
    public string? Type { get; }

    public string? MessageId { get; }

    /// <summary>Set when the dead letter is itself a replay that failed again.</summary>
    public string? ReplayOf { get; }

    /// <summary>When it was dead-lettered (<c>kt-dlq-time</c>, else the record's timestamp).</summary>
    public DateTimeOffset? Time { get; }

    /// <summary>Whether KafkaTyped wrote it: a record without <c>kt-dlq-original-topic</c> cannot be replayed.</summary>
    public bool IsDeadLetter => !string.IsNullOrEmpty(OriginalTopic);

    /// <summary><c>topic/partition/offset</c> of the record as it was first consumed.</summary>
    public string Origin => $"{OriginalTopic}/{OriginalPartition}/{OriginalOffset}";

    public static string? Header(Headers? headers, string key)
        => headers is not null && headers.TryGetLastBytes(key, out var value) ? Encoding.UTF8.GetString(value ?? []) : null;

    public static string FormatTime(DateTimeOffset? time)
        => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : string.Empty;
}

/// <summary>The filters of <c>dlq list</c> and <c>dlq replay</c>; every one given must match.</summary>
internal sealed record DeadLetterFilter(string? Group, string? Reason, string? Type, string? Handler, DateTimeOffset? Since)
{
    public bool Matches(DeadLetterView view)
        => (Group is null || string.Equals(view.Group, Group, StringComparison.Ordinal))
            && (Reason is null || string.Equals(view.Reason, Reason, StringComparison.Ordinal))
            && (Type is null || string.Equals(view.Type, Type, StringComparison.Ordinal))
            && (Handler is null || HandlerMatches(view.Handler, Handler))
            && (Since is null || (view.Time is { } time && time >= Since));

    /// <summary>The full type name, or its last segment (<c>ReserveStock</c> for <c>Shop.ReserveStock</c>).</summary>
    public static bool HandlerMatches(string? handler, string wanted)
        => handler is not null && (string.Equals(handler, wanted, StringComparison.Ordinal)
            || handler.EndsWith("." + wanted, StringComparison.Ordinal) || handler.EndsWith("+" + wanted, StringComparison.Ordinal));

    /// <summary>
    /// <c>--since</c>: an RFC 3339 time (<c>2026-12-02T07:00:00Z</c>) or a duration back from now (<c>90s</c>, <c>30m</c>,
    /// <c>6h</c>, <c>2d</c>).
    /// </summary>
    public static DateTimeOffset? ParseSince(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        var unit = text[^1];
        if (char.IsLetter(unit) && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            TimeSpan? span = unit switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (span is { } back)
            {
                return now - back;
            }
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUniversalTime();
        }

        throw new ToolException(ExitCodes.Usage, $"--since '{text}' is neither a time (2026-12-02T07:00:00Z) nor a duration back from now (90s, 30m, 6h, 2d).");
    }
}
