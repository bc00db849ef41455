namespace KafkaTyped;

/// <summary>
/// Marks the member whose value is the Kafka record key. At most one member of a message carries it.
/// Supported key types: <see cref="string"/> and <see cref="Guid"/> (UTF-8 text, a Guid in "D" form),
/// <see cref="int"/> and <see cref="long"/> (big-endian, as the Java client's serializers), and
/// <see cref="T:byte[]"/> (as is). A message with no key member is published with a null key.
/// </summary>
/// <remarks>On a positional record, apply it to the property: <c>[property: MessageKey] Guid OrderId</c>.</remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class MessageKeyAttribute : Attribute
{
}
