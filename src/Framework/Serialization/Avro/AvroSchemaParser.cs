using System.Text.Json;

namespace KafkaTyped.Serialization;

/// <summary>
/// Parses Avro schema JSON (a primitive name, a named type's reference, a union array or a schema object) into
/// <see cref="AvroSchemaNode"/>s with <see cref="JsonDocument"/>: no reflection, so it runs under NativeAOT. Names are
/// resolved by the specification's namespace rules (a dotted name is full; otherwise the <c>namespace</c> attribute, else
/// the enclosing named type's namespace); a named type is known from where it is defined, so a record may refer to
/// itself. An invalid schema fails with an <see cref="AvroSerializationException"/> that says what is wrong.
/// </summary>
internal sealed class AvroSchemaParser
{
    // Schema JSON from a registry nests three levels per record (the fields array, a field, its type); generous, but bounded.
    private const int MaxJsonDepth = 512;

    private readonly Dictionary<string, AvroSchemaNode> _named = new(StringComparer.Ordinal);

    private AvroSchemaParser()
    {
    }

    /// <summary>Parses <paramref name="json"/>.</summary>
    /// <exception cref="AvroSerializationException">The text is not JSON or not a valid Avro schema.</exception>
    public static AvroSchemaNode Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            throw Invalid($"it is not JSON ({ex.Message})");
        }

        using (document)
        {
            var parser = new AvroSchemaParser();
            var root = parser.ParseSchema(document.RootElement, enclosingNamespace: "");

            // Worked out now, while one thread holds the nodes, so that reading them later is a plain field read.
            foreach (var named in parser._named.Values)
            {
                _ = named.HasEmptyEncoding;
            }

            return root;
        }
    }

    private AvroSchemaNode ParseSchema(JsonElement schema, string enclosingNamespace) => schema.ValueKind switch
    {
        JsonValueKind.String => ParseName(schema.GetString()!, enclosingNamespace),
        JsonValueKind.Array => ParseUnion(schema, enclosingNamespace),
        JsonValueKind.Object => ParseObject(schema, enclosingNamespace),
        _ => throw Invalid($"{schema.GetRawText()} is not a schema (a type name, a union array or a schema object)"),
    };

    private AvroSchemaNode ParseName(string name, string enclosingNamespace)
    {
        if (PrimitiveKind(name) is { } kind)
        {
            return AvroSchemaNode.Primitive(kind);
        }

        var fullName = name.Contains('.', StringComparison.Ordinal) || enclosingNamespace.Length == 0 ? name : enclosingNamespace + "." + name;
        return _named.TryGetValue(fullName, out var named) || _named.TryGetValue(name, out named)
            ? named
            : throw Invalid($"it refers to the type '{name}', which is neither a primitive type nor a named type defined before");
    }

    private AvroSchemaNode ParseUnion(JsonElement union, string enclosingNamespace)
    {
        var branches = new List<AvroSchemaNode>();
        foreach (var element in union.EnumerateArray())
        {
            var branch = ParseSchema(element, enclosingNamespace);
            if (branch.Kind == AvroKind.Union)
            {
                throw Invalid("a union holds a union, which Avro does not allow");
            }

            if (branches.Exists(b => b.Kind == branch.Kind && b.FullName == branch.FullName))
            {
                throw Invalid($"a union holds {branch.Describe()} twice");
            }

            branches.Add(branch);
        }

        return AvroSchemaNode.Union([.. branches]);
    }

    private AvroSchemaNode ParseObject(JsonElement schema, string enclosingNamespace)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            throw Invalid($"the schema object {Excerpt(schema)} has no \"type\"");
        }

        if (type.ValueKind != JsonValueKind.String)
        {
            // {"type": {...}} or {"type": [...]}: the attribute holds the schema itself.
            return ParseSchema(type, enclosingNamespace);
        }

        var typeName = type.GetString()!;
        switch (typeName)
        {
            case "record" or "error":
                return ParseRecord(schema, enclosingNamespace);
            case "enum":
                return ParseEnum(schema, enclosingNamespace);
            case "fixed":
                return ParseFixed(schema, enclosingNamespace);
            case "array":
                return AvroSchemaNode.Collection(AvroKind.Array, ParseSchema(Required(schema, "items", "an array"), enclosingNamespace));
            case "map":
                return AvroSchemaNode.Collection(AvroKind.Map, ParseSchema(Required(schema, "values", "a map"), enclosingNamespace));
            default:
                if (PrimitiveKind(typeName) is not { } kind)
                {
                    return ParseName(typeName, enclosingNamespace);
                }

                return AvroSchemaNode.Primitive(kind, kind == AvroKind.Bytes ? DecimalScale(schema) : null);
        }
    }

    private AvroSchemaNode ParseRecord(JsonElement schema, string enclosingNamespace)
    {
        var record = Define(AvroKind.Record, schema, enclosingNamespace, out var ns);
        var fieldsElement = Required(schema, "fields", "a record");
        if (fieldsElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"the fields of record {record.FullName} are not an array");
        }

        var fields = new List<AvroFieldNode>();
        foreach (var field in fieldsElement.EnumerateArray())
        {
            if (field.ValueKind != JsonValueKind.Object || !field.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"a field of record {record.FullName} has no name");
            }

            var fieldName = name.GetString()!;
            if (fields.Exists(f => f.Name == fieldName))
            {
                throw Invalid($"record {record.FullName} has two fields named '{fieldName}'");
            }

            if (!field.TryGetProperty("type", out var fieldType))
            {
                throw Invalid($"the field '{fieldName}' of record {record.FullName} has no type");
            }

            var fieldSchema = ParseSchema(fieldType, ns);
            JsonElement? defaultValue = field.TryGetProperty("default", out var d) ? d.Clone() : null;
            fields.Add(new AvroFieldNode(fieldName, fieldSchema, defaultValue, Names(field, $"the field '{fieldName}' of record {record.FullName}")));
        }

        record.SetFields([.. fields]);
        return record;
    }

    private AvroSchemaNode ParseEnum(JsonElement schema, string enclosingNamespace)
    {
        var node = Define(AvroKind.Enum, schema, enclosingNamespace, out _);
        var symbolsElement = Required(schema, "symbols", "an enum");
        if (symbolsElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"the symbols of enum {node.FullName} are not an array");
        }

        var symbols = new List<string>();
        foreach (var symbol in symbolsElement.EnumerateArray())
        {
            if (symbol.ValueKind != JsonValueKind.String || symbols.Contains(symbol.GetString()!))
            {
                throw Invalid($"enum {node.FullName} has a symbol {symbol.GetRawText()} that is not a string or occurs twice");
            }

            symbols.Add(symbol.GetString()!);
        }

        string? defaultSymbol = null;
        if (schema.TryGetProperty("default", out var d))
        {
            defaultSymbol = d.ValueKind == JsonValueKind.String && symbols.Contains(d.GetString()!)
                ? d.GetString()
                : throw Invalid($"the default {d.GetRawText()} of enum {node.FullName} is not one of its symbols");
        }

        node.SetEnum([.. symbols], defaultSymbol);
        return node;
    }

    private AvroSchemaNode ParseFixed(JsonElement schema, string enclosingNamespace)
    {
        var node = Define(AvroKind.Fixed, schema, enclosingNamespace, out _);
        var size = Required(schema, "size", "a fixed");
        if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out var bytes) || bytes < 0)
        {
            throw Invalid($"the size of fixed {node.FullName} is not a non-negative int");
        }

        node.SetFixed(bytes, DecimalScale(schema));
        return node;
    }

    private AvroSchemaNode Define(AvroKind kind, JsonElement schema, string enclosingNamespace, out string ns)
    {
        if (!schema.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String || nameElement.GetString()!.Length == 0)
        {
            throw Invalid($"a {AvroSchemaNode.KindName(kind)} has no name");
        }

        var name = nameElement.GetString()!;
        string fullName;
        if (name.Contains('.', StringComparison.Ordinal))
        {
            fullName = name;
            ns = name[..name.LastIndexOf('.')];
        }
        else
        {
            ns = schema.TryGetProperty("namespace", out var nsElement) && nsElement.ValueKind == JsonValueKind.String ? nsElement.GetString()! : enclosingNamespace;
            fullName = ns.Length == 0 ? name : ns + "." + name;
        }

        var node = AvroSchemaNode.Named(kind, fullName);
        var aliasNamespace = ns;
        node.SetAliases([.. Names(schema, $"{AvroSchemaNode.KindName(kind)} {fullName}").Select(alias => alias.Contains('.', StringComparison.Ordinal) || aliasNamespace.Length == 0 ? alias : aliasNamespace + "." + alias)]);
        return _named.TryAdd(fullName, node) ? node : throw Invalid($"it defines {fullName} twice");
    }

    /// <summary>The <c>aliases</c> of a field or named type: an array of strings, or none.</summary>
    private static string[] Names(JsonElement schema, string what)
    {
        if (!schema.TryGetProperty("aliases", out var aliases))
        {
            return [];
        }

        if (aliases.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"the aliases of {what} are not an array");
        }

        var names = new List<string>();
        foreach (var alias in aliases.EnumerateArray())
        {
            if (alias.ValueKind != JsonValueKind.String || alias.GetString()!.Length == 0)
            {
                throw Invalid($"{what} has an alias {Excerpt(alias)} that is not a name");
            }

            names.Add(alias.GetString()!);
        }

        return [.. names];
    }

    private static int? DecimalScale(JsonElement schema)
    {
        if (!schema.TryGetProperty("logicalType", out var logical) || logical.ValueKind != JsonValueKind.String || logical.GetString() != "decimal")
        {
            return null;
        }

        // A decimal without a scale has scale 0; an invalid one makes the logical type be ignored, as the specification says.
        if (!schema.TryGetProperty("scale", out var scale))
        {
            return 0;
        }

        return scale.ValueKind == JsonValueKind.Number && scale.TryGetInt32(out var value) && value >= 0 ? value : null;
    }

    private static JsonElement Required(JsonElement schema, string attribute, string what)
        => schema.TryGetProperty(attribute, out var value) ? value : throw Invalid($"{what} schema {Excerpt(schema)} has no \"{attribute}\"");

    private static AvroKind? PrimitiveKind(string name) => name switch
    {
        "null" => AvroKind.Null,
        "boolean" => AvroKind.Boolean,
        "int" => AvroKind.Int,
        "long" => AvroKind.Long,
        "float" => AvroKind.Float,
        "double" => AvroKind.Double,
        "bytes" => AvroKind.Bytes,
        "string" => AvroKind.String,
        _ => null,
    };

    private static string Excerpt(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 80 ? text : text[..80] + "...";
    }

    private static AvroSerializationException Invalid(string why) => new($"the schema is not a valid Avro schema: {why}");
}
