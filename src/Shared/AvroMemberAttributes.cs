using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Shared;

/// <summary>
/// What a message's symbols say about its Avro schema beyond the member shapes: field names, <c>[AvroAlias]</c> and
/// <c>[AvroDecimal]</c> (docs/avro.md, "Mapping"). Compiled into the generator, which writes the schema, and into the
/// analyzers, whose schema lock records the same schema: one copy, so the two cannot drift apart.
/// </summary>
internal static class AvroMemberAttributes
{
    /// <summary>The precision of a <see langword="decimal"/> without <c>[AvroDecimal]</c>.</summary>
    public const int DefaultPrecision = 29;

    /// <summary>The scale of a <see langword="decimal"/> without <c>[AvroDecimal]</c>.</summary>
    public const int DefaultScale = 14;

    /// <summary>
    /// A C# name in camelCase as System.Text.Json's <c>JsonNamingPolicy.CamelCase</c> writes it: the leading run of
    /// upper-case letters is lowered, but for the last one when a lower-case letter follows (<c>OrderId</c> ->
    /// <c>orderId</c>, <c>URLValue</c> -> <c>urlValue</c>, <c>ID</c> -> <c>id</c>). The Avro field name of a member, and
    /// the JSON one unless it declares another.
    /// </summary>
    public static string CamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i]))
            {
                break;
            }

            var hasNext = i + 1 < chars.Length;
            if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
            {
                if (chars[i + 1] == ' ')
                {
                    chars[i] = char.ToLowerInvariant(chars[i]);
                }

                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    /// <summary>
    /// The names of the <c>[AvroAlias]</c> attributes on a member or type (for a positional parameter, also on the
    /// property made of it), in declaration order, each once.
    /// </summary>
    public static List<string> AliasesOf(INamedTypeSymbol? type, ISymbol symbol)
    {
        var names = new List<string>();
        Collect(symbol.GetAttributes(), names);
        if (symbol is IParameterSymbol && type is not null)
        {
            foreach (var property in type.GetMembers(symbol.Name))
            {
                if (property is IPropertySymbol)
                {
                    Collect(property.GetAttributes(), names);
                }
            }
        }

        return names;

        static void Collect(ImmutableArray<AttributeData> attributes, List<string> names)
        {
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass is { Name: "AvroAliasAttribute" } attributeClass
                    && attributeClass.ToDisplayString() == "KafkaTyped.AvroAliasAttribute"
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string { Length: > 0 } name
                    && !names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }
    }

    /// <summary>
    /// The precision and scale of an <c>[AvroDecimal]</c> on the member (for a positional parameter, also on the
    /// property made of it), else <see cref="DefaultPrecision"/> and <see cref="DefaultScale"/>.
    /// </summary>
    public static (int Precision, int Scale) DecimalOf(INamedTypeSymbol type, ISymbol member)
    {
        var found = Find(member.GetAttributes());
        if (found is null && member is IParameterSymbol)
        {
            foreach (var property in type.GetMembers(member.Name))
            {
                if (property is IPropertySymbol)
                {
                    found = Find(property.GetAttributes());
                }
            }
        }

        return found ?? (DefaultPrecision, DefaultScale);

        static (int, int)? Find(ImmutableArray<AttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass is { Name: "AvroDecimalAttribute" } attributeClass
                    && attributeClass.ToDisplayString() == "KafkaTyped.AvroDecimalAttribute"
                    && attribute.ConstructorArguments.Length == 2
                    && attribute.ConstructorArguments[0].Value is int precision
                    && attribute.ConstructorArguments[1].Value is int scale)
                {
                    return (precision, scale);
                }
            }

            return null;
        }
    }
}
