using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using KafkaTyped.Shared;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Analyzers;

/// <summary>
/// The Avro schema of a message or data type, computed from its symbols: the same text the generator emits and
/// <c>KafkaSerializer.AvroSchema&lt;T&gt;()</c> returns (docs/avro.md, "Mapping"), so the schema lock records what
/// producers register. The generator writes the schema as fragments that the runtime's <c>AvroSchemaBuilder</c> joins
/// (a record or enum is defined where first used and named afterwards); this class writes the joined text in one go.
/// </summary>
/// <remarks>
/// The mapping mirrors <c>src/Generators/KafkaTypedGenerator.Emitter.Avro.cs</c> (<c>AvroSchemaOf</c>) and the
/// generator's <c>ShapeOf</c>; field names, aliases and decimal precision come from the file both compile,
/// <c>src/Shared/AvroMemberAttributes.cs</c>. A test compares this text with
/// <c>KafkaSerializer.AvroSchema&lt;T&gt;()</c> of a compiled type that uses every member type: change both together.
/// </remarks>
internal sealed class AvroSchemaText
{
    private readonly KnownTypeSymbols _known;
    private readonly CancellationToken _cancellationToken;
    private readonly StringBuilder _json = new();
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
    private bool _unsupported;

    private AvroSchemaText(KnownTypeSymbols known, CancellationToken cancellationToken)
    {
        _known = known;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The schema of <paramref name="type"/>, or <see langword="null"/> when a member type cannot be serialized (the generator reports it).</summary>
    public static string? Of(INamedTypeSymbol type, KnownTypeSymbols known, CancellationToken cancellationToken = default)
    {
        var writer = new AvroSchemaText(known, cancellationToken);
        writer.Record(type);
        return writer._unsupported ? null : writer._json.ToString();
    }

    /// <summary>The Avro field name of a member: its C# name in camelCase, as the generator writes it.</summary>
    public static string FieldName(string name) => AvroMemberAttributes.CamelCase(name);

    private void Record(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace ? containingNamespace.ToDisplayString() : string.Empty;
        var containing = new List<string>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, outer.Name);
        }

        var avroNamespace = string.Join(".", new[] { ns }.Concat(containing).Where(s => s.Length > 0));
        var fullName = avroNamespace.Length == 0 ? type.Name : avroNamespace + "." + type.Name;
        if (!Define(fullName))
        {
            return;
        }

        _json.Append("{\"type\":\"record\",\"name\":\"").Append(type.Name).Append('"');
        if (avroNamespace.Length > 0)
        {
            _json.Append(",\"namespace\":\"").Append(avroNamespace).Append('"');
        }

        _json.Append(Aliases(AvroMemberAttributes.AliasesOf(null, type)));
        _json.Append(",\"fields\":[");
        var first = true;
        foreach (var member in WireMembers.Select(type, WireMembers.FindPrimaryConstructor(type, _cancellationToken), _cancellationToken))
        {
            var memberType = WireMembers.TypeOf(member);
            if (!IsSupported(memberType))
            {
                // The generator reports the member (KT0003) and leaves it out; the analyzers check nothing then.
                _unsupported = true;
                continue;
            }

            var (precision, scale) = AvroMemberAttributes.DecimalOf(type, member);
            _json.Append(first ? string.Empty : ",").Append("{\"name\":\"").Append(FieldName(member.Name)).Append('"').Append(Aliases(AvroMemberAttributes.AliasesOf(type, member))).Append(",\"type\":");
            first = false;
            var union = Schema(memberType, precision, scale);
            _json.Append(union ? ",\"default\":null}" : DefaultOf(type, member, memberType) is { } json ? ",\"default\":" + json + "}" : "}");
        }

        _json.Append("]}");
    }

    /// <summary>Writes the schema of <paramref name="type"/>; true when it is a <c>["null", T]</c> union (which defaults to null).</summary>
    private bool Schema(ITypeSymbol type, int precision, int scale)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (IsUnion(type))
        {
            _json.Append("[\"null\",");
            NonNull(type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : type, precision, scale);
            _json.Append(']');
            return true;
        }

        NonNull(type, precision, scale);
        return false;
    }

    private bool IsUnion(ITypeSymbol type)
        => (type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.NotAnnotated)
           || type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T }
           || KnownTypeSymbols.IsConstructedFrom(type, _known.ImmutableArrayOfT);

    private void NonNull(ITypeSymbol type, int precision, int scale)
    {
        var primitive = type.SpecialType switch
        {
            SpecialType.System_Boolean => "\"boolean\"",
            SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_Char => "\"int\"",
            SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
                or SpecialType.System_IntPtr or SpecialType.System_UIntPtr => "\"long\"",
            SpecialType.System_Single => "\"float\"",
            SpecialType.System_Double => "\"double\"",
            SpecialType.System_String => "\"string\"",
            SpecialType.System_DateTime => "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}",
            SpecialType.System_Decimal => "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":" + precision.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + ",\"scale\":" + scale.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}",
            _ => null,
        };
        if (primitive is not null)
        {
            _json.Append(primitive);
            return;
        }

        if (type is IArrayTypeSymbol array)
        {
            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                _json.Append("\"bytes\"");
                return;
            }

            _json.Append("{\"type\":\"array\",\"items\":");
            Schema(array.ElementType, precision, scale);
            _json.Append('}');
            return;
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            Enum((INamedTypeSymbol)type);
            return;
        }

        var named = (INamedTypeSymbol)type;
        var scalar = named switch
        {
            _ when KnownTypeSymbols.Is(named, _known.Guid) => "{\"type\":\"string\",\"logicalType\":\"uuid\"}",
            _ when KnownTypeSymbols.Is(named, _known.DateTimeOffset) => "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}",
            _ when KnownTypeSymbols.Is(named, _known.TimeSpan) => "\"long\"",
            _ when KnownTypeSymbols.Is(named, _known.DateOnly) => "{\"type\":\"int\",\"logicalType\":\"date\"}",
            _ when KnownTypeSymbols.Is(named, _known.TimeOnly) => "{\"type\":\"long\",\"logicalType\":\"time-micros\"}",
            _ => null,
        };
        if (scalar is not null)
        {
            _json.Append(scalar);
            return;
        }

        if (IsDictionary(named))
        {
            _json.Append("{\"type\":\"map\",\"values\":");
            Schema(named.TypeArguments[1], precision, scale);
            _json.Append('}');
            return;
        }

        if (IsList(named))
        {
            _json.Append("{\"type\":\"array\",\"items\":");
            Schema(named.TypeArguments[0], precision, scale);
            _json.Append('}');
            return;
        }

        Record(named);
    }

    private void Enum(INamedTypeSymbol type)
    {
        var fullName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty);
        if (!Define(fullName))
        {
            return;
        }

        var dot = fullName.LastIndexOf('.');
        _json.Append("{\"type\":\"enum\",\"name\":\"").Append(dot < 0 ? fullName : fullName.Substring(dot + 1)).Append('"');
        if (dot > 0)
        {
            _json.Append(",\"namespace\":\"").Append(fullName.Substring(0, dot)).Append('"');
        }

        // The members with distinct values, the first declared of each, in declaration order.
        var seen = new HashSet<object>();
        var symbols = type.GetMembers().OfType<IFieldSymbol>()
            .Where(f => f.HasConstantValue && f.ConstantValue is { } constant && seen.Add(constant))
            .Select(f => "\"" + f.Name + "\"");
        _json.Append(Aliases(AvroMemberAttributes.AliasesOf(null, type)));
        _json.Append(",\"symbols\":[").Append(string.Join(",", symbols)).Append("]}");
    }

    /// <summary>Starts the definition of a named type: true the first time; afterwards its quoted full name is written.</summary>
    private bool Define(string fullName)
    {
        if (_defined.Add(fullName))
        {
            return true;
        }

        _json.Append('"').Append(fullName).Append('"');
        return false;
    }

    private bool IsList(INamedTypeSymbol type)
        => KnownTypeSymbols.IsConstructedFrom(type, _known.ListOfT)
           || KnownTypeSymbols.IsConstructedFrom(type, _known.ReadOnlyListOfT)
           || KnownTypeSymbols.IsConstructedFrom(type, _known.ImmutableArrayOfT);

    private bool IsDictionary(INamedTypeSymbol type)
        => KnownTypeSymbols.IsConstructedFrom(type, _known.DictionaryOfTKeyTValue)
           || KnownTypeSymbols.IsConstructedFrom(type, _known.ReadOnlyDictionaryOfTKeyTValue);

    /// <summary>Whether the generator can serialize <paramref name="type"/> (its <c>ShapeOf</c> is not null).</summary>
    private bool IsSupported(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16
                or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64
                or SpecialType.System_UInt64 or SpecialType.System_Char or SpecialType.System_Single or SpecialType.System_Double
                or SpecialType.System_IntPtr or SpecialType.System_UIntPtr or SpecialType.System_String or SpecialType.System_Decimal
                or SpecialType.System_DateTime:
                return true;
        }

        if (type is IArrayTypeSymbol array)
        {
            return array.Rank == 1 && (array.ElementType.SpecialType == SpecialType.System_Byte || IsSupported(array.ElementType));
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return true;
        }

        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return IsSupported(named.TypeArguments[0]);
        }

        if (KnownTypeSymbols.Is(named, _known.Guid) || KnownTypeSymbols.Is(named, _known.DateTimeOffset) || KnownTypeSymbols.Is(named, _known.TimeSpan)
            || KnownTypeSymbols.Is(named, _known.DateOnly) || KnownTypeSymbols.Is(named, _known.TimeOnly))
        {
            return true;
        }

        if (named.IsGenericType)
        {
            if (IsDictionary(named))
            {
                return named.TypeArguments[0].SpecialType == SpecialType.System_String && IsSupported(named.TypeArguments[1]);
            }

            return IsList(named) && IsSupported(named.TypeArguments[0]);
        }

        return _known.IsDataAttributed(named) || _known.ImplementsDataContract(named);
    }

    private static string Aliases(List<string> aliases)
        => aliases.Count == 0 ? string.Empty : ",\"aliases\":[" + string.Join(",", aliases.Select(JsonString)) + "]";

    /// <summary>
    /// The JSON of an <c>[AvroDefault]</c> on a member that is not a union (for a positional parameter, also on the property
    /// made of it), as the generator writes it; <see langword="null"/> without one or when it is not a value of the
    /// member's type (the generator reports KT0009 and writes none).
    /// </summary>
    private static string? DefaultOf(INamedTypeSymbol type, ISymbol member, ITypeSymbol memberType)
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

        if (found is not { } value || value.IsNull || value.Kind == TypedConstantKind.Array)
        {
            return null;
        }

        var constant = value.Value;
        var isEnumConstant = value.Kind == TypedConstantKind.Enum;
        switch (memberType.SpecialType)
        {
            case SpecialType.System_Boolean:
                return constant is bool b ? (b ? "true" : "false") : null;
            case SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_Char or SpecialType.System_UInt32 or SpecialType.System_Int64
                or SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr:
                return !isEnumConstant && Integral(constant) is { } integral && Fits(integral, memberType.SpecialType)
                    ? integral.ToString(CultureInfo.InvariantCulture)
                    : null;
            case SpecialType.System_Single or SpecialType.System_Double:
                {
                    if (isEnumConstant)
                    {
                        return null;
                    }

                    double? d = constant switch
                    {
                        float f => f,
                        double x => x,
                        _ => Integral(constant),
                    };
                    return d is { } number && !double.IsNaN(number) && !double.IsInfinity(number)
                        ? (memberType.SpecialType == SpecialType.System_Single ? ((float)number).ToString("R", CultureInfo.InvariantCulture) : number.ToString("R", CultureInfo.InvariantCulture))
                        : null;
                }

            case SpecialType.System_String:
                return constant is string text ? JsonString(text) : null;
        }

        if (memberType.TypeKind != TypeKind.Enum)
        {
            return null;
        }

        // The schema's symbols: the members with distinct values, the first declared of each.
        var seen = new HashSet<object>();
        var symbols = memberType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue && f.ConstantValue is { } c && seen.Add(c)).ToList();
        if (constant is string symbolName)
        {
            return symbols.Any(f => f.Name == symbolName) ? JsonString(symbolName) : null;
        }

        if (!isEnumConstant || !SymbolEqualityComparer.Default.Equals(value.Type, memberType))
        {
            return null;
        }

        var named = symbols.FirstOrDefault(f => Equals(f.ConstantValue, constant));
        return named is null ? null : JsonString(named.Name);

        static TypedConstant? Find(ImmutableArray<AttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass is { Name: "AvroDefaultAttribute" } attributeClass
                    && attributeClass.ToDisplayString() == "KafkaTyped.AvroDefaultAttribute"
                    && attribute.ConstructorArguments.Length == 1)
                {
                    return attribute.ConstructorArguments[0];
                }
            }

            return null;
        }

        static long? Integral(object? constant) => constant switch
        {
            byte x => x,
            sbyte x => x,
            short x => x,
            ushort x => x,
            int x => x,
            uint x => x,
            long x => x,
            ulong x when x <= long.MaxValue => (long)x,
            char x => x,
            _ => null,
        };

        static bool Fits(long value, SpecialType type) => type switch
        {
            SpecialType.System_Byte => value is >= byte.MinValue and <= byte.MaxValue,
            SpecialType.System_SByte => value is >= sbyte.MinValue and <= sbyte.MaxValue,
            SpecialType.System_Int16 => value is >= short.MinValue and <= short.MaxValue,
            SpecialType.System_UInt16 or SpecialType.System_Char => value is >= ushort.MinValue and <= ushort.MaxValue,
            SpecialType.System_Int32 => value is >= int.MinValue and <= int.MaxValue,
            SpecialType.System_UInt32 => value is >= uint.MinValue and <= uint.MaxValue,
            SpecialType.System_UInt64 or SpecialType.System_UIntPtr => value >= 0,
            _ => true,
        };
    }

    /// <summary>A JSON string literal of <paramref name="text"/>, escaped as the generator writes it.</summary>
    private static string JsonString(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                default:
                    if (c < 0x20 || c == 0x7F || char.IsSurrogate(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
