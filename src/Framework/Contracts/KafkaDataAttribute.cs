namespace KafkaTyped;

/// <summary>
/// Declares a data type carried inside messages (a line item, an address). The type must be
/// <see langword="partial"/>: the source generator implements <see cref="IKafkaData{TSelf}"/> on it.
/// It has no type id and is never published on its own.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class KafkaDataAttribute : Attribute
{
}
