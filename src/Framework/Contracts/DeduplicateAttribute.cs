namespace KafkaTyped;

/// <summary>
/// Declares that a message is handled at most once per message id (the CloudEvents <c>ce_id</c> header, or the business
/// key the message declares with <see cref="DeduplicationKeyAttribute"/>) within a time window, using the registered
/// deduplication store. Applies to a handler class (that handler's deliveries) or to a
/// <see cref="KafkaMessageAttribute"/> type (every handler of the message).
/// </summary>
/// <remarks>
/// The values are read at compile time; analyzer KT0033 reports impossible ones. See <c>docs/exactly-once.md</c> and
/// <c>docs/pipeline-attributes.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class DeduplicateAttribute : Attribute
{
    /// <summary>
    /// How long a message id is remembered, in seconds; greater than zero when set. 0 (the default) takes the
    /// deduplication store's configured window.
    /// </summary>
    public int WindowSeconds { get; set; }
}
