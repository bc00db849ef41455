using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;

namespace KafkaTyped.Diagnostics;

/// <summary>
/// The spans and span events of the messaging conventions that are not on the first attempt's path: a retry as a new
/// <c>process</c> span linked to the attempt before it, dead-lettering and duplicate drops as events, failures with
/// <c>error.type</c>. Each call is made only after something failed or was dropped, and does nothing when nobody listens.
/// </summary>
internal static class MessagingTracing
{
    /// <summary>
    /// Starts the span of a retry (attempt 2 and later) as a child of the record's <c>process</c> span (the current
    /// activity), linked to the span of the attempt that failed before it; <see langword="null"/> when nobody listens.
    /// </summary>
    public static Activity? StartRetry(ConsumeResult<byte[], byte[]> record, string groupId, string handler, int attempt, ref Activity? previous)
    {
        if (!KafkaTypedTelemetry.Source.HasListeners())
        {
            return null;
        }

        previous ??= Current();
        ActivityLink[]? links = previous is null ? null : [new ActivityLink(previous.Context)];
        var activity = KafkaTypedTelemetry.Source.StartActivity(ActivityKind.Consumer, links: links, name: "process " + record.Topic);
        if (activity is null)
        {
            return null;
        }

        SetRecordTags(activity, record, groupId);
        activity.SetTag("kafkatyped.attempt", attempt).SetTag("kafkatyped.handler", handler);
        previous = activity;
        return activity;
    }

    /// <summary>
    /// Starts a record's <c>process</c> span: the producer's trace is continued (the span is its child) and linked, so
    /// traces join up either way a backend shows them; a record without a valid <c>traceparent</c> starts a trace of its own.
    /// </summary>
    public static Activity? StartProcess(ConsumeResult<byte[], byte[]> record, string groupId, string? typeId)
    {
        var fromProducer = CloudEventHeaders.TryGetTraceContext(record.Message.Headers, out var producer);
        ActivityLink[]? links = fromProducer ? [new ActivityLink(producer)] : null;
        var activity = KafkaTypedTelemetry.Source.StartActivity(ActivityKind.Consumer, parentContext: fromProducer ? producer : default, links: links, name: "process " + record.Topic);
        if (activity is not null)
        {
            SetRecordTags(activity, record, groupId);
            if (typeId is not null)
            {
                activity.SetTag("kafkatyped.type_id", typeId);
            }
        }

        return activity;
    }

    /// <summary>
    /// Starts the <c>process</c> span of a record no handler runs for. A rejected one (poison, an unknown type, a replay
    /// this group cannot serve) carries the skip reason as <c>error.type</c> with status Error; a replay addressed to
    /// another group is not a failure of this one and carries it as <c>kafkatyped.skip_reason</c>.
    /// </summary>
    public static Activity? StartRejected(ConsumeResult<byte[], byte[]> record, string groupId, string reason, string? typeId, bool failed)
    {
        var activity = StartProcess(record, groupId, typeId);
        if (activity is null)
        {
            return null;
        }

        if (failed)
        {
            activity.SetTag("error.type", reason).SetStatus(ActivityStatusCode.Error, reason);
        }
        else
        {
            activity.SetTag("kafkatyped.skip_reason", reason);
        }

        return activity;
    }

    /// <summary>The conventional tags of a record's <c>process</c> span.</summary>
    public static void SetRecordTags(Activity activity, ConsumeResult<byte[], byte[]> record, string groupId)
    {
        activity.SetTag("messaging.system", "kafka")
            .SetTag("messaging.operation.name", "process")
            .SetTag("messaging.operation.type", "process")
            .SetTag("messaging.destination.name", record.Topic)
            .SetTag("messaging.destination.partition.id", record.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .SetTag("messaging.kafka.offset", record.Offset.Value)
            .SetTag("messaging.consumer.group.name", groupId)
            .SetTag("messaging.message.body.size", record.Message.Value?.Length ?? 0);
        if (CloudEventHeaders.GetString(record.Message.Headers, CloudEventHeaders.Id) is { } messageId)
        {
            activity.SetTag("messaging.message.id", messageId);
        }

        if (KeyString(record.Message.Key) is { } key)
        {
            activity.SetTag("messaging.kafka.message.key", key);
        }
    }

    /// <summary>A record key as the span attribute: its text when it is UTF-8 (a string or GUID key), else none.</summary>
    public static string? KeyString(byte[]? key)
        => key is { Length: > 0 and <= 256 } && Utf8IsText(key) ? Encoding.UTF8.GetString(key) : null;

    /// <summary>Marks the span of an attempt as failed: <c>error.type</c> is the exception's type, never its message.</summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            var type = exception.GetType().FullName ?? exception.GetType().Name;
            activity.SetTag("error.type", type).SetStatus(ActivityStatusCode.Error, type);
        }
    }

    /// <summary>
    /// A failed attempt: a retry's own span gets <c>error.type</c>; the first attempt, whose span is the record's
    /// <c>process</c> span (which may still succeed on a retry), gets an event with it.
    /// </summary>
    public static void AttemptFailed(Activity? retrySpan, int attempt, Exception exception)
    {
        if (retrySpan is not null)
        {
            Failed(retrySpan, exception);
        }
        else if (Current() is { } current)
        {
            current.AddEvent(new ActivityEvent("kafkatyped.attempt_failed", tags: new ActivityTagsCollection
            {
                ["error.type"] = exception.GetType().FullName ?? exception.GetType().Name,
                ["kafkatyped.attempt"] = attempt,
            }));
        }
    }

    /// <summary>Adds an event to the current span, when there is one.</summary>
    public static void Event(string name, string tag, string value, string? tag2 = null, string? value2 = null)
    {
        if (Current() is not { } activity)
        {
            return;
        }

        var tags = new ActivityTagsCollection { [tag] = value };
        if (tag2 is not null)
        {
            tags[tag2] = value2;
        }

        activity.AddEvent(new ActivityEvent(name, tags: tags));
    }

    /// <summary>The current activity when it is one of KafkaTyped's (a record's span), not an application's that flowed here.</summary>
    public static Activity? Current() => Activity.Current is { } current && ReferenceEquals(current.Source, KafkaTypedTelemetry.Source) ? current : null;

    private static bool Utf8IsText(byte[] bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return false;
        }

        foreach (var b in bytes)
        {
            if (b < 0x20)
            {
                return false;
            }
        }

        return true;
    }
}
