namespace KafkaTyped;

/// <summary>
/// The precision and scale of a <see langword="decimal"/> member in Avro (<c>{"type":"bytes","logicalType":"decimal"}</c>);
/// without it a decimal is written with precision 29 and scale 14. Applies to every decimal of the member, also inside a
/// collection. The precision and scale are part of the schema: changing them is not a compatible change.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AvroDecimalAttribute : Attribute
{
    /// <summary>Declares the precision and scale of a decimal member.</summary>
    /// <param name="precision">The number of significant digits, 1 to 38.</param>
    /// <param name="scale">The digits after the decimal point, 0 to the smaller of <paramref name="precision"/> and 28.</param>
    public AvroDecimalAttribute(int precision, int scale)
    {
        Precision = precision;
        Scale = scale;
    }

    /// <summary>The number of significant digits, 1 to 38.</summary>
    public int Precision { get; }

    /// <summary>The digits after the decimal point, 0 to the smaller of <see cref="Precision"/> and 28.</summary>
    public int Scale { get; }
}
