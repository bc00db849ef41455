using System.Globalization;
using System.Text;

namespace KafkaTyped.Analyzers;

/// <summary>One reason a reader schema cannot read what a writer schema wrote.</summary>
/// <param name="Path">Where: the field path from the message's record (<c>fee.amount</c>, <c>lines[].price</c>, <c>prices{}</c>), empty for the record itself.</param>
/// <param name="Rule">What breaks, in words.</param>
internal readonly record struct AvroIncompatibility(string Path, string Rule)
{
    /// <summary>The first field of <see cref="Path"/>: the message member to report on.</summary>
    public string TopField
    {
        get
        {
            var end = Path.IndexOfAny(new[] { '.', '[', '{' });
            return end < 0 ? Path : Path.Substring(0, end);
        }
    }
}

/// <summary>
/// Avro schema resolution (the specification's "Schema Resolution") as a check: can a reader with one schema read
/// every record written with another? Fields are matched by name (or a reader field's alias); a reader field the
/// writer lacks needs a default; a writer field the reader lacks is skipped; primitives must be equal or promotable
/// (int to long, float or double; long to float or double; float to double; string to bytes and back); named types
/// must keep their full name (or list the writer's as an alias); an enum must have every writer symbol (or a default
/// symbol); a union must be able to hold every branch the writer can write. Logical types must be equal (a decimal
/// also in precision and scale): Avro would read the underlying type, but a <c>uuid</c> read as a plain string or a
/// scale read differently is a different value.
/// </summary>
internal static class AvroCompatibility
{
    /// <summary>The reasons <paramref name="reader"/> cannot read what <paramref name="writer"/> wrote; empty when it can.</summary>
    /// <param name="reader">The reader's schema JSON.</param>
    /// <param name="writer">The writer's schema JSON.</param>
    /// <param name="writerName">How messages name the writer (<c>the locked schema</c>).</param>
    /// <exception cref="FormatException">A schema is not valid JSON or not an Avro schema.</exception>
    public static List<AvroIncompatibility> Check(string reader, string writer, string writerName)
    {
        var checker = new Checker(writerName);
        checker.Compare(AvroSchemaParser.Parse(reader), AvroSchemaParser.Parse(writer), string.Empty);
        return checker.Problems;
    }

    private sealed class Checker
    {
        private readonly string _writerName;
        /// <summary>At most this many problems are collected: a schema referring to one broken record from many paths ends.</summary>
        private const int MaxProblems = 100;

        private readonly HashSet<(AvroNode Reader, AvroNode Writer)> _comparing = new();
        private readonly HashSet<(AvroNode Reader, AvroNode Writer)> _compatible = new();

        public Checker(string writerName) => _writerName = writerName;

        public List<AvroIncompatibility> Problems { get; } = new();

        public void Compare(AvroNode reader, AvroNode writer, string path)
        {
            if (Problems.Count >= MaxProblems)
            {
                return;
            }

            if (writer is AvroUnion writerUnion)
            {
                foreach (var branch in writerUnion.Branches)
                {
                    var match = reader is AvroUnion readerUnion ? BestBranch(readerUnion, branch) : (Matches(reader, branch) || SameNamedKind(reader, branch) ? reader : null);
                    if (match is null)
                    {
                        Add(path, $"cannot hold {Describe(branch)}, which {_writerName} can write (a union branch was removed, or a nullable member made non-nullable)");
                    }
                    else
                    {
                        Compare(match, branch, path);
                    }
                }

                return;
            }

            if (reader is AvroUnion union)
            {
                var match = BestBranch(union, writer);
                if (match is null)
                {
                    Add(path, $"cannot hold {Describe(writer)}, which {_writerName} writes");
                }
                else
                {
                    Compare(match, writer, path);
                }

                return;
            }

            switch (reader, writer)
            {
                case (AvroPrimitive r, AvroPrimitive w):
                    ComparePrimitives(r, w, path);
                    break;
                case (AvroRecord r, AvroRecord w):
                    // A record already being compared further up is a recursive type: its fields are being checked there. A
                    // pair found compatible before is not walked again; a broken one is, to name each path that uses it.
                    if (!SameName(r, w, "record", path) || _compatible.Contains((r, w)) || !_comparing.Add((r, w)))
                    {
                        break;
                    }

                    var before = Problems.Count;

                    foreach (var field in r.Fields)
                    {
                        var fieldPath = path.Length == 0 ? field.Name : path + "." + field.Name;
                        var written = w.Fields.FirstOrDefault(f => f.Name == field.Name)
                            ?? w.Fields.FirstOrDefault(f => field.Aliases.Contains(f.Name));
                        if (written is null)
                        {
                            if (!field.HasDefault)
                            {
                                Add(fieldPath, $"is not in {_writerName}'s records and has no default (a field added without a default; a nullable member defaults to null)");
                            }
                        }
                        else
                        {
                            Compare(field.Type, written.Type, fieldPath);
                        }
                    }

                    _comparing.Remove((r, w));
                    if (Problems.Count == before)
                    {
                        _compatible.Add((r, w));
                    }

                    break;
                case (AvroEnum r, AvroEnum w):
                    if (SameName(r, w, "enum", path) && r.Default is null)
                    {
                        var removed = w.Symbols.Where(s => !r.Symbols.Contains(s)).ToList();
                        if (removed.Count > 0)
                        {
                            Add(path, $"enum '{r.FullName}' lost the symbol{(removed.Count == 1 ? string.Empty : "s")} {string.Join(", ", removed.Select(s => "'" + s + "'"))}, which {_writerName} can write, and has no default symbol");
                        }
                    }

                    break;
                case (AvroFixed r, AvroFixed w):
                    if (SameName(r, w, "fixed", path) && r.Size != w.Size)
                    {
                        Add(path, $"fixed '{r.FullName}' changed its size from {w.Size} to {r.Size}");
                    }

                    break;
                case (AvroArray r, AvroArray w):
                    Compare(r.Items, w.Items, path + "[]");
                    break;
                case (AvroMap r, AvroMap w):
                    Compare(r.Values, w.Values, path + "{}");
                    break;
                default:
                    Add(path, $"changed type from {Describe(writer)} to {Describe(reader)}");
                    break;
            }
        }

        private void ComparePrimitives(AvroPrimitive reader, AvroPrimitive writer, string path)
        {
            if (reader.LogicalType != writer.LogicalType)
            {
                Add(path, $"changed its logical type from {LogicalName(writer)} to {LogicalName(reader)} ({Describe(writer)} to {Describe(reader)})");
                return;
            }

            if (reader.LogicalType == "decimal" && (reader.Precision != writer.Precision || reader.Scale != writer.Scale))
            {
                Add(path, $"changed its decimal from precision {writer.Precision}, scale {writer.Scale} to precision {reader.Precision}, scale {reader.Scale} (the bytes are an unscaled integer: another scale reads another value)");
                return;
            }

            if (reader.Type != writer.Type && !IsPromotion(writer.Type, reader.Type))
            {
                Add(path, $"changed type from {Describe(writer)} to {Describe(reader)}, which is not a promotion Avro allows (int to long, float or double; long to float or double; float to double; string to bytes and back)");
            }
        }

        private bool SameName(AvroNamed reader, AvroNamed writer, string kind, string path)
        {
            if (reader.FullName == writer.FullName || reader.Aliases.Contains(writer.FullName))
            {
                return true;
            }

            Add(path, $"{kind} '{writer.FullName}' is now named '{reader.FullName}', with no alias for the old name");
            return false;
        }

        private void Add(string path, string rule)
        {
            var problem = new AvroIncompatibility(path, rule);
            if (!Problems.Contains(problem))
            {
                Problems.Add(problem);
            }
        }

        /// <summary>
        /// The reader branch a writer value resolves to: one of the same type first, else the first it promotes to. For a
        /// named type with no match, the one branch of the same kind when there is one, so the rename is what is reported.
        /// </summary>
        private static AvroNode? BestBranch(AvroUnion reader, AvroNode writer)
            => reader.Branches.FirstOrDefault(b => SameKind(b, writer))
               ?? reader.Branches.FirstOrDefault(b => Matches(b, writer))
               ?? (writer is AvroNamed && reader.Branches.Count(b => b.GetType() == writer.GetType()) == 1
                   ? reader.Branches.First(b => b.GetType() == writer.GetType())
                   : null);

        private static bool SameNamedKind(AvroNode reader, AvroNode writer) => reader is AvroNamed && reader.GetType() == writer.GetType();

        private static bool SameKind(AvroNode reader, AvroNode writer) => (reader, writer) switch
        {
            (AvroPrimitive r, AvroPrimitive w) => r.Type == w.Type,
            (AvroNamed r, AvroNamed w) => r.GetType() == w.GetType() && (r.FullName == w.FullName || r.Aliases.Contains(w.FullName)),
            (AvroArray, AvroArray) or (AvroMap, AvroMap) => true,
            _ => false,
        };

        /// <summary>Whether a union branch is chosen for the writer's value (the specification: same type, same name, or a promotion).</summary>
        private static bool Matches(AvroNode reader, AvroNode writer) => (reader, writer) switch
        {
            (AvroPrimitive r, AvroPrimitive w) => r.Type == w.Type || IsPromotion(w.Type, r.Type),
            (AvroNamed r, AvroNamed w) => r.GetType() == w.GetType() && SameNameUnqualified(r, w),
            (AvroArray, AvroArray) or (AvroMap, AvroMap) => true,
            _ => false,
        };

        private static bool SameNameUnqualified(AvroNamed reader, AvroNamed writer)
            => Simple(reader.FullName) == Simple(writer.FullName) || reader.Aliases.Contains(writer.FullName);

        private static string Simple(string fullName) => fullName.Substring(fullName.LastIndexOf('.') + 1);

        private static bool IsPromotion(string writer, string reader) => (writer, reader) switch
        {
            ("int", "long" or "float" or "double") => true,
            ("long", "float" or "double") => true,
            ("float", "double") => true,
            ("string", "bytes") or ("bytes", "string") => true,
            _ => false,
        };

        private static string LogicalName(AvroPrimitive primitive) => primitive.LogicalType is null ? "none" : "'" + primitive.LogicalType + "'";

        private static string Describe(AvroNode node) => node switch
        {
            AvroPrimitive { LogicalType: "decimal" } p => $"'{p.Type}' (decimal({p.Precision}, {p.Scale}))",
            AvroPrimitive { LogicalType: { } logical } p => $"'{p.Type}' ({logical})",
            AvroPrimitive p => "'" + p.Type + "'",
            AvroRecord r => $"record '{r.FullName}'",
            AvroEnum e => $"enum '{e.FullName}'",
            AvroFixed f => $"fixed '{f.FullName}'",
            AvroArray a => $"an array of {Describe(a.Items)}",
            AvroMap m => $"a map of {Describe(m.Values)}",
            AvroUnion u => "a union of " + string.Join(", ", u.Branches.Select(Describe)),
            _ => node.ToString() ?? string.Empty,
        };
    }
}

/// <summary>A parsed Avro schema.</summary>
internal abstract class AvroNode
{
}

internal sealed class AvroPrimitive : AvroNode
{
    public AvroPrimitive(string type, string? logicalType, int precision, int scale)
    {
        Type = type;
        LogicalType = logicalType;
        Precision = precision;
        Scale = scale;
    }

    /// <summary><c>null</c>, <c>boolean</c>, <c>int</c>, <c>long</c>, <c>float</c>, <c>double</c>, <c>bytes</c> or <c>string</c>.</summary>
    public string Type { get; }

    public string? LogicalType { get; }

    public int Precision { get; }

    public int Scale { get; }
}

internal abstract class AvroNamed : AvroNode
{
    protected AvroNamed(string fullName, IReadOnlyList<string> aliases)
    {
        FullName = fullName;
        Aliases = aliases;
    }

    public string FullName { get; }

    /// <summary>The aliases, as full names.</summary>
    public IReadOnlyList<string> Aliases { get; }
}

internal sealed class AvroRecord : AvroNamed
{
    public AvroRecord(string fullName, IReadOnlyList<string> aliases)
        : base(fullName, aliases)
    {
    }

    public List<AvroField> Fields { get; } = new();
}

internal sealed class AvroField
{
    public AvroField(string name, AvroNode type, bool hasDefault, IReadOnlyList<string> aliases)
    {
        Name = name;
        Type = type;
        HasDefault = hasDefault;
        Aliases = aliases;
    }

    public string Name { get; }

    public AvroNode Type { get; }

    public bool HasDefault { get; }

    public IReadOnlyList<string> Aliases { get; }
}

internal sealed class AvroEnum : AvroNamed
{
    public AvroEnum(string fullName, IReadOnlyList<string> aliases, IReadOnlyList<string> symbols, string? @default)
        : base(fullName, aliases)
    {
        Symbols = symbols;
        Default = @default;
    }

    public IReadOnlyList<string> Symbols { get; }

    public string? Default { get; }
}

internal sealed class AvroFixed : AvroNamed
{
    public AvroFixed(string fullName, IReadOnlyList<string> aliases, int size)
        : base(fullName, aliases) => Size = size;

    public int Size { get; }
}

internal sealed class AvroArray : AvroNode
{
    public AvroArray(AvroNode items) => Items = items;

    public AvroNode Items { get; }
}

internal sealed class AvroMap : AvroNode
{
    public AvroMap(AvroNode values) => Values = values;

    public AvroNode Values { get; }
}

internal sealed class AvroUnion : AvroNode
{
    public AvroUnion(IReadOnlyList<AvroNode> branches) => Branches = branches;

    public IReadOnlyList<AvroNode> Branches { get; }
}

/// <summary>
/// Reads an Avro schema from its JSON (the parts resolution needs: types, names, namespaces, aliases, fields and
/// whether they have a default, enum symbols and default, logical types with decimal precision and scale). Named
/// types are resolved by full name, also before their definition ends (a recursive record). Bounded: nesting deeper
/// than 64 levels is refused.
/// </summary>
internal static class AvroSchemaParser
{
    private const int MaxDepth = 64;

    private static readonly HashSet<string> s_primitives = new(StringComparer.Ordinal)
    {
        "null", "boolean", "int", "long", "float", "double", "bytes", "string",
    };

    /// <exception cref="FormatException">Not JSON, or not an Avro schema.</exception>
    public static AvroNode Parse(string json)
    {
        var value = new JsonReader(json).ReadDocument();
        return new SchemaReader().Read(value, string.Empty, 0);
    }

    private sealed class SchemaReader
    {
        private readonly Dictionary<string, AvroNamed> _named = new(StringComparer.Ordinal);

        public AvroNode Read(object? value, string enclosingNamespace, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new FormatException($"the schema nests more than {MaxDepth} levels");
            }

            switch (value)
            {
                case string name:
                    return s_primitives.Contains(name) ? new AvroPrimitive(name, null, 0, 0) : Resolve(name, enclosingNamespace);
                case List<object?> branches:
                    return new AvroUnion(branches.Select(b => Read(b, enclosingNamespace, depth + 1)).ToList());
                case Dictionary<string, object?> obj:
                    return ReadObject(obj, enclosingNamespace, depth);
                default:
                    throw new FormatException("a schema is a type name, an object or an array (a union)");
            }
        }

        private AvroNode ReadObject(Dictionary<string, object?> obj, string enclosingNamespace, int depth)
        {
            var type = obj.TryGetValue("type", out var t) ? t : throw new FormatException("a schema object has no 'type'");
            if (type is not string typeName)
            {
                // {"type": {...}} or {"type": [...]}: the nested schema.
                return Read(type, enclosingNamespace, depth + 1);
            }

            switch (typeName)
            {
                case "record" or "error":
                    {
                        var (fullName, ns) = FullName(obj, enclosingNamespace);
                        var record = new AvroRecord(fullName, Aliases(obj, ns));
                        Register(record);
                        foreach (var fieldValue in obj.TryGetValue("fields", out var f) && f is List<object?> fields ? fields : throw new FormatException($"record '{fullName}' has no 'fields'"))
                        {
                            if (fieldValue is not Dictionary<string, object?> field || !field.TryGetValue("name", out var n) || n is not string fieldName
                                || !field.TryGetValue("type", out var fieldType))
                            {
                                throw new FormatException($"a field of record '{fullName}' has no name or type");
                            }

                            var aliases = field.TryGetValue("aliases", out var a) && a is List<object?> list ? list.OfType<string>().ToList() : new List<string>();
                            record.Fields.Add(new AvroField(fieldName, Read(fieldType, ns, depth + 1), field.ContainsKey("default"), aliases));
                        }

                        return record;
                    }

                case "enum":
                    {
                        var (fullName, ns) = FullName(obj, enclosingNamespace);
                        var symbols = obj.TryGetValue("symbols", out var s) && s is List<object?> list ? list.OfType<string>().ToList() : throw new FormatException($"enum '{fullName}' has no 'symbols'");
                        var result = new AvroEnum(fullName, Aliases(obj, ns), symbols, obj.TryGetValue("default", out var d) ? d as string : null);
                        Register(result);
                        return result;
                    }

                case "fixed":
                    {
                        var (fullName, ns) = FullName(obj, enclosingNamespace);
                        var size = obj.TryGetValue("size", out var s) && s is double number ? (int)number : throw new FormatException($"fixed '{fullName}' has no 'size'");
                        var result = new AvroFixed(fullName, Aliases(obj, ns), size);
                        Register(result);
                        return result;
                    }

                case "array":
                    return new AvroArray(Read(obj.TryGetValue("items", out var items) ? items : throw new FormatException("an array has no 'items'"), enclosingNamespace, depth + 1));
                case "map":
                    return new AvroMap(Read(obj.TryGetValue("values", out var values) ? values : throw new FormatException("a map has no 'values'"), enclosingNamespace, depth + 1));
                default:
                    if (!s_primitives.Contains(typeName))
                    {
                        return Resolve(typeName, enclosingNamespace);
                    }

                    var logical = obj.TryGetValue("logicalType", out var l) ? l as string : null;
                    var precision = obj.TryGetValue("precision", out var p) && p is double pd ? (int)pd : 0;
                    var scale = obj.TryGetValue("scale", out var sc) && sc is double sd ? (int)sd : 0;
                    return new AvroPrimitive(typeName, logical, precision, scale);
            }
        }

        private void Register(AvroNamed named)
        {
            if (_named.ContainsKey(named.FullName))
            {
                throw new FormatException($"'{named.FullName}' is defined twice");
            }

            _named.Add(named.FullName, named);
        }

        private AvroNamed Resolve(string name, string enclosingNamespace)
        {
            if (name.IndexOf('.') < 0 && enclosingNamespace.Length > 0 && _named.TryGetValue(enclosingNamespace + "." + name, out var relative))
            {
                return relative;
            }

            return _named.TryGetValue(name, out var named) ? named : throw new FormatException($"'{name}' is not a type defined before it is used");
        }

        private static (string FullName, string Namespace) FullName(Dictionary<string, object?> obj, string enclosingNamespace)
        {
            var name = obj.TryGetValue("name", out var n) && n is string s && s.Length > 0 ? s : throw new FormatException("a named type has no 'name'");
            var dot = name.LastIndexOf('.');
            if (dot >= 0)
            {
                return (name, name.Substring(0, dot));
            }

            var ns = obj.TryGetValue("namespace", out var value) && value is string declared ? declared : enclosingNamespace;
            return (ns.Length == 0 ? name : ns + "." + name, ns);
        }

        private static IReadOnlyList<string> Aliases(Dictionary<string, object?> obj, string ns)
            => obj.TryGetValue("aliases", out var a) && a is List<object?> list
                ? list.OfType<string>().Select(alias => alias.IndexOf('.') >= 0 || ns.Length == 0 ? alias : ns + "." + alias).ToList()
                : new List<string>();
    }

    /// <summary>
    /// A small JSON reader: objects become dictionaries, arrays lists, numbers doubles, and strings, booleans and null
    /// themselves. Enough for schemas; not a general JSON library.
    /// </summary>
    private ref struct JsonReader
    {
        private readonly string _text;
        private int _position;
        private int _depth;

        public JsonReader(string text)
        {
            _text = text;
            _position = 0;
            _depth = 0;
        }

        public object? ReadDocument()
        {
            var value = ReadValue();
            SkipWhitespace();
            if (_position != _text.Length)
            {
                throw Error("text after the schema");
            }

            return value;
        }

        private object? ReadValue()
        {
            SkipWhitespace();
            if (_position >= _text.Length)
            {
                throw Error("unexpected end");
            }

            switch (_text[_position])
            {
                case '{':
                    return ReadObject();
                case '[':
                    return ReadArray();
                case '"':
                    return ReadString();
                case 't':
                    return ReadLiteral("true", true);
                case 'f':
                    return ReadLiteral("false", false);
                case 'n':
                    return ReadLiteral("null", null);
                default:
                    return ReadNumber();
            }
        }

        private Dictionary<string, object?> ReadObject()
        {
            Enter();
            _position++;
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            SkipWhitespace();
            if (Peek() == '}')
            {
                _position++;
                _depth--;
                return result;
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"')
                {
                    throw Error("expected a property name");
                }

                var name = ReadString();
                SkipWhitespace();
                Expect(':');
                result[name] = ReadValue();
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _position++;
                    continue;
                }

                Expect('}');
                _depth--;
                return result;
            }
        }

        private List<object?> ReadArray()
        {
            Enter();
            _position++;
            var result = new List<object?>();
            SkipWhitespace();
            if (Peek() == ']')
            {
                _position++;
                _depth--;
                return result;
            }

            while (true)
            {
                result.Add(ReadValue());
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _position++;
                    continue;
                }

                Expect(']');
                _depth--;
                return result;
            }
        }

        private string ReadString()
        {
            _position++;
            var builder = new StringBuilder();
            while (_position < _text.Length)
            {
                var c = _text[_position++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (_position >= _text.Length)
                {
                    break;
                }

                var escaped = _text[_position++];
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'u':
                        if (_position + 4 > _text.Length
                            || !int.TryParse(_text.Substring(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("a bad \\u escape");
                        }

                        builder.Append((char)code);
                        _position += 4;
                        break;
                    default: builder.Append(escaped); break;
                }
            }

            throw Error("an unterminated string");
        }

        private object? ReadLiteral(string literal, object? value)
        {
            if (string.CompareOrdinal(_text, _position, literal, 0, literal.Length) != 0)
            {
                throw Error("an unknown literal");
            }

            _position += literal.Length;
            return value;
        }

        private double ReadNumber()
        {
            var start = _position;
            while (_position < _text.Length && "+-0123456789.eE".IndexOf(_text[_position]) >= 0)
            {
                _position++;
            }

            if (!double.TryParse(_text.Substring(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw Error("a bad value");
            }

            return number;
        }

        private void Enter()
        {
            if (++_depth > 2 * MaxDepth)
            {
                throw Error($"nesting deeper than {2 * MaxDepth} levels");
            }
        }

        private char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Error($"expected '{c}'");
            }

            _position++;
        }

        private void SkipWhitespace()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }
        }

        private readonly FormatException Error(string what) => new($"not valid JSON at character {_position + 1}: {what}");
    }
}
