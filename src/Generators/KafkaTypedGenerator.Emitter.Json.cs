using System.Collections.Generic;
using System.Linq;
using KafkaTyped.Generators.Common;
using KafkaTyped.Generators.Model;

namespace KafkaTyped.Generators;

public sealed partial class KafkaTypedGenerator
{
    /// <summary>The JSON serializer of a type, on <c>Utf8JsonWriter</c>/<c>Utf8JsonReader</c>: no reflection, no <c>JsonSerializer</c>.</summary>
    internal static partial class Emitter
    {
        private const string Json = "global::KafkaTyped.Serialization.JsonPrimitives";
        private const string JsonWriter = "global::System.Text.Json.Utf8JsonWriter";
        private const string JsonReader = "global::System.Text.Json.Utf8JsonReader";
        private const string TokenType = "global::System.Text.Json.JsonTokenType";

        private static void WriteJsonCodec(SourceWriter w, DataTypeSpec spec)
        {
            var type = spec.FullyQualifiedName;
            var enums = new List<TypeShape>();
            foreach (var member in spec.Members)
            {
                CollectEnums(member.Shape, enums);
            }

            w.WriteLine($"/// <summary>The JSON serializer of <see cref=\"{spec.Name}\"/>: an object of its members by their JSON names.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"private sealed class {JsonCodecName} : global::KafkaTyped.Serialization.JsonCodec<{type}>");
            w.WriteLine($"public static readonly {JsonCodecName} Instance = new();");
            for (var i = 0; i < spec.Members.Count; i++)
            {
                w.WriteLine($"private static readonly global::System.Text.Json.JsonEncodedText s_name{i} = global::System.Text.Json.JsonEncodedText.Encode({Literal(spec.Members[i].JsonName)});");
            }

            w.WriteLine();
            WriteJsonWrite(w, spec, enums);
            w.WriteLine();
            WriteJsonRead(w, spec, enums);
            for (var i = 0; i < enums.Count; i++)
            {
                w.WriteLine();
                WriteEnumHelpers(w, spec, enums[i], i);
            }

            w.CloseBlock();
        }

        private static void CollectEnums(TypeShape shape, List<TypeShape> enums)
        {
            if (shape.Kind == ShapeKind.Enum)
            {
                if (!enums.Any(e => e.TypeName == shape.TypeName))
                {
                    enums.Add(shape);
                }
            }
            else if (shape.Element is { } element)
            {
                CollectEnums(element, enums);
            }
        }

        private static void WriteJsonWrite(SourceWriter w, DataTypeSpec spec, List<TypeShape> enums)
        {
            w.OpenBlock($"public override void Write({JsonWriter} writer, {spec.FullyQualifiedName} value)");
            if (!spec.IsValueType)
            {
                w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(value);");
            }

            w.WriteLine("writer.WriteStartObject();");
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var member = spec.Members[i];
                w.WriteLine();
                w.WriteLine($"// {member.DisplayName}");
                w.WriteLine($"writer.WritePropertyName(s_name{i});");
                WriteJsonValue(w, member.Shape, $"value.{member.Name}", new Site(spec, member), 0, enums);
            }

            w.WriteLine();
            w.WriteLine("writer.WriteEndObject();");
            w.CloseBlock();
        }

        private static void WriteJsonRead(SourceWriter w, DataTypeSpec spec, List<TypeShape> enums)
        {
            var typeName = Literal(spec.DisplayName);
            w.OpenBlock($"public override {spec.FullyQualifiedName} Read(ref {JsonReader} reader)");
            w.WriteLine($"{Json}.ExpectStartObject(ref reader, {typeName});");
            foreach (var member in spec.Members)
            {
                var initial = member.DefaultValueExpression ?? (member.Shape.IsReferenceType ? "default!" : "default");
                w.WriteLine($"{member.Shape.DeclaredName} {Local(member)} = {initial};");
            }

            w.WriteLine(spec.Members.Count == 0
                ? "global::System.Span<bool> present = default;"
                : $"global::System.Span<bool> present = stackalloc bool[{spec.Members.Count}];");
            w.OpenBlock($"while ({Json}.NextProperty(ref reader))");
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var member = spec.Members[i];
                w.OpenBlock($"{(i == 0 ? string.Empty : "else ")}if (reader.ValueTextEquals({Literal(member.JsonName)}u8))");
                w.WriteLine($"{Json}.Read(ref reader);");
                ReadJsonValue(w, member.Shape, Local(member), new Site(spec, member), 0, enums);
                w.WriteLine($"present[{i}] = true;");
                w.CloseBlock();
            }

            if (spec.Members.Count == 0)
            {
                w.WriteLine($"{Json}.SkipValue(ref reader);");
            }
            else
            {
                w.OpenBlock("else");
                w.WriteLine("// A property a newer writer added, or another service's: skipped.");
                w.WriteLine($"{Json}.SkipValue(ref reader);");
                w.CloseBlock();
            }

            w.CloseBlock();
            w.WriteLine();
            var arguments = string.Concat(spec.Members.Select(m => ", " + Local(m)));
            w.WriteLine($"return new {spec.FullyQualifiedName}(new global::KafkaTyped.Serialization.PresentMembers(present){arguments});");
            w.CloseBlock();
        }

        private static void WriteJsonValue(SourceWriter w, TypeShape shape, string expression, Site site, int depth, List<TypeShape> enums)
        {
            if (shape.Kind == ShapeKind.String)
            {
                // WriteStringValue(string) writes null for null.
                w.WriteLine(shape.AllowsNull
                    ? $"writer.WriteStringValue({expression});"
                    : $"writer.WriteStringValue({expression} ?? throw {Json}.NullWhenWriting({site.TypeLiteral}, {site.MemberLiteral}));");
                return;
            }

            if (shape.IsReferenceType)
            {
                w.OpenBlock($"if ({expression} is null)");
                w.WriteLine(shape.AllowsNull
                    ? "writer.WriteNullValue();"
                    : $"throw {Json}.NullWhenWriting({site.TypeLiteral}, {site.MemberLiteral});");
                w.CloseBlock();
                w.OpenBlock("else");
                WriteJsonNonNullValue(w, shape, expression, site, depth, enums);
                w.CloseBlock();
                return;
            }

            WriteJsonNonNullValue(w, shape, expression, site, depth, enums);
        }

        private static void WriteJsonNonNullValue(SourceWriter w, TypeShape shape, string expression, Site site, int depth, List<TypeShape> enums)
        {
            var element = $"e{depth}";
            switch (shape.Kind)
            {
                case ShapeKind.Boolean:
                    w.WriteLine($"writer.WriteBooleanValue({expression});");
                    break;
                case ShapeKind.Byte:
                case ShapeKind.SByte:
                case ShapeKind.Int16:
                case ShapeKind.UInt16:
                case ShapeKind.Int32:
                case ShapeKind.UInt32:
                case ShapeKind.Int64:
                case ShapeKind.UInt64:
                case ShapeKind.Single:
                case ShapeKind.Double:
                case ShapeKind.Decimal:
                    w.WriteLine($"writer.WriteNumberValue({expression});");
                    break;
                case ShapeKind.IntPtr:
                    w.WriteLine($"writer.WriteNumberValue((long){expression});");
                    break;
                case ShapeKind.UIntPtr:
                    w.WriteLine($"writer.WriteNumberValue((ulong){expression});");
                    break;
                case ShapeKind.Guid:
                case ShapeKind.DateTimeOffset:
                    w.WriteLine($"writer.WriteStringValue({expression});");
                    break;
                case ShapeKind.Char:
                case ShapeKind.DateTime:
                case ShapeKind.TimeSpan:
                case ShapeKind.DateOnly:
                case ShapeKind.TimeOnly:
                    w.WriteLine($"{Json}.Write{shape.Kind}(writer, {expression});");
                    break;
                case ShapeKind.Enum:
                    w.WriteLine($"WriteEnum{EnumIndex(shape, enums)}(writer, {expression});");
                    break;
                case ShapeKind.ByteArray:
                    w.WriteLine($"writer.WriteBase64StringValue({expression});");
                    break;
                case ShapeKind.Nullable:
                    w.OpenBlock($"if ({expression}.HasValue)");
                    WriteJsonValue(w, shape.Element!, $"{expression}.Value", site, depth, enums);
                    w.CloseBlock();
                    w.OpenBlock("else");
                    w.WriteLine("writer.WriteNullValue();");
                    w.CloseBlock();
                    break;
                case ShapeKind.Array:
                case ShapeKind.List:
                    w.WriteLine("writer.WriteStartArray();");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteJsonValue(w, shape.Element!, element, site, depth + 1, enums);
                    w.CloseBlock();
                    w.WriteLine("writer.WriteEndArray();");
                    break;
                case ShapeKind.ReadOnlyList:
                    w.WriteLine("writer.WriteStartArray();");
                    w.OpenBlock($"for (var i{depth} = 0; i{depth} < {expression}.Count; i{depth}++)");
                    w.WriteLine($"var {element} = {expression}[i{depth}];");
                    WriteJsonValue(w, shape.Element!, element, site, depth + 1, enums);
                    w.CloseBlock();
                    w.WriteLine("writer.WriteEndArray();");
                    break;
                case ShapeKind.ImmutableArray:
                    w.OpenBlock($"if ({expression}.IsDefault)");
                    w.WriteLine("writer.WriteNullValue();");
                    w.CloseBlock();
                    w.OpenBlock("else");
                    w.WriteLine("writer.WriteStartArray();");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteJsonValue(w, shape.Element!, element, site, depth + 1, enums);
                    w.CloseBlock();
                    w.WriteLine("writer.WriteEndArray();");
                    w.CloseBlock();
                    break;
                case ShapeKind.Dictionary:
                    w.WriteLine("writer.WriteStartObject();");
                    WriteJsonDictionaryEntries(w, shape, expression, site, depth, enums);
                    w.WriteLine("writer.WriteEndObject();");
                    break;
                case ShapeKind.ReadOnlyDictionary:
                    {
                        // Enumerating the interface boxes the enumerator: take the allocation-free path for the usual Dictionary.
                        var dictionary = $"d{depth}";
                        w.WriteLine("writer.WriteStartObject();");
                        w.OpenBlock($"if ({expression} is global::System.Collections.Generic.Dictionary<string, {shape.Element!.DeclaredName}> {dictionary})");
                        WriteJsonDictionaryEntries(w, shape, dictionary, site, depth, enums);
                        w.CloseBlock();
                        w.OpenBlock("else");
                        WriteJsonDictionaryEntries(w, shape, expression, site, depth, enums);
                        w.CloseBlock();
                        w.WriteLine("writer.WriteEndObject();");
                        break;
                    }

                case ShapeKind.Data:
                    w.WriteLine($"{DataContract}.Json<{shape.TypeName}>().Write(writer, {expression});");
                    break;
                default:
                    throw new System.InvalidOperationException($"Unexpected shape {shape.Kind}.");
            }
        }

        private static void WriteJsonDictionaryEntries(SourceWriter w, TypeShape shape, string expression, Site site, int depth, List<TypeShape> enums)
        {
            var entry = $"e{depth}";
            w.OpenBlock($"foreach (var {entry} in {expression})");
            w.WriteLine($"writer.WritePropertyName({entry}.Key);");
            WriteJsonValue(w, shape.Element!, $"{entry}.Value", site, depth + 1, enums);
            w.CloseBlock();
        }

        private static void ReadJsonValue(SourceWriter w, TypeShape shape, string target, Site site, int depth, List<TypeShape> enums)
        {
            if (shape.IsReferenceType || shape.Kind is ShapeKind.Nullable or ShapeKind.ImmutableArray)
            {
                w.OpenBlock($"if (reader.TokenType == {TokenType}.Null)");
                w.WriteLine(shape.AllowsNull
                    ? $"{target} = default;"
                    : $"throw {Json}.NullForNonNullable({site.TypeLiteral}, {site.MemberLiteral});");
                w.CloseBlock();
                w.OpenBlock("else");
                ReadJsonNonNullValue(w, shape, target, site, depth, enums);
                w.CloseBlock();
                return;
            }

            ReadJsonNonNullValue(w, shape, target, site, depth, enums);
        }

        private static void ReadJsonNonNullValue(SourceWriter w, TypeShape shape, string target, Site site, int depth, List<TypeShape> enums)
        {
            var element = $"e{depth}";
            var collection = $"c{depth}";
            var at = $"ref reader, {site.TypeLiteral}, {site.MemberLiteral}";
            switch (shape.Kind)
            {
                case ShapeKind.String:
                case ShapeKind.Boolean:
                case ShapeKind.Byte:
                case ShapeKind.SByte:
                case ShapeKind.Int16:
                case ShapeKind.UInt16:
                case ShapeKind.Int32:
                case ShapeKind.UInt32:
                case ShapeKind.Int64:
                case ShapeKind.UInt64:
                case ShapeKind.Single:
                case ShapeKind.Double:
                case ShapeKind.Decimal:
                case ShapeKind.Char:
                case ShapeKind.Guid:
                case ShapeKind.DateTime:
                case ShapeKind.DateTimeOffset:
                case ShapeKind.TimeSpan:
                case ShapeKind.DateOnly:
                case ShapeKind.TimeOnly:
                    w.WriteLine($"{target} = {Json}.Read{shape.Kind}({at});");
                    break;
                case ShapeKind.IntPtr:
                    w.WriteLine($"{target} = checked((nint){Json}.ReadInt64({at}));");
                    break;
                case ShapeKind.UIntPtr:
                    w.WriteLine($"{target} = checked((nuint){Json}.ReadUInt64({at}));");
                    break;
                case ShapeKind.Enum:
                    w.WriteLine($"{target} = ReadEnum{EnumIndex(shape, enums)}(ref reader, {site.MemberLiteral});");
                    break;
                case ShapeKind.ByteArray:
                    w.WriteLine($"{target} = {Json}.ReadBytes({at});");
                    break;
                case ShapeKind.Nullable:
                    {
                        var inner = shape.Element!;
                        w.WriteLine($"{inner.DeclaredName} {element};");
                        ReadJsonValue(w, inner, element, site, depth + 1, enums);
                        w.WriteLine($"{target} = {element};");
                        break;
                    }

                case ShapeKind.Array:
                case ShapeKind.List:
                case ShapeKind.ReadOnlyList:
                case ShapeKind.ImmutableArray:
                    {
                        var elementType = shape.Element!.DeclaredName;
                        w.WriteLine($"{Json}.ExpectStartArray({at});");
                        w.WriteLine(shape.Kind == ShapeKind.ImmutableArray
                            ? $"var {collection} = global::System.Collections.Immutable.ImmutableArray.CreateBuilder<{elementType}>();"
                            : $"var {collection} = new global::System.Collections.Generic.List<{elementType}>();");
                        w.OpenBlock($"while ({Json}.NextElement(ref reader))");
                        w.WriteLine($"{elementType} {element};");
                        ReadJsonValue(w, shape.Element!, element, site, depth + 1, enums);
                        w.WriteLine($"{collection}.Add({element});");
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
                        w.WriteLine($"{Json}.ExpectStartMap({at});");
                        w.WriteLine($"var {collection} = new global::System.Collections.Generic.Dictionary<string, {shape.Element!.DeclaredName}>();");
                        w.OpenBlock($"while ({Json}.NextProperty(ref reader))");
                        w.WriteLine($"var {key} = {Json}.ReadKey(ref reader);");
                        w.WriteLine($"{Json}.Read(ref reader);");
                        w.WriteLine($"{shape.Element!.DeclaredName} {element};");
                        ReadJsonValue(w, shape.Element!, element, site, depth + 1, enums);
                        w.OpenBlock($"if (!{collection}.TryAdd({key}, {element}))");
                        w.WriteLine($"throw {Json}.DuplicateKey({site.TypeLiteral}, {site.MemberLiteral}, {key});");
                        w.CloseBlock();
                        w.CloseBlock();
                        w.WriteLine($"{target} = {collection};");
                        break;
                    }

                case ShapeKind.Data:
                    w.WriteLine($"{target} = {DataContract}.Json<{shape.TypeName}>().Read(ref reader);");
                    break;
                default:
                    throw new System.InvalidOperationException($"Unexpected shape {shape.Kind}.");
            }
        }

        private static int EnumIndex(TypeShape shape, List<TypeShape> enums) => enums.FindIndex(e => e.TypeName == shape.TypeName);

        /// <summary>
        /// An enum's JSON: written by the name of its value (the first declared with it), or as a number when no member
        /// has that value; read from a name (ignoring ASCII case), a number, or a number in a string.
        /// </summary>
        private static void WriteEnumHelpers(SourceWriter w, DataTypeSpec spec, TypeShape shape, int index)
        {
            var type = shape.TypeName;
            var underlying = Keyword(shape.EnumUnderlying);
            w.OpenBlock($"private static void WriteEnum{index}({JsonWriter} writer, {type} value)");
            w.OpenBlock("switch (value)");
            foreach (var member in shape.EnumMembers)
            {
                w.WriteLine($"case {type}.{member.Name}:");
                w.WriteLine($"    writer.WriteStringValue({Literal(member.JsonName)}u8);");
                w.WriteLine("    break;");
            }

            w.WriteLine("default:");
            w.WriteLine($"    writer.WriteNumberValue(({underlying})value);");
            w.WriteLine("    break;");
            w.CloseBlock();
            w.CloseBlock();
            w.WriteLine();

            var typeName = Literal(spec.DisplayName);
            var longest = shape.EnumMembers.Select(m => System.Text.Encoding.UTF8.GetByteCount(m.JsonName)).DefaultIfEmpty(0).Max();
            var unsigned = shape.EnumUnderlying is ShapeKind.Byte or ShapeKind.UInt16 or ShapeKind.UInt32 or ShapeKind.UInt64;
            w.OpenBlock($"private static {type} ReadEnum{index}(ref {JsonReader} reader, string memberName)");
            w.OpenBlock($"if (reader.TokenType == {TokenType}.Number)");
            w.WriteLine($"return ({type}){Json}.Read{shape.EnumUnderlying}(ref reader, {typeName}, memberName);");
            w.CloseBlock();
            w.WriteLine();
            w.OpenBlock($"if (reader.TokenType != {TokenType}.String)");
            w.WriteLine($"throw {Json}.EnumMismatch(ref reader, {typeName}, memberName);");
            w.CloseBlock();
            w.WriteLine();
            w.WriteLine($"global::System.Span<byte> buffer = stackalloc byte[{System.Math.Max(longest * 6, 24)}];");
            w.WriteLine($"global::System.ReadOnlySpan<byte> text = buffer[..{Json}.ReadEnumName(ref reader, buffer)];");
            foreach (var member in shape.EnumMembers)
            {
                w.OpenBlock($"if ({Json}.EnumNameEquals(text, {Literal(member.JsonName)}u8))");
                w.WriteLine($"return {type}.{member.Name};");
                w.CloseBlock();
                w.WriteLine();
            }

            w.OpenBlock($"if ({Json}.TryParseEnumNumber(text, out var number){(unsigned ? " && number >= 0" : string.Empty)})");
            w.WriteLine($"return ({type})checked(({underlying})number);");
            w.CloseBlock();
            w.WriteLine();
            w.WriteLine($"throw {Json}.UnknownEnumName({typeName}, memberName, {Literal(type.Replace("global::", string.Empty))});");
            w.CloseBlock();
        }
    }
}
