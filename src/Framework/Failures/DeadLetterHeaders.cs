using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace KafkaTyped;

/// <summary>
/// The headers KafkaTyped adds to a dead-lettered record, after the record's own; every value is UTF-8 text.
/// See <c>docs/failures.md</c>.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>Why: <c>handler-failed</c>, <c>missing-type</c>, <c>unknown-type</c>, <c>invalid-payload</c> or <c>payload-too-large</c>.</summary>
    public const string Reason = "kt-dlq-reason";

    /// <summary>The full type name of the failure's exception.</summary>
    public const string ExceptionType = "kt-dlq-exception-type";

    /// <summary>The failure's message.</summary>
    public const string ExceptionMessage = "kt-dlq-exception-message";

    /// <summary>The failure's stack trace, at most <see cref="MaxTextBytes"/> bytes.</summary>
    public const string StackTrace = "kt-dlq-stack-trace";

    /// <summary>The topic the record was consumed from.</summary>
    public const string OriginalTopic = "kt-dlq-original-topic";

    /// <summary>The partition the record was consumed from, in decimal.</summary>
    public const string OriginalPartition = "kt-dlq-original-partition";

    /// <summary>The record's offset, in decimal.</summary>
    public const string OriginalOffset = "kt-dlq-original-offset";

    /// <summary>The consumer group that gave up on the record.</summary>
    public const string ConsumerGroup = "kt-dlq-consumer-group";

    /// <summary>The full type name of the handler that failed (absent for poison input).</summary>
    public const string Handler = "kt-dlq-handler";

    /// <summary>How often the handler was called, in decimal (0 for poison input).</summary>
    public const string Attempts = "kt-dlq-attempts";

    /// <summary>When the record was given up, RFC 3339 in UTC.</summary>
    public const string Time = "kt-dlq-time";

    /// <summary>The longest exception message or stack trace written, in UTF-8 bytes (8 KiB); longer ones are cut.</summary>
    public const int MaxTextBytes = 8 * 1024;

    /// <summary>The <see cref="Reason"/> value of <paramref name="reason"/>.</summary>
    /// <param name="reason">A reason.</param>
    /// <returns>Its header text.</returns>
    public static string ReasonText(DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.HandlerFailed => "handler-failed",
        DeadLetterReason.MissingType => "missing-type",
        DeadLetterReason.UnknownType => "unknown-type",
        DeadLetterReason.InvalidPayload => "invalid-payload",
        DeadLetterReason.PayloadTooLarge => "payload-too-large",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>The record's own headers followed by the dead-letter headers of <paramref name="deadLetter"/>.</summary>
    /// <param name="deadLetter">A dead-lettered record.</param>
    /// <param name="redact">Applied to the exception's message and stack trace before they are written (removes secrets).</param>
    /// <returns>New headers; the consumed record's are not changed.</returns>
    public static Headers Create(DeadLetter deadLetter, Func<string, string>? redact = null)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        var headers = new Headers();
        if (deadLetter.Record.Message.Headers is { } original)
        {
            foreach (var header in original)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }

        Add(headers, Reason, ReasonText(deadLetter.Reason));
        if (deadLetter.Exception is { } exception)
        {
            Add(headers, ExceptionType, exception.GetType().FullName ?? exception.GetType().Name);
            Add(headers, ExceptionMessage, Bounded(redact is null ? exception.Message : redact(exception.Message)));
            var stackTrace = exception.ToString();
            Add(headers, StackTrace, Bounded(redact is null ? stackTrace : redact(stackTrace)));
        }

        Add(headers, OriginalTopic, deadLetter.Record.Topic);
        Add(headers, OriginalPartition, deadLetter.Record.Partition.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, OriginalOffset, deadLetter.Record.Offset.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, ConsumerGroup, deadLetter.ConsumerGroup);
        if (deadLetter.Handler is { } handler)
        {
            Add(headers, Handler, handler);
        }

        Add(headers, Attempts, deadLetter.Attempts.ToString(CultureInfo.InvariantCulture));
        Add(headers, Time, deadLetter.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture));
        return headers;
    }

    /// <summary><paramref name="text"/> cut to at most <see cref="MaxTextBytes"/> UTF-8 bytes, on a character boundary.</summary>
    internal static string Bounded(string text)
    {
        if (Encoding.UTF8.GetByteCount(text) <= MaxTextBytes)
        {
            return text;
        }

        const string marker = "…";
        var budget = MaxTextBytes - Encoding.UTF8.GetByteCount(marker);
        var length = Math.Min(text.Length, budget);
        while (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > budget)
        {
            length -= Math.Max(1, (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) - budget) / 3);
        }

        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return string.Concat(text.AsSpan(0, length), marker);
    }

    private static void Add(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
