namespace KafkaTyped;

/// <summary>Which CloudEvents attributes the publisher writes as headers of every record (docs/publisher.md#lean-records).</summary>
public enum CloudEventsAttributes
{
    /// <summary>
    /// The default: <c>ce_specversion</c>, <c>ce_id</c>, <c>ce_type</c>, <c>ce_source</c>, <c>ce_time</c> and
    /// <c>content-type</c> (the event's <c>datacontenttype</c>).
    /// </summary>
    All = 0,

    /// <summary>
    /// Only what the CloudEvents Kafka binding requires (<c>ce_specversion</c>, <c>ce_id</c>, <c>ce_type</c>,
    /// <c>ce_source</c>), plus <c>content-type</c> for a format other than MessagePack, which readers assume when it is
    /// absent. Leaves out <c>ce_time</c> (the record's own timestamp says when it was produced) and MessagePack's
    /// <c>content-type</c>: two headers and about 60 bytes less per record.
    /// </summary>
    Required = 1,
}
