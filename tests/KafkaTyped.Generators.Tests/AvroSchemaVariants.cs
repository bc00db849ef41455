using System.Text.Json.Nodes;
using Avro;
using Avro.Generic;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// Random writer schemas a reader schema resolves from, and random values of a schema, for the resolution properties:
/// each record of the reader may have fields reordered, nullable fields dropped, fields of any kind added, numbers narrowed
/// to a type that promotes back (long to int, double to float, long or int; float to long or int), unions turned into
/// their value or reordered, enum symbols dropped or reordered; nested and recursive records alike.
/// </summary>
internal static class AvroSchemaVariants
{
    public static string Variant(string readerSchema, Random random)
    {
        var definitions = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var root = Mutate(JsonNode.Parse(readerSchema)!, random, definitions, "");
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        return Emit(root, definitions, emitted).ToJsonString();
    }

    /// <summary>A random datum of <paramref name="schema"/> as Apache.Avro's generic writer takes it.</summary>
    public static object? RandomDatum(Schema schema, Random random, int depth)
    {
        switch (schema)
        {
            case UnionSchema union:
                return RandomDatum(union.Schemas[random.Next(union.Count)], random, depth);
            case RecordSchema record:
                {
                    var datum = new GenericRecord(record);
                    foreach (var field in record.Fields)
                    {
                        datum.Add(field.Name, RandomDatum(field.Schema, random, depth + 1));
                    }

                    return datum;
                }

            case EnumSchema enumSchema:
                return new GenericEnum(enumSchema, enumSchema.Symbols[random.Next(enumSchema.Count)]);
            case ArraySchema array:
                return Enumerable.Range(0, depth > 4 ? 0 : random.Next(3)).Select(_ => RandomDatum(array.ItemSchema, random, depth + 1)).ToArray();
            case MapSchema map:
                return Enumerable.Range(0, depth > 4 ? 0 : random.Next(3)).ToDictionary(i => Text(random) + i, _ => RandomDatum(map.ValueSchema, random, depth + 1));
            default:
                return schema.Tag switch
                {
                    Schema.Type.Null => null,
                    Schema.Type.Boolean => random.Next(2) == 0,
                    Schema.Type.Int => random.Next(4) == 0 ? random.Next(-3, 3) : random.Next(int.MinValue, int.MaxValue),
                    Schema.Type.Long => random.Next(4) == 0 ? random.Next(-3, 3) : random.NextInt64(long.MinValue, long.MaxValue),
                    Schema.Type.Float => random.Next(8) == 0 ? float.PositiveInfinity : (random.NextSingle() - 0.5f) * 1e6f,
                    Schema.Type.Double => random.Next(8) == 0 ? double.NegativeInfinity : (random.NextDouble() - 0.5) * 1e12,
                    Schema.Type.String => Text(random),
                    Schema.Type.Bytes => Enumerable.Range(0, random.Next(4)).Select(_ => (byte)random.Next(256)).ToArray(),
                    var other => throw new InvalidOperationException(other.ToString()),
                };
        }
    }

    private static string Text(Random random)
        => new([.. Enumerable.Range(0, random.Next(5)).Select(_ => "abcxyzé日"[random.Next(8)])]);

    // Every named type becomes a reference to its (mutated) definition; Emit writes each definition where it is first used.
    private static JsonNode Mutate(JsonNode schema, Random random, Dictionary<string, JsonObject> definitions, string enclosingNamespace)
    {
        switch (schema)
        {
            case JsonValue value:
                return JsonValue.Create(MutatePrimitive(value.GetValue<string>(), random));
            case JsonArray union:
                {
                    var branches = union.Select(b => Mutate(b!, random, definitions, enclosingNamespace)).ToList();
                    switch (random.Next(4))
                    {
                        case 0 when branches.Count == 2:
                            return branches.Single(b => b is not JsonValue v || v.GetValue<string>() != "null");
                        case 1:
                            branches.Reverse();
                            break;
                    }

                    return new JsonArray([.. branches]);
                }

            default:
                {
                    var obj = (JsonObject)schema;
                    var type = obj["type"]!.GetValue<string>();
                    switch (type)
                    {
                        case "array":
                            return new JsonObject { ["type"] = "array", ["items"] = Mutate(obj["items"]!, random, definitions, enclosingNamespace) };
                        case "map":
                            return new JsonObject { ["type"] = "map", ["values"] = Mutate(obj["values"]!, random, definitions, enclosingNamespace) };
                        case "record" or "enum":
                            {
                                var ns = obj["namespace"]?.GetValue<string>() ?? enclosingNamespace;
                                var fullName = ns.Length == 0 ? obj["name"]!.GetValue<string>() : ns + "." + obj["name"]!.GetValue<string>();
                                var definition = new JsonObject { ["type"] = type, ["name"] = obj["name"]!.GetValue<string>(), ["namespace"] = ns };
                                definitions[fullName] = definition;
                                if (type == "enum")
                                {
                                    var symbols = obj["symbols"]!.AsArray().Select(s => s!.GetValue<string>()).Where(_ => random.Next(4) != 0).OrderBy(_ => random.Next()).ToList();
                                    definition["symbols"] = new JsonArray([.. (symbols.Count == 0 ? [obj["symbols"]![0]!.GetValue<string>()] : symbols).Select(s => JsonValue.Create(s))]);
                                }
                                else
                                {
                                    definition["fields"] = new JsonArray([.. MutateFields(obj["fields"]!.AsArray(), random, definitions, ns, fullName)]);
                                }

                                return JsonValue.Create(fullName);
                            }

                        default:
                            // A primitive written as an object (a logical type): kept as it is.
                            return obj.DeepClone();
                    }
                }
        }
    }

    private static List<JsonNode> MutateFields(JsonArray fields, Random random, Dictionary<string, JsonObject> definitions, string ns, string recordName)
    {
        var result = new List<JsonNode>();
        foreach (var field in fields.Cast<JsonObject>())
        {
            var nullable = field.ContainsKey("default");
            if (nullable && random.Next(5) == 0)
            {
                continue;
            }

            var type = Mutate(field["type"]!, random, definitions, ns);
            var mutated = new JsonObject { ["name"] = field["name"]!.GetValue<string>(), ["type"] = type };
            if (type is JsonArray branches && branches[0] is JsonValue first && first.GetValue<string>() == "null")
            {
                mutated["default"] = null;
            }

            result.Add(mutated);
        }

        for (var extra = random.Next(3); extra > 0; extra--)
        {
            var name = "extra" + result.Count + "_" + random.Next(1000);
            JsonNode type = random.Next(6) switch
            {
                0 => "int",
                1 => "string",
                2 => new JsonArray("null", "long"),
                3 => new JsonObject { ["type"] = "array", ["items"] = "double" },
                4 => new JsonObject { ["type"] = "map", ["values"] = "boolean" },
                _ => new JsonObject { ["type"] = "record", ["name"] = recordName.Replace('.', '_') + "_" + name, ["fields"] = new JsonArray(new JsonObject { ["name"] = "x", ["type"] = "int" }) },
            };
            result.Insert(random.Next(result.Count + 1), new JsonObject { ["name"] = name, ["type"] = type });
        }

        return [.. result.OrderBy(_ => random.Next(3))];
    }

    private static string MutatePrimitive(string name, Random random) => name switch
    {
        "long" => random.Next(2) == 0 ? "int" : "long",
        "double" => new[] { "double", "float", "long", "int" }[random.Next(4)],
        "float" => new[] { "float", "long", "int" }[random.Next(3)],
        _ => name,
    };

    private static JsonNode Emit(JsonNode node, Dictionary<string, JsonObject> definitions, HashSet<string> emitted)
    {
        switch (node)
        {
            case JsonValue value when definitions.TryGetValue(value.GetValue<string>(), out var definition):
                if (!emitted.Add(value.GetValue<string>()))
                {
                    return JsonValue.Create(value.GetValue<string>());
                }

                var copy = new JsonObject();
                foreach (var (key, child) in definition)
                {
                    copy[key] = key == "fields"
                        ? new JsonArray([.. child!.AsArray().Cast<JsonObject>().Select(f => EmitField(f, definitions, emitted))])
                        : child!.DeepClone();
                }

                return copy;
            case JsonArray union:
                return new JsonArray([.. union.Select(b => Emit(b!, definitions, emitted))]);
            case JsonObject { } obj when obj["type"]!.GetValue<string>() is "array" or "map":
                {
                    var key = obj.ContainsKey("items") ? "items" : "values";
                    return new JsonObject { ["type"] = obj["type"]!.DeepClone(), [key] = Emit(obj[key]!, definitions, emitted) };
                }

            default:
                return node.DeepClone();
        }
    }

    private static JsonObject EmitField(JsonObject field, Dictionary<string, JsonObject> definitions, HashSet<string> emitted)
    {
        var copy = new JsonObject { ["name"] = field["name"]!.DeepClone(), ["type"] = Emit(field["type"]!, definitions, emitted) };
        if (field.ContainsKey("default"))
        {
            copy["default"] = null;
        }

        return copy;
    }
}
