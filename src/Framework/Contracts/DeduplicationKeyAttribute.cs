namespace KafkaTyped;

/// <summary>
/// Marks a member of a <see cref="KafkaMessageAttribute"/> type as (part of) the message's business key for
/// deduplication: a handler with <see cref="DeduplicateAttribute"/> then handles each key once within its window, whatever
/// the <c>ce_id</c> of the record carrying it. Two publications of one business operation (a client retrying with a new
/// message, two services announcing the same payment) are then recognised as one. Without the attribute the key is the
/// <c>ce_id</c>.
/// </summary>
/// <remarks>
/// <para>
/// Supported member types: <see cref="string"/>, <see cref="Guid"/> and the integer types (<see cref="byte"/> to
/// <see cref="ulong"/>), and their nullable forms; the generator reports KT0008 for any other. The key is the member's
/// value as invariant text (a Guid in "D" form). With several members marked, the key combines their values in
/// declaration order. A message whose key member is <see langword="null"/> is deduplicated by its <c>ce_id</c>.
/// </para>
/// <para>The key is read by generated code, without reflection. On a positional record, apply it to the property:
/// <c>[property: DeduplicationKey] string PaymentReference</c>. See <c>docs/exactly-once.md</c>.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class DeduplicationKeyAttribute : Attribute
{
}
