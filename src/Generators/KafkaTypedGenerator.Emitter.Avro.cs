using System.Collections.Generic;
using System.Linq;
using System.Text;
using KafkaTyped.Generators.Common;
using KafkaTyped.Generators.Model;
using KafkaTyped.Shared;

namespace KafkaTyped.Generators;

public sealed partial class KafkaTypedGenerator
{
    /// <summary>
    /// The Avro serializer of a type: its schema as JSON fragments (the records and enums it uses are defined where first
    /// used, by the runtime's <c>AvroSchemaBuilder</c>), and a binary encoder and decoder on <c>AvroWriter</c>/<c>AvroReader</c>.
    /// </summary>
    internal static partial class Emitter
    {
        private const string AvroWriterType = "global::KafkaTyped.Serialization.AvroWriter";
        private const string AvroReaderType = "global::KafkaTyped.Serialization.AvroReader";
        private const string AvroPrimitivesType = "global::KafkaTyped.Serialization.AvroPrimitives";

        private static void WriteAvroCodec(SourceWriter w, DataTypeSpec spec)
        {
            var type = spec.FullyQualifiedName;
            var enums = new List<TypeShape>();
            foreach (var member in spec.Members)
            {
                CollectEnums(member.Shape, enums);
            }

            w.WriteLine($"/// <summary>The Avro serializer of <see cref=\"{spec.Name}\"/>: a record of its members in encoding order.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"private sealed class {AvroCodecName} : global::KafkaTyped.Serialization.AvroCodec<{type}>");
            w.WriteLine($"public static readonly {AvroCodecName} Instance = new();");
            w.WriteLine();
            w.WriteLine($"public override string FullName => {Literal(AvroFullName(spec))};");
            w.WriteLine();
            WriteAvroSchema(w, spec);
            w.WriteLine();
            WriteAvroWrite(w, spec, enums);
            w.WriteLine();
            WriteAvroRead(w, spec, enums);
            for (var i = 0; i < enums.Count; i++)
            {
                w.WriteLine();
                WriteAvroEnumHelpers(w, spec, enums[i], i);
            }

            w.CloseBlock();
        }

        /// <summary>The Avro namespace of a type: its C# namespace, then its containing types.</summary>
        private static string AvroNamespace(DataTypeSpec spec)
            => string.Join(".", new[] { spec.Namespace }.Concat(spec.ContainingTypes.Select(c => c.Name)).Where(s => s.Length > 0));

        private static string AvroFullName(DataTypeSpec spec)
        {
            var ns = AvroNamespace(spec);
            return ns.Length == 0 ? spec.Name : ns + "." + spec.Name;
        }

        /// <summary>The Avro field name of a member: its C# name in camelCase.</summary>
        internal static string AvroFieldName(MemberSpec member) => AvroMemberAttributes.CamelCase(member.DisplayName);

        private static void WriteAvroSchema(SourceWriter w, DataTypeSpec spec)
        {
            var parts = new AvroSchemaParts();
            var ns = AvroNamespace(spec);
            parts.Raw("{\"type\":\"record\",\"name\":\"" + spec.Name + "\"");
            if (ns.Length > 0)
            {
                parts.Raw(",\"namespace\":\"" + ns + "\"");
            }

            parts.Raw(AvroAliases(spec.AvroAliases));
            parts.Raw(",\"fields\":[");
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var member = spec.Members[i];
                parts.Raw((i == 0 ? string.Empty : ",") + "{\"name\":\"" + AvroFieldName(member) + "\"" + AvroAliases(member.AvroAliases) + ",\"type\":");
                AvroSchemaOf(member.Shape, member, parts);
                parts.Raw(IsAvroUnion(member.Shape) ? ",\"default\":null}" : member.AvroDefault is { } json ? ",\"default\":" + json + "}" : "}");
            }

            parts.Raw("]}");

            w.OpenBlock($"public override void WriteSchema(global::KafkaTyped.Serialization.AvroSchemaBuilder schema)");
            w.OpenBlock($"if (!schema.Define(FullName))");
            w.WriteLine("return;");
            w.CloseBlock();
            w.WriteLine();
            parts.Emit(w);
            w.CloseBlock();
        }

        /// <summary>The <c>aliases</c> attribute of a field or named type (with its leading comma), or nothing without aliases.</summary>
        private static string AvroAliases(Common.EquatableArray<string> aliases)
            => aliases.IsEmpty ? string.Empty : ",\"aliases\":[" + string.Join(",", aliases.Select(Parser.JsonString)) + "]";

        private static bool IsAvroUnion(TypeShape shape)
            => shape.Kind is ShapeKind.Nullable or ShapeKind.ImmutableArray || (shape.IsReferenceType && shape.AllowsNull);

        private static void AvroSchemaOf(TypeShape shape, MemberSpec member, AvroSchemaParts parts)
        {
            if (IsAvroUnion(shape))
            {
                parts.Raw("[\"null\",");
                AvroNonNullSchemaOf(shape.Kind == ShapeKind.Nullable ? shape.Element! : shape, member, parts);
                parts.Raw("]");
                return;
            }

            AvroNonNullSchemaOf(shape, member, parts);
        }

        private static void AvroNonNullSchemaOf(TypeShape shape, MemberSpec member, AvroSchemaParts parts)
        {
            switch (shape.Kind)
            {
                case ShapeKind.Boolean:
                    parts.Raw("\"boolean\"");
                    break;
                case ShapeKind.Byte:
                case ShapeKind.SByte:
                case ShapeKind.Int16:
                case ShapeKind.UInt16:
                case ShapeKind.Int32:
                case ShapeKind.Char:
                    parts.Raw("\"int\"");
                    break;
                case ShapeKind.UInt32:
                case ShapeKind.Int64:
                case ShapeKind.UInt64:
                case ShapeKind.IntPtr:
                case ShapeKind.UIntPtr:
                case ShapeKind.TimeSpan:
                    parts.Raw("\"long\"");
                    break;
                case ShapeKind.Single:
                    parts.Raw("\"float\"");
                    break;
                case ShapeKind.Double:
                    parts.Raw("\"double\"");
                    break;
                case ShapeKind.String:
                    parts.Raw("\"string\"");
                    break;
                case ShapeKind.ByteArray:
                    parts.Raw("\"bytes\"");
                    break;
                case ShapeKind.Guid:
                    parts.Raw("{\"type\":\"string\",\"logicalType\":\"uuid\"}");
                    break;
                case ShapeKind.DateTime:
                case ShapeKind.DateTimeOffset:
                    parts.Raw("{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}");
                    break;
                case ShapeKind.DateOnly:
                    parts.Raw("{\"type\":\"int\",\"logicalType\":\"date\"}");
                    break;
                case ShapeKind.TimeOnly:
                    parts.Raw("{\"type\":\"long\",\"logicalType\":\"time-micros\"}");
                    break;
                case ShapeKind.Decimal:
                    parts.Raw($"{{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":{member.AvroPrecision},\"scale\":{member.AvroScale}}}");
                    break;
                case ShapeKind.Enum:
                    {
                        var fullName = shape.TypeName.Replace("global::", string.Empty);
                        var dot = fullName.LastIndexOf('.');
                        var definition = new StringBuilder("{\"type\":\"enum\",\"name\":\"").Append(dot < 0 ? fullName : fullName.Substring(dot + 1)).Append('"');
                        if (dot > 0)
                        {
                            definition.Append(",\"namespace\":\"").Append(fullName.Substring(0, dot)).Append('"');
                        }

                        definition.Append(AvroAliases(shape.AvroAliases));
                        definition.Append(",\"symbols\":[").Append(string.Join(",", shape.EnumMembers.Select(m => "\"" + m.JsonName + "\""))).Append("]}");
                        parts.Enum(fullName, definition.ToString());
                        break;
                    }

                case ShapeKind.Nullable:
                    AvroNonNullSchemaOf(shape.Element!, member, parts);
                    break;
                case ShapeKind.Array:
                case ShapeKind.List:
                case ShapeKind.ReadOnlyList:
                case ShapeKind.ImmutableArray:
                    parts.Raw("{\"type\":\"array\",\"items\":");
                    AvroSchemaOf(shape.Element!, member, parts);
                    parts.Raw("}");
                    break;
                case ShapeKind.Dictionary:
                case ShapeKind.ReadOnlyDictionary:
                    parts.Raw("{\"type\":\"map\",\"values\":");
                    AvroSchemaOf(shape.Element!, member, parts);
                    parts.Raw("}");
                    break;
                case ShapeKind.Data:
                    parts.Record(shape.TypeName);
                    break;
                default:
                    throw new System.InvalidOperationException($"Unexpected shape {shape.Kind}.");
            }
        }

        private static void WriteAvroWrite(SourceWriter w, DataTypeSpec spec, List<TypeShape> enums)
        {
            w.OpenBlock($"public override void Write(ref {AvroWriterType} writer, {spec.FullyQualifiedName} value)");
            if (!spec.IsValueType)
            {
                w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(value);");
            }

            foreach (var member in spec.Members)
            {
                w.WriteLine();
                w.WriteLine($"// {member.DisplayName}");
                WriteAvroValue(w, member.Shape, $"value.{member.Name}", new AvroSite(new Site(spec, member), member, enums), 0);
            }

            w.CloseBlock();
        }

        private static void WriteAvroValue(SourceWriter w, TypeShape shape, string expression, AvroSite site, int depth)
        {
            if (shape.Kind == ShapeKind.Nullable)
            {
                w.OpenBlock($"if ({expression}.HasValue)");
                w.WriteLine("writer.WriteUnionIndex(1);");
                WriteAvroNonNullValue(w, shape.Element!, $"{expression}.Value", site, depth);
                w.CloseBlock();
                w.OpenBlock("else");
                w.WriteLine("writer.WriteUnionIndex(0);");
                w.CloseBlock();
                return;
            }

            if (shape.Kind == ShapeKind.ImmutableArray)
            {
                w.OpenBlock($"if ({expression}.IsDefault)");
                w.WriteLine("writer.WriteUnionIndex(0);");
                w.CloseBlock();
                w.OpenBlock("else");
                w.WriteLine("writer.WriteUnionIndex(1);");
                WriteAvroNonNullValue(w, shape, expression, site, depth);
                w.CloseBlock();
                return;
            }

            if (shape.IsReferenceType)
            {
                if (shape.AllowsNull)
                {
                    w.OpenBlock($"if ({expression} is null)");
                    w.WriteLine("writer.WriteUnionIndex(0);");
                    w.CloseBlock();
                    w.OpenBlock("else");
                    w.WriteLine("writer.WriteUnionIndex(1);");
                    WriteAvroNonNullValue(w, shape, expression, site, depth);
                    w.CloseBlock();
                }
                else if (shape.Kind == ShapeKind.String)
                {
                    w.WriteLine($"writer.WriteString({expression} ?? throw {AvroPrimitivesType}.NullWhenWriting({site.Site.TypeLiteral}, {site.Site.MemberLiteral}));");
                }
                else
                {
                    w.OpenBlock($"if ({expression} is null)");
                    w.WriteLine($"throw {AvroPrimitivesType}.NullWhenWriting({site.Site.TypeLiteral}, {site.Site.MemberLiteral});");
                    w.CloseBlock();
                    WriteAvroNonNullValue(w, shape, expression, site, depth);
                }

                return;
            }

            WriteAvroNonNullValue(w, shape, expression, site, depth);
        }

        private static void WriteAvroNonNullValue(SourceWriter w, TypeShape shape, string expression, AvroSite site, int depth)
        {
            var element = $"e{depth}";
            switch (shape.Kind)
            {
                case ShapeKind.Boolean:
                    w.WriteLine($"writer.WriteBoolean({expression});");
                    break;
                case ShapeKind.Byte:
                case ShapeKind.SByte:
                case ShapeKind.Int16:
                case ShapeKind.UInt16:
                case ShapeKind.Int32:
                case ShapeKind.Char:
                    w.WriteLine($"writer.WriteInt({expression});");
                    break;
                case ShapeKind.UInt32:
                case ShapeKind.Int64:
                    w.WriteLine($"writer.WriteLong({expression});");
                    break;
                case ShapeKind.IntPtr:
                    w.WriteLine($"writer.WriteLong((long){expression});");
                    break;
                case ShapeKind.UInt64:
                    w.WriteLine($"writer.WriteUInt64({expression});");
                    break;
                case ShapeKind.UIntPtr:
                    w.WriteLine($"writer.WriteUInt64((ulong){expression});");
                    break;
                case ShapeKind.Single:
                    w.WriteLine($"writer.WriteFloat({expression});");
                    break;
                case ShapeKind.Double:
                    w.WriteLine($"writer.WriteDouble({expression});");
                    break;
                case ShapeKind.String:
                    w.WriteLine($"writer.WriteString({expression});");
                    break;
                case ShapeKind.ByteArray:
                    w.WriteLine($"writer.WriteBytes({expression});");
                    break;
                case ShapeKind.Guid:
                    w.WriteLine($"writer.WriteUuid({expression});");
                    break;
                case ShapeKind.DateTime:
                case ShapeKind.DateTimeOffset:
                    w.WriteLine($"writer.WriteTimestampMicros({expression});");
                    break;
                case ShapeKind.DateOnly:
                    w.WriteLine($"writer.WriteDate({expression});");
                    break;
                case ShapeKind.TimeOnly:
                    w.WriteLine($"writer.WriteTimeMicros({expression});");
                    break;
                case ShapeKind.TimeSpan:
                    w.WriteLine($"writer.WriteTimeSpan({expression});");
                    break;
                case ShapeKind.Decimal:
                    w.WriteLine($"writer.WriteDecimal({expression}, {site.Member.AvroPrecision}, {site.Member.AvroScale});");
                    break;
                case ShapeKind.Enum:
                    w.WriteLine($"WriteAvroEnum{EnumIndex(shape, site.Enums)}(ref writer, {expression}, {site.Site.MemberLiteral});");
                    break;
                case ShapeKind.Array:
                case ShapeKind.ImmutableArray:
                    w.OpenBlock($"if ({expression}.Length > 0)");
                    w.WriteLine($"writer.WriteBlockCount({expression}.Length);");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteAvroValue(w, shape.Element!, element, site, depth + 1);
                    w.CloseBlock();
                    w.CloseBlock();
                    w.WriteLine("writer.WriteBlockCount(0);");
                    break;
                case ShapeKind.List:
                    w.OpenBlock($"if ({expression}.Count > 0)");
                    w.WriteLine($"writer.WriteBlockCount({expression}.Count);");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteAvroValue(w, shape.Element!, element, site, depth + 1);
                    w.CloseBlock();
                    w.CloseBlock();
                    w.WriteLine("writer.WriteBlockCount(0);");
                    break;
                case ShapeKind.ReadOnlyList:
                    {
                        var list = $"l{depth}";
                        w.WriteLine($"var {list} = {expression};");
                        w.OpenBlock($"if ({list}.Count > 0)");
                        w.WriteLine($"writer.WriteBlockCount({list}.Count);");
                        w.OpenBlock($"for (var i{depth} = 0; i{depth} < {list}.Count; i{depth}++)");
                        w.WriteLine($"var {element} = {list}[i{depth}];");
                        WriteAvroValue(w, shape.Element!, element, site, depth + 1);
                        w.CloseBlock();
                        w.CloseBlock();
                        w.WriteLine("writer.WriteBlockCount(0);");
                        break;
                    }

                case ShapeKind.Dictionary:
                    w.OpenBlock($"if ({expression}.Count > 0)");
                    w.WriteLine($"writer.WriteBlockCount({expression}.Count);");
                    WriteAvroDictionaryEntries(w, shape, expression, site, depth);
                    w.CloseBlock();
                    w.WriteLine("writer.WriteBlockCount(0);");
                    break;
                case ShapeKind.ReadOnlyDictionary:
                    {
                        // Enumerating the interface boxes the enumerator: take the allocation-free path for the usual Dictionary.
                        var dictionary = $"d{depth}";
                        var map = $"m{depth}";
                        w.WriteLine($"var {map} = {expression};");
                        w.OpenBlock($"if ({map}.Count > 0)");
                        w.WriteLine($"writer.WriteBlockCount({map}.Count);");
                        w.OpenBlock($"if ({map} is global::System.Collections.Generic.Dictionary<string, {shape.Element!.DeclaredName}> {dictionary})");
                        WriteAvroDictionaryEntries(w, shape, dictionary, site, depth);
                        w.CloseBlock();
                        w.OpenBlock("else");
                        WriteAvroDictionaryEntries(w, shape, map, site, depth);
                        w.CloseBlock();
                        w.CloseBlock();
                        w.WriteLine("writer.WriteBlockCount(0);");
                        break;
                    }

                case ShapeKind.Data:
                    w.WriteLine($"{DataContract}.Avro<{shape.TypeName}>().Write(ref writer, {expression});");
                    break;
                default:
                    throw new System.InvalidOperationException($"Unexpected shape {shape.Kind}.");
            }
        }

        private static void WriteAvroDictionaryEntries(SourceWriter w, TypeShape shape, string expression, AvroSite site, int depth)
        {
            var entry = $"e{depth}";
            w.OpenBlock($"foreach (var {entry} in {expression})");
            w.WriteLine($"writer.WriteString({entry}.Key);");
            WriteAvroValue(w, shape.Element!, $"{entry}.Value", site, depth + 1);
            w.CloseBlock();
        }

        private static void WriteAvroRead(SourceWriter w, DataTypeSpec spec, List<TypeShape> enums)
        {
            w.OpenBlock($"public override {spec.FullyQualifiedName} Read(ref {AvroReaderType} reader)");
            w.WriteLine($"reader.EnterRecord({Literal(spec.DisplayName)});");
            foreach (var member in spec.Members)
            {
                w.WriteLine($"{member.Shape.DeclaredName} {Local(member)};");
            }

            foreach (var member in spec.Members)
            {
                w.WriteLine();
                w.WriteLine($"// {member.DisplayName}");
                w.OpenBlock();
                ReadAvroValue(w, member.Shape, Local(member), new AvroSite(new Site(spec, member), member, enums), 0);
                w.CloseBlock();
            }

            w.WriteLine();
            w.WriteLine("reader.LeaveRecord();");
            var arguments = string.Concat(spec.Members.Select(m => ", " + Local(m)));
            w.WriteLine($"return new {spec.FullyQualifiedName}(new global::KafkaTyped.Serialization.PresentMembers({spec.Members.Count}){arguments});");
            w.CloseBlock();
        }

        private static void ReadAvroValue(SourceWriter w, TypeShape shape, string target, AvroSite site, int depth)
        {
            if (IsAvroUnion(shape))
            {
                w.OpenBlock("if (reader.ReadNullableBranch())");
                if (shape.Kind == ShapeKind.Nullable)
                {
                    var inner = shape.Element!;
                    var element = $"v{depth}";
                    w.WriteLine($"{inner.DeclaredName} {element};");
                    ReadAvroNonNullValue(w, inner, element, site, depth + 1);
                    w.WriteLine($"{target} = {element};");
                }
                else
                {
                    ReadAvroNonNullValue(w, shape, target, site, depth);
                }

                w.CloseBlock();
                w.OpenBlock("else");
                w.WriteLine($"{target} = default;");
                w.CloseBlock();
                return;
            }

            ReadAvroNonNullValue(w, shape, target, site, depth);
        }

        private static void ReadAvroNonNullValue(SourceWriter w, TypeShape shape, string target, AvroSite site, int depth)
        {
            var element = $"e{depth}";
            var collection = $"c{depth}";
            var count = $"n{depth}";
            var index = $"i{depth}";
            switch (shape.Kind)
            {
                case ShapeKind.Boolean:
                    w.WriteLine($"{target} = reader.ReadBoolean();");
                    break;
                case ShapeKind.Byte:
                    w.WriteLine($"{target} = (byte)reader.ReadInt(byte.MinValue, byte.MaxValue);");
                    break;
                case ShapeKind.SByte:
                    w.WriteLine($"{target} = (sbyte)reader.ReadInt(sbyte.MinValue, sbyte.MaxValue);");
                    break;
                case ShapeKind.Int16:
                    w.WriteLine($"{target} = (short)reader.ReadInt(short.MinValue, short.MaxValue);");
                    break;
                case ShapeKind.UInt16:
                    w.WriteLine($"{target} = (ushort)reader.ReadInt(ushort.MinValue, ushort.MaxValue);");
                    break;
                case ShapeKind.Char:
                    w.WriteLine($"{target} = (char)reader.ReadInt(char.MinValue, char.MaxValue);");
                    break;
                case ShapeKind.Int32:
                    w.WriteLine($"{target} = reader.ReadInt();");
                    break;
                case ShapeKind.UInt32:
                    w.WriteLine($"{target} = checked((uint)reader.ReadUInt64());");
                    break;
                case ShapeKind.Int64:
                    w.WriteLine($"{target} = reader.ReadLong();");
                    break;
                case ShapeKind.UInt64:
                    w.WriteLine($"{target} = reader.ReadUInt64();");
                    break;
                case ShapeKind.IntPtr:
                    w.WriteLine($"{target} = checked((nint)reader.ReadLong());");
                    break;
                case ShapeKind.UIntPtr:
                    w.WriteLine($"{target} = checked((nuint)reader.ReadUInt64());");
                    break;
                case ShapeKind.Single:
                    w.WriteLine($"{target} = reader.ReadFloat();");
                    break;
                case ShapeKind.Double:
                    w.WriteLine($"{target} = reader.ReadDouble();");
                    break;
                case ShapeKind.String:
                    w.WriteLine($"{target} = reader.ReadString();");
                    break;
                case ShapeKind.ByteArray:
                    w.WriteLine($"{target} = reader.ReadBytes();");
                    break;
                case ShapeKind.Guid:
                    w.WriteLine($"{target} = reader.ReadUuid();");
                    break;
                case ShapeKind.DateTime:
                    w.WriteLine($"{target} = reader.ReadDateTime();");
                    break;
                case ShapeKind.DateTimeOffset:
                    w.WriteLine($"{target} = reader.ReadDateTimeOffset();");
                    break;
                case ShapeKind.DateOnly:
                    w.WriteLine($"{target} = reader.ReadDate();");
                    break;
                case ShapeKind.TimeOnly:
                    w.WriteLine($"{target} = reader.ReadTimeMicros();");
                    break;
                case ShapeKind.TimeSpan:
                    w.WriteLine($"{target} = reader.ReadTimeSpan();");
                    break;
                case ShapeKind.Decimal:
                    w.WriteLine($"{target} = reader.ReadDecimal({site.Member.AvroScale});");
                    break;
                case ShapeKind.Enum:
                    w.WriteLine($"{target} = ReadAvroEnum{EnumIndex(shape, site.Enums)}(ref reader);");
                    break;
                case ShapeKind.Array:
                case ShapeKind.List:
                case ShapeKind.ReadOnlyList:
                case ShapeKind.ImmutableArray:
                    {
                        var elementType = shape.Element!.DeclaredName;
                        w.WriteLine(shape.Kind == ShapeKind.ImmutableArray
                            ? $"var {collection} = global::System.Collections.Immutable.ImmutableArray.CreateBuilder<{elementType}>();"
                            : $"var {collection} = new global::System.Collections.Generic.List<{elementType}>();");
                        w.OpenBlock($"for (var {count} = reader.ReadBlockCount(); {count} != 0; {count} = reader.ReadBlockCount())");
                        w.OpenBlock($"for (var {index} = 0; {index} < {count}; {index}++)");
                        w.WriteLine($"{elementType} {element};");
                        ReadAvroValue(w, shape.Element!, element, site, depth + 1);
                        w.WriteLine($"{collection}.Add({element});");
                        w.CloseBlock();
                        w.CloseBlock();
                        w.WriteLine(shape.Kind switch
                        {
                            ShapeKind.Array => $"{target} = {collection}.ToArray();",
                            ShapeKind.ImmutableArray => $"{target} = {collection}.ToImmutable();",
                            _ => $"{target} = {collection};",
                        });
                        break;
                    }

                case ShapeKind.Dictionary:
                case ShapeKind.ReadOnlyDictionary:
                    {
                        var key = $"k{depth}";
                        w.WriteLine($"var {collection} = new global::System.Collections.Generic.Dictionary<string, {shape.Element!.DeclaredName}>();");
                        w.OpenBlock($"for (var {count} = reader.ReadBlockCount(); {count} != 0; {count} = reader.ReadBlockCount())");
                        w.OpenBlock($"for (var {index} = 0; {index} < {count}; {index}++)");
                        w.WriteLine($"var {key} = reader.ReadString();");
                        w.WriteLine($"{shape.Element!.DeclaredName} {element};");
                        ReadAvroValue(w, shape.Element!, element, site, depth + 1);
                        w.OpenBlock($"if (!{collection}.TryAdd({key}, {element}))");
                        w.WriteLine($"throw {AvroPrimitivesType}.DuplicateKey({site.Site.TypeLiteral}, {site.Site.MemberLiteral}, {key});");
                        w.CloseBlock();
                        w.CloseBlock();
                        w.CloseBlock();
                        w.WriteLine($"{target} = {collection};");
                        break;
                    }

                case ShapeKind.Data:
                    w.WriteLine($"{target} = {DataContract}.Avro<{shape.TypeName}>().Read(ref reader);");
                    break;
                default:
                    throw new System.InvalidOperationException($"Unexpected shape {shape.Kind}.");
            }
        }

        /// <summary>An enum in Avro: the index of its symbol, the members with distinct values in declaration order.</summary>
        private static void WriteAvroEnumHelpers(SourceWriter w, DataTypeSpec spec, TypeShape shape, int index)
        {
            var type = shape.TypeName;
            var typeName = Literal(spec.DisplayName);
            w.OpenBlock($"private static void WriteAvroEnum{index}(ref {AvroWriterType} writer, {type} value, string memberName)");
            w.OpenBlock("switch (value)");
            for (var i = 0; i < shape.EnumMembers.Count; i++)
            {
                w.WriteLine($"case {type}.{shape.EnumMembers[i].Name}:");
                w.WriteLine($"    writer.WriteInt({i});");
                w.WriteLine("    break;");
            }

            w.WriteLine("default:");
            w.WriteLine($"    throw {AvroPrimitivesType}.UnnamedEnumValue({typeName}, memberName, (long)value);");
            w.CloseBlock();
            w.CloseBlock();
            w.WriteLine();
            w.OpenBlock($"private static {type} ReadAvroEnum{index}(ref {AvroReaderType} reader)");
            w.OpenBlock($"switch (reader.ReadEnumIndex({shape.EnumMembers.Count}))");
            for (var i = 0; i < shape.EnumMembers.Count; i++)
            {
                w.WriteLine($"case {i}:");
                w.WriteLine($"    return {type}.{shape.EnumMembers[i].Name};");
            }

            w.WriteLine("default:");
            w.WriteLine($"    throw new global::System.InvalidOperationException(\"Unreachable: the index was checked.\");");
            w.CloseBlock();
            w.CloseBlock();
        }

        /// <summary>Where an Avro value is written or read: the member (its decimal precision and scale) and the enums of the type.</summary>
        private readonly struct AvroSite
        {
            public AvroSite(Site site, MemberSpec member, List<TypeShape> enums)
            {
                Site = site;
                Member = member;
                Enums = enums;
            }

            public Site Site { get; }

            public MemberSpec Member { get; }

            public List<TypeShape> Enums { get; }
        }

        /// <summary>A schema as literal JSON fragments, the records it uses and the enums it defines, emitted as builder calls.</summary>
        private sealed class AvroSchemaParts
        {
            private readonly List<(int Kind, string Text, string Definition)> _parts = new();
            private readonly StringBuilder _raw = new();

            public void Raw(string json) => _raw.Append(json);

            public void Record(string typeName)
            {
                Flush();
                _parts.Add((1, typeName, string.Empty));
            }

            public void Enum(string fullName, string definition)
            {
                Flush();
                _parts.Add((2, fullName, definition));
            }

            public void Emit(SourceWriter w)
            {
                Flush();
                foreach (var (kind, text, definition) in _parts)
                {
                    switch (kind)
                    {
                        case 0:
                            w.WriteLine($"schema.Raw({Literal(text)});");
                            break;
                        case 1:
                            w.WriteLine($"schema.Record({DataContract}.Avro<{text}>());");
                            break;
                        default:
                            w.OpenBlock($"if (schema.Define({Literal(text)}))");
                            w.WriteLine($"schema.Raw({Literal(definition)});");
                            w.CloseBlock();
                            break;
                    }
                }
            }

            private void Flush()
            {
                if (_raw.Length > 0)
                {
                    _parts.Add((0, _raw.ToString(), string.Empty));
                    _raw.Clear();
                }
            }
        }
    }
}
