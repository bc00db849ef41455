using System.Text.Json;

namespace KafkaTyped.Serialization;

/// <summary>The kinds of Avro schema: the primitive types, the complex types and unions.</summary>
internal enum AvroKind
{
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Record,
    Enum,
    Array,
    Map,
    Union,
    Fixed,
}

/// <summary>
/// One parsed Avro schema (<see cref="AvroSchemaParser"/>), as schema resolution needs it: its kind, the name of a named
/// type, a record's fields with their defaults, an enum's symbols and default, the items of an array or the values of a
/// map, a union's branches, a fixed's size and the <c>decimal</c> logical type's scale. A named type referred to again is
/// the same node, so a recursive schema is a graph.
/// </summary>
internal sealed class AvroSchemaNode
{
    // Whether every value's encoding is empty: 0 not known yet, 1 being worked out, 2 yes, 3 no.
    private int _emptyEncoding;

    private AvroSchemaNode(AvroKind kind) => Kind = kind;

    public AvroKind Kind { get; }

    /// <summary>A named type's full name (namespace and name); otherwise the kind's name.</summary>
    public string FullName { get; private set; } = "";

    /// <summary>A named type's name without its namespace; otherwise the kind's name.</summary>
    public string Name { get; private set; } = "";

    /// <summary>A named type's aliases, as full names (an alias without a dot is in the type's namespace).</summary>
    public string[] Aliases { get; private set; } = [];

    /// <summary>A record's fields, in encoding order.</summary>
    public AvroFieldNode[] Fields { get; private set; } = [];

    /// <summary>An enum's symbols, in index order.</summary>
    public string[] Symbols { get; private set; } = [];

    /// <summary>An enum's default symbol, or <see langword="null"/>.</summary>
    public string? EnumDefault { get; private set; }

    /// <summary>An array's items or a map's values.</summary>
    public AvroSchemaNode? Items { get; private set; }

    /// <summary>A union's branches.</summary>
    public AvroSchemaNode[] Branches { get; private set; } = [];

    /// <summary>A fixed's size in bytes.</summary>
    public int Size { get; private set; }

    /// <summary>The scale of a <c>decimal</c> logical type, or <see langword="null"/> for any other schema.</summary>
    public int? DecimalScale { get; private set; }

    /// <summary>
    /// Whether every value of this schema encodes to no bytes (<c>null</c>, a fixed of size 0, a record of such fields), so
    /// skipping an array of them needs no loop over a count the body cannot bound.
    /// </summary>
    public bool HasEmptyEncoding
    {
        get
        {
            if (_emptyEncoding == 0 && Kind != AvroKind.Record)
            {
                _emptyEncoding = Kind == AvroKind.Null || (Kind == AvroKind.Fixed && Size == 0) ? 2 : 3;
            }
            else if (_emptyEncoding == 0)
            {
                // A record that holds itself (through its fields only) is treated as not empty while it is worked out.
                _emptyEncoding = 1;
                _emptyEncoding = Fields.All(f => f.Type.HasEmptyEncoding) ? 2 : 3;
            }

            return _emptyEncoding == 2;
        }
    }

    /// <summary>How the schema is named in an error: a named type's full name, or the kind.</summary>
    public string Describe() => Kind switch
    {
        AvroKind.Record => "record " + FullName,
        AvroKind.Enum => "enum " + FullName,
        AvroKind.Fixed => "fixed " + FullName,
        AvroKind.Array => "array of " + Items!.Describe(),
        AvroKind.Map => "map of " + Items!.Describe(),
        AvroKind.Union => "union [" + string.Join(", ", Branches.Select(b => b.Describe())) + "]",
        _ => KindName(Kind),
    };

    public static string KindName(AvroKind kind) => kind switch
    {
        AvroKind.Null => "null",
        AvroKind.Boolean => "boolean",
        AvroKind.Int => "int",
        AvroKind.Long => "long",
        AvroKind.Float => "float",
        AvroKind.Double => "double",
        AvroKind.Bytes => "bytes",
        AvroKind.String => "string",
        AvroKind.Record => "record",
        AvroKind.Enum => "enum",
        AvroKind.Array => "array",
        AvroKind.Map => "map",
        AvroKind.Union => "union",
        _ => "fixed",
    };

    public static AvroSchemaNode Primitive(AvroKind kind, int? decimalScale = null)
        => new(kind) { FullName = KindName(kind), Name = KindName(kind), DecimalScale = decimalScale };

    public static AvroSchemaNode Named(AvroKind kind, string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return new(kind) { FullName = fullName, Name = dot < 0 ? fullName : fullName[(dot + 1)..] };
    }

    public static AvroSchemaNode Collection(AvroKind kind, AvroSchemaNode items)
        => new(kind) { FullName = KindName(kind), Name = KindName(kind), Items = items };

    public static AvroSchemaNode Union(AvroSchemaNode[] branches)
        => new(AvroKind.Union) { FullName = "union", Name = "union", Branches = branches };

    /// <summary>Sets a named type's aliases, as full names.</summary>
    public void SetAliases(string[] aliases) => Aliases = aliases;

    /// <summary>
    /// Whether a reader's named type of this schema reads the writer's <paramref name="writer"/> by name: the same name
    /// (unqualified, as the specification matches names) or the writer's full name among this type's aliases.
    /// </summary>
    public bool IsNamedAs(AvroSchemaNode writer) => Name == writer.Name || Array.IndexOf(Aliases, writer.FullName) >= 0;

    /// <summary>Completes a record once its fields are parsed (it is registered first, so its fields may refer to it).</summary>
    public void SetFields(AvroFieldNode[] fields) => Fields = fields;

    public void SetEnum(string[] symbols, string? defaultSymbol)
    {
        Symbols = symbols;
        EnumDefault = defaultSymbol;
    }

    public void SetFixed(int size, int? decimalScale)
    {
        Size = size;
        DecimalScale = decimalScale;
    }
}

/// <summary>A record field: its name, its schema, its default (a JSON value), if it declares one, and its aliases.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Type">The field's schema.</param>
/// <param name="Default">The default, or <see langword="null"/> when the field declares none.</param>
/// <param name="Aliases">The field's aliases: earlier names a reader matches a writer's field by.</param>
internal sealed record AvroFieldNode(string Name, AvroSchemaNode Type, JsonElement? Default, string[] Aliases)
{
    public AvroFieldNode(string name, AvroSchemaNode type, JsonElement? @default)
        : this(name, type, @default, [])
    {
    }
}
