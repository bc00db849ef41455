namespace KafkaTyped;

/// <summary>
/// The Avro default of a member: written to the schema as the field's <c>default</c>, and what a reader fills in when a
/// record was written with a schema that lacks the field. Without it only a nullable member has a default (null). The
/// value is a constant of the member's type: <see langword="true"/>/<see langword="false"/> for a <see langword="bool"/>, a
/// number for an integral or floating-point member, a string for a <see langword="string"/>, and for an enum one of its
/// members (<c>[AvroDefault(Priority.Low)]</c>) or the name of one. Other member types, and nullable members, cannot
/// declare one (KT0009). A C# initializer or a constructor parameter's default is not an Avro default: the schema says
/// only what this attribute says.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AvroDefaultAttribute : Attribute
{
    /// <summary>Declares the default.</summary>
    /// <param name="value">The default: a constant of the member's type.</param>
    public AvroDefaultAttribute(object value) => Value = value;

    /// <summary>The default.</summary>
    public object Value { get; }
}
