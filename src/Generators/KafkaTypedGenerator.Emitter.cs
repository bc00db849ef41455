using System;
using System.Linq;
using System.Text;
using KafkaTyped.Generators.Common;
using KafkaTyped.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KafkaTyped.Generators;

public sealed partial class KafkaTypedGenerator
{
    /// <summary>Turns models into C# source. Reads nothing but the models.</summary>
    internal static partial class Emitter
    {
        internal const string RoutingHintName = "KafkaTyped.Routing.g.cs";

        private const string Primitives = "global::KafkaTyped.Serialization.MessagePackPrimitives";
        private const string Writer = "global::MessagePack.MessagePackWriter";
        private const string Reader = "global::MessagePack.MessagePackReader";

        /// <summary>
        /// The file-local class through which generated code calls a contract's static members: they are implemented
        /// explicitly, so that they stay out of the type's public surface, and only a type parameter reaches them.
        /// </summary>
        private const string DataContract = "KafkaTypedContractAccess";

        // The nested classes generated in each type: its serializers, and the holder of its KafkaTypeInfo.
        private const string TypeInfoHolder = "KafkaTypedTypeInfo";
        private const string MessagePackCodecName = "KafkaTypedMessagePackCodec";
        private const string JsonCodecName = "KafkaTypedJsonCodec";
        private const string AvroCodecName = "KafkaTypedAvroCodec";

        private static readonly string s_generatedCodeAttribute =
            $"[global::System.CodeDom.Compiler.GeneratedCode(\"KafkaTyped.Generators\", \"{typeof(KafkaTypedGenerator).Assembly.GetName().Version}\")]";

        public static void EmitDataType(SourceProductionContext context, DataTypeSpec? spec, EquatableArray<HintNameOverride> hintNameOverrides)
        {
            if (spec is null)
            {
                return;
            }

            var hintName = hintNameOverrides.FirstOrDefault(o => o.HintName == spec.HintName)?.UniqueHintName ?? spec.HintName;
            context.AddSource(hintName, EmitDataType(spec).ToSourceText());
        }

        public static void EmitRouting(SourceProductionContext context, RouteTableSpec table)
        {
            if (table.Routes.IsEmpty)
            {
                return;
            }

            context.AddSource(RoutingHintName, EmitRouting(table).ToSourceText());
        }

        internal static SourceWriter EmitDataType(DataTypeSpec spec)
        {
            var w = new SourceWriter();
            WriteHeader(w);
            if (spec.Namespace.Length > 0)
            {
                w.WriteLine($"namespace {spec.Namespace}");
                w.OpenBlock();
            }

            foreach (var containing in spec.ContainingTypes)
            {
                w.OpenBlock($"partial {containing.Keyword} {containing.Name}");
            }

            var contract = spec.IsMessage ? "IKafkaMessage" : "IKafkaData";
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"partial {spec.Keyword} {spec.Name} : global::KafkaTyped.{contract}<{spec.FullyQualifiedName}>");

            if (spec.IsMessage)
            {
                WriteMessageContract(w, spec);
            }

            w.WriteLine($"static global::KafkaTyped.Serialization.KafkaTypeInfo<{spec.FullyQualifiedName}> global::KafkaTyped.IKafkaData<{spec.FullyQualifiedName}>.TypeInfo => {TypeInfoHolder}.Instance;");
            w.WriteLine();
            WriteConstructor(w, spec);
            w.WriteLine();
            WriteTypeInfoHolder(w, spec);
            w.WriteLine();
            WriteMessagePackCodec(w, spec);
            w.WriteLine();
            WriteJsonCodec(w, spec);
            w.WriteLine();
            WriteAvroCodec(w, spec);
            w.WriteLine();
            WriteFormatter(w, spec);

            w.CloseBlock();
            foreach (var _ in spec.ContainingTypes)
            {
                w.CloseBlock();
            }

            w.WriteLine();
            WriteContractAccess(w);
            if (spec.Namespace.Length > 0)
            {
                w.CloseBlock();
            }

            return w;
        }

        internal static SourceWriter EmitRouting(RouteTableSpec table)
        {
            var w = new SourceWriter();
            WriteHeader(w);

            // The registration class lives in a namespace of this assembly's own, imported here for this assembly only:
            // an assembly that sees another's internals (InternalsVisibleTo) does not import that one's namespace, so
            // its AddGeneratedHandlers() call binds to its own extension method and is never ambiguous.
            w.WriteLine($"global using static {table.RegistrationNamespace}.KafkaTypedGeneratedHandlers;");
            w.WriteLine();
            w.WriteLine($"namespace {table.RegistrationNamespace}");
            w.OpenBlock();

            var handlerTypes = table.Routes.SelectMany(r => r.HandlerTypeNames).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();

            w.WriteLine("/// <summary>Registers this assembly's message handlers and routing table, generated at compile time.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock("internal static class KafkaTypedGeneratedHandlers");
            w.WriteLine("/// <summary>");
            w.WriteLine("/// Adds every <c>IHandle&lt;T&gt;</c> implementation of this assembly as a scoped service (a handler registered");
            w.WriteLine("/// before this call, with any lifetime, is kept) and the routing table over them.");
            w.WriteLine("/// </summary>");
            w.WriteLine("/// <param name=\"builder\">The KafkaTyped builder.</param>");
            w.WriteLine("/// <returns>The same builder.</returns>");
            w.OpenBlock("public static global::KafkaTyped.IKafkaTypedBuilder AddGeneratedHandlers(this global::KafkaTyped.IKafkaTypedBuilder builder)");
            w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(builder);");
            foreach (var handler in handlerTypes)
            {
                w.WriteLine($"global::Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddScoped<{handler}>(builder.Services);");
            }

            w.WriteLine("builder.AddRouteTable(GeneratedMessageRouteTable.Instance);");
            w.WriteLine("return builder;");
            w.CloseBlock();
            w.CloseBlock();
            w.WriteLine();

            WriteRouteTable(w, table);
            foreach (var route in table.Routes)
            {
                w.WriteLine();
                WriteRoute(w, route);
            }

            w.CloseBlock();
            return w;
        }

        private static void WriteHeader(SourceWriter w)
        {
            w.WriteLine("// <auto-generated/>");
            w.WriteLine("#nullable enable");
            w.WriteLine();
        }

        private static void WriteMessageContract(SourceWriter w, DataTypeSpec spec)
        {
            var typeId = Literal(spec.TypeId!);
            var contract = $"global::KafkaTyped.IKafkaMessage<{spec.FullyQualifiedName}>";
            w.WriteLine($"static string {contract}.TypeId => {typeId};");
            w.WriteLine();
            w.WriteLine($"static global::System.ReadOnlySpan<byte> {contract}.TypeIdUtf8 => {typeId}u8;");
            w.WriteLine();
            w.WriteLine($"static string? {contract}.DefaultTopic => {(spec.Topic is null ? "null" : Literal(spec.Topic))};");
            w.WriteLine();
            w.WriteLine($"static global::KafkaTyped.MessageFormat {contract}.Format => {spec.Format};");
            w.WriteLine();
            w.WriteLine($"static bool {contract}.HasKey => {(spec.Key is null ? "false" : "true")};");
            w.WriteLine();
            w.OpenBlock($"static byte[]? {contract}.SerializeKey({spec.FullyQualifiedName} message)");
            if (!spec.IsValueType)
            {
                w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(message);");
            }

            w.WriteLine(spec.Key is null
                ? "return null;"
                : $"return global::KafkaTyped.Serialization.MessageKeyEncoder.Encode(message.{spec.Key.MemberName});");
            w.CloseBlock();
            w.WriteLine();
            if (spec.DeduplicationKey is { } deduplicationKey)
            {
                w.OpenBlock($"static string? {contract}.DeduplicationKeyOf({spec.FullyQualifiedName} message)");
                if (!spec.IsValueType)
                {
                    w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(message);");
                }

                w.WriteLine($"return {deduplicationKey};");
                w.CloseBlock();
                w.WriteLine();
            }
        }

        private static void WriteTypeInfoHolder(SourceWriter w, DataTypeSpec spec)
        {
            var type = spec.FullyQualifiedName;
            w.WriteLine($"/// <summary>The serializers of <see cref=\"{spec.Name}\"/>, one per format.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"private static class {TypeInfoHolder}");
            w.WriteLine($"public static readonly global::KafkaTyped.Serialization.KafkaTypeInfo<{type}> Instance = new({MessagePackCodecName}.Instance, {JsonCodecName}.Instance, {AvroCodecName}.Instance);");
            w.CloseBlock();
        }

        private static void WriteMessagePackCodec(SourceWriter w, DataTypeSpec spec)
        {
            w.WriteLine($"/// <summary>The MessagePack serializer of <see cref=\"{spec.Name}\"/>: an array of its members in encoding order.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"private sealed class {MessagePackCodecName} : global::KafkaTyped.Serialization.MessagePackCodec<{spec.FullyQualifiedName}>");
            w.WriteLine($"public static readonly {MessagePackCodecName} Instance = new();");
            w.WriteLine();
            WriteSerialize(w, spec);
            w.WriteLine();
            WriteDeserialize(w, spec);
            w.CloseBlock();
        }

        private static void WriteSerialize(SourceWriter w, DataTypeSpec spec)
        {
            w.OpenBlock($"public override void Write(ref {Writer} writer, {spec.FullyQualifiedName} value)");
            if (!spec.IsValueType)
            {
                w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(value);");
            }

            w.WriteLine($"writer.WriteArrayHeader({spec.Members.Count});");
            foreach (var member in spec.Members)
            {
                w.WriteLine();
                w.WriteLine($"// {member.DisplayName}");
                WriteValue(w, member.Shape, $"value.{member.Name}", new Site(spec, member), 0);
            }

            w.CloseBlock();
        }

        private static void WriteDeserialize(SourceWriter w, DataTypeSpec spec)
        {
            var typeName = Literal(spec.DisplayName);
            w.OpenBlock($"public override {spec.FullyQualifiedName} Read(ref {Reader} reader)");
            w.WriteLine($"{Primitives}.EnterObject(ref reader, {typeName});");
            w.WriteLine($"var count = {Primitives}.ReadObjectHeader(ref reader, {typeName});");
            foreach (var member in spec.Members)
            {
                var initial = member.DefaultValueExpression ?? (member.Shape.IsReferenceType ? "default!" : "default");
                w.WriteLine($"{member.Shape.DeclaredName} {Local(member)} = {initial};");
            }

            for (var i = 0; i < spec.Members.Count; i++)
            {
                var member = spec.Members[i];
                w.WriteLine();
                w.OpenBlock($"if (count > {i})");
                ReadValue(w, member.Shape, Local(member), new Site(spec, member), 0);
                w.CloseBlock();
            }

            w.WriteLine();
            w.WriteLine("// Members a newer writer added after the known ones are skipped.");
            w.WriteLine($"{Primitives}.Skip(ref reader, count - {spec.Members.Count});");
            w.WriteLine($"{Primitives}.LeaveObject(ref reader);");
            var arguments = string.Concat(spec.Members.Select(m => ", " + Local(m)));
            w.WriteLine($"return new {spec.FullyQualifiedName}(new global::KafkaTyped.Serialization.PresentMembers(count){arguments});");
            w.CloseBlock();
        }

        private static void WriteContractAccess(SourceWriter w)
        {
            var inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";
            w.WriteLine("/// <summary>Calls the explicitly implemented contract members of the types this file serializes.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"file static class {DataContract}");
            w.WriteLine(inline);
            w.WriteLine("public static global::KafkaTyped.Serialization.MessagePackCodec<T> MessagePack<T>() where T : global::KafkaTyped.IKafkaData<T> => T.TypeInfo.MessagePack;");
            w.WriteLine();
            w.WriteLine(inline);
            w.WriteLine("public static global::KafkaTyped.Serialization.JsonCodec<T> Json<T>() where T : global::KafkaTyped.IKafkaData<T> => T.TypeInfo.Json;");
            w.WriteLine();
            w.WriteLine(inline);
            w.WriteLine("public static global::KafkaTyped.Serialization.AvroCodec<T> Avro<T>() where T : global::KafkaTyped.IKafkaData<T> => T.TypeInfo.Avro;");
            w.CloseBlock();
        }

        private static void WriteConstructor(SourceWriter w, DataTypeSpec spec)
        {
            if (spec.NeedsDefaultConstructor)
            {
                // Declaring the constructor below hides the implicit public parameterless one: declare that one too.
                w.WriteLine($"/// <summary>Creates a <see cref=\"{spec.Name}\"/> with the initial values of its members.</summary>");
                w.WriteLine($"public {spec.Name}()");
                w.OpenBlock();
                w.CloseBlock();
                w.WriteLine();
            }

            var parameters = string.Concat(spec.Members.Select(m => $", {m.Shape.DeclaredName} {Local(m)}"));
            w.WriteLine("/// <summary>Creates a value read by the generated deserializer: members the payload lacks keep their initial values.</summary>");
            w.WriteLine("[global::System.Diagnostics.CodeAnalysis.SetsRequiredMembers]");
            var mayLeaveNull = spec.Members.Any(m => !m.IsConstructorParameter && m.Shape.IsReferenceType && !m.Shape.AllowsNull);
            if (mayLeaveNull)
            {
                w.WriteLine("#pragma warning disable CS8618 // A member missing from an older payload keeps its initial value, which may be null.");
            }

            w.WriteLine($"private {spec.Name}(global::KafkaTyped.Serialization.PresentMembers present{parameters})");
            if (spec.HasPrimaryConstructor)
            {
                var arguments = string.Join(", ", spec.Members.Where(m => m.IsConstructorParameter).Select(Local));
                w.WriteLine($"    : this({arguments})");
            }

            w.OpenBlock();
            var first = true;
            for (var i = 0; i < spec.Members.Count; i++)
            {
                var member = spec.Members[i];
                if (member.IsConstructorParameter)
                {
                    continue;
                }

                if (!first)
                {
                    w.WriteLine();
                }

                first = false;
                w.OpenBlock($"if (present.Has({i}))");
                w.WriteLine($"this.{member.Name} = {Local(member)};");
                w.CloseBlock();
            }

            w.CloseBlock();
            if (mayLeaveNull)
            {
                w.WriteLine("#pragma warning restore CS8618");
            }
        }

        private static void WriteFormatter(SourceWriter w, DataTypeSpec spec)
        {
            var type = spec.FullyQualifiedName;
            var options = "global::MessagePack.MessagePackSerializerOptions";
            w.WriteLine($"/// <summary>The MessagePack-CSharp formatter of <see cref=\"{spec.Name}\"/>, for use with a MessagePack resolver; nil reads as <see langword=\"null\"/>.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            if (spec.IsValueType)
            {
                w.OpenBlock($"internal sealed class MessagePackFormatter : global::MessagePack.Formatters.IMessagePackFormatter<{type}>, global::MessagePack.Formatters.IMessagePackFormatter<{type}?>");
            }
            else
            {
                w.OpenBlock($"internal sealed class MessagePackFormatter : global::MessagePack.Formatters.IMessagePackFormatter<{type}?>");
            }

            w.WriteLine("/// <summary>The shared instance.</summary>");
            w.WriteLine("public static readonly MessagePackFormatter Instance = new();");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.OpenBlock($"public void Serialize(ref {Writer} writer, {type}? value, {options} options)");
            w.OpenBlock("if (value is null)");
            w.WriteLine("writer.WriteNil();");
            w.WriteLine("return;");
            w.CloseBlock();
            w.WriteLine();
            w.WriteLine($"{MessagePackCodecName}.Instance.Write(ref writer, value{(spec.IsValueType ? ".Value" : string.Empty)});");
            w.CloseBlock();
            w.WriteLine();
            if (spec.IsValueType)
            {
                w.WriteLine("/// <inheritdoc/>");
                w.WriteLine($"public void Serialize(ref {Writer} writer, {type} value, {options} options) => {MessagePackCodecName}.Instance.Write(ref writer, value);");
                w.WriteLine();
                w.WriteLine("/// <inheritdoc/>");
                w.WriteLine($"public {type} Deserialize(ref {Reader} reader, {options} options) => {MessagePackCodecName}.Instance.Read(ref reader);");
                w.WriteLine();
                w.WriteLine("/// <inheritdoc/>");
                w.WriteLine($"{type}? global::MessagePack.Formatters.IMessagePackFormatter<{type}?>.Deserialize(ref {Reader} reader, {options} options)");
                w.WriteLine($"    => reader.TryReadNil() ? null : {MessagePackCodecName}.Instance.Read(ref reader);");
            }
            else
            {
                w.WriteLine("/// <inheritdoc/>");
                w.WriteLine($"public {type}? Deserialize(ref {Reader} reader, {options} options)");
                w.WriteLine($"    => reader.TryReadNil() ? null : {MessagePackCodecName}.Instance.Read(ref reader);");
            }

            w.CloseBlock();
        }

        private static void WriteValue(SourceWriter w, TypeShape shape, string expression, Site site, int depth)
        {
            if (shape.Kind == ShapeKind.String)
            {
                w.WriteLine(shape.AllowsNull
                    ? $"writer.Write({expression});"
                    : $"writer.Write({expression} ?? throw {Primitives}.NullForNonNullable({site.TypeLiteral}, {site.MemberLiteral}));");
                return;
            }

            if (shape.IsReferenceType)
            {
                w.OpenBlock($"if ({expression} is null)");
                w.WriteLine(shape.AllowsNull
                    ? "writer.WriteNil();"
                    : $"throw {Primitives}.NullForNonNullable({site.TypeLiteral}, {site.MemberLiteral});");
                w.CloseBlock();
                w.OpenBlock("else");
                WriteNonNullValue(w, shape, expression, site, depth);
                w.CloseBlock();
                return;
            }

            WriteNonNullValue(w, shape, expression, site, depth);
        }

        private static void WriteNonNullValue(SourceWriter w, TypeShape shape, string expression, Site site, int depth)
        {
            var element = $"e{depth}";
            switch (shape.Kind)
            {
                case ShapeKind.IntPtr:
                    w.WriteLine($"writer.Write((long){expression});");
                    break;
                case ShapeKind.UIntPtr:
                    w.WriteLine($"writer.Write((ulong){expression});");
                    break;
                case ShapeKind.Guid:
                    w.WriteLine($"{Primitives}.WriteGuid(ref writer, {expression});");
                    break;
                case ShapeKind.Decimal:
                    w.WriteLine($"{Primitives}.WriteDecimal(ref writer, {expression});");
                    break;
                case ShapeKind.DateTimeOffset:
                    w.WriteLine($"{Primitives}.WriteDateTimeOffset(ref writer, {expression});");
                    break;
                case ShapeKind.TimeSpan:
                case ShapeKind.TimeOnly:
                    w.WriteLine($"writer.Write({expression}.Ticks);");
                    break;
                case ShapeKind.DateOnly:
                    w.WriteLine($"writer.Write({expression}.DayNumber);");
                    break;
                case ShapeKind.Enum:
                    w.WriteLine($"writer.Write(({Keyword(shape.EnumUnderlying)}){expression});");
                    break;
                case ShapeKind.ByteArray:
                    w.WriteLine($"writer.Write(new global::System.ReadOnlySpan<byte>({expression}));");
                    break;
                case ShapeKind.Nullable:
                    w.OpenBlock($"if ({expression}.HasValue)");
                    WriteValue(w, shape.Element!, $"{expression}.Value", site, depth);
                    w.CloseBlock();
                    w.OpenBlock("else");
                    w.WriteLine("writer.WriteNil();");
                    w.CloseBlock();
                    break;
                case ShapeKind.Array:
                    w.WriteLine($"writer.WriteArrayHeader({expression}.Length);");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteValue(w, shape.Element!, element, site, depth + 1);
                    w.CloseBlock();
                    break;
                case ShapeKind.List:
                    w.WriteLine($"writer.WriteArrayHeader({expression}.Count);");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteValue(w, shape.Element!, element, site, depth + 1);
                    w.CloseBlock();
                    break;
                case ShapeKind.ReadOnlyList:
                    w.WriteLine($"writer.WriteArrayHeader({expression}.Count);");
                    w.OpenBlock($"for (var i{depth} = 0; i{depth} < {expression}.Count; i{depth}++)");
                    w.WriteLine($"var {element} = {expression}[i{depth}];");
                    WriteValue(w, shape.Element!, element, site, depth + 1);
                    w.CloseBlock();
                    break;
                case ShapeKind.ImmutableArray:
                    w.OpenBlock($"if ({expression}.IsDefault)");
                    w.WriteLine("writer.WriteNil();");
                    w.CloseBlock();
                    w.OpenBlock("else");
                    w.WriteLine($"writer.WriteArrayHeader({expression}.Length);");
                    w.OpenBlock($"foreach (var {element} in {expression})");
                    WriteValue(w, shape.Element!, element, site, depth + 1);
                    w.CloseBlock();
                    w.CloseBlock();
                    break;
                case ShapeKind.Dictionary:
                    w.WriteLine($"writer.WriteMapHeader({expression}.Count);");
                    WriteDictionaryEntries(w, shape, expression, site, depth);
                    break;
                case ShapeKind.ReadOnlyDictionary:
                    {
                        // Enumerating the interface boxes the enumerator: take the allocation-free path for the usual Dictionary.
                        var dictionary = $"d{depth}";
                        w.WriteLine($"writer.WriteMapHeader({expression}.Count);");
                        w.OpenBlock($"if ({expression} is global::System.Collections.Generic.Dictionary<string, {shape.Element!.DeclaredName}> {dictionary})");
                        WriteDictionaryEntries(w, shape, dictionary, site, depth);
                        w.CloseBlock();
                        w.OpenBlock("else");
                        WriteDictionaryEntries(w, shape, expression, site, depth);
                        w.CloseBlock();
                        break;
                    }

                case ShapeKind.Data:
                    w.WriteLine($"{DataContract}.MessagePack<{shape.TypeName}>().Write(ref writer, {expression});");
                    break;
                default:
                    // bool, integers, char, float, double, string, DateTime (timestamp extension).
                    w.WriteLine($"writer.Write({expression});");
                    break;
            }
        }

        private static void WriteDictionaryEntries(SourceWriter w, TypeShape shape, string expression, Site site, int depth)
        {
            var entry = $"e{depth}";
            w.OpenBlock($"foreach (var {entry} in {expression})");
            w.WriteLine($"writer.Write({entry}.Key);");
            WriteValue(w, shape.Element!, $"{entry}.Value", site, depth + 1);
            w.CloseBlock();
        }

        private static void ReadValue(SourceWriter w, TypeShape shape, string target, Site site, int depth)
        {
            if (shape.Kind == ShapeKind.String)
            {
                w.WriteLine(shape.AllowsNull
                    ? $"{target} = reader.ReadString();"
                    : $"{target} = reader.ReadString() ?? throw {Primitives}.NilForNonNullable({site.TypeLiteral}, {site.MemberLiteral});");
                return;
            }

            if (shape.IsReferenceType || shape.Kind is ShapeKind.Nullable or ShapeKind.ImmutableArray)
            {
                w.OpenBlock("if (reader.TryReadNil())");
                w.WriteLine(shape.AllowsNull
                    ? $"{target} = default;"
                    : $"throw {Primitives}.NilForNonNullable({site.TypeLiteral}, {site.MemberLiteral});");
                w.CloseBlock();
                w.OpenBlock("else");
                ReadNonNilValue(w, shape, target, site, depth);
                w.CloseBlock();
                return;
            }

            ReadNonNilValue(w, shape, target, site, depth);
        }

        private static void ReadNonNilValue(SourceWriter w, TypeShape shape, string target, Site site, int depth)
        {
            var count = $"n{depth}";
            var index = $"i{depth}";
            var element = $"e{depth}";
            var collection = $"c{depth}";
            switch (shape.Kind)
            {
                case ShapeKind.Boolean:
                case ShapeKind.Byte:
                case ShapeKind.SByte:
                case ShapeKind.Int16:
                case ShapeKind.UInt16:
                case ShapeKind.Int32:
                case ShapeKind.UInt32:
                case ShapeKind.Int64:
                case ShapeKind.UInt64:
                case ShapeKind.Char:
                case ShapeKind.Single:
                case ShapeKind.Double:
                case ShapeKind.DateTime:
                    w.WriteLine($"{target} = reader.Read{shape.Kind}();");
                    break;
                case ShapeKind.IntPtr:
                    w.WriteLine($"{target} = checked((nint)reader.ReadInt64());");
                    break;
                case ShapeKind.UIntPtr:
                    w.WriteLine($"{target} = checked((nuint)reader.ReadUInt64());");
                    break;
                case ShapeKind.Guid:
                case ShapeKind.Decimal:
                case ShapeKind.DateTimeOffset:
                case ShapeKind.DateOnly:
                case ShapeKind.TimeOnly:
                    w.WriteLine($"{target} = {Primitives}.Read{shape.Kind}(ref reader);");
                    break;
                case ShapeKind.TimeSpan:
                    w.WriteLine($"{target} = new global::System.TimeSpan(reader.ReadInt64());");
                    break;
                case ShapeKind.Enum:
                    w.WriteLine($"{target} = ({shape.TypeName})reader.Read{shape.EnumUnderlying}();");
                    break;
                case ShapeKind.ByteArray:
                    w.WriteLine($"{target} = {Primitives}.ReadBinary(ref reader)!;");
                    break;
                case ShapeKind.Nullable:
                    {
                        var inner = shape.Element!;
                        w.WriteLine($"{inner.DeclaredName} {element};");
                        ReadValue(w, inner, element, site, depth + 1);
                        w.WriteLine($"{target} = {element};");
                        break;
                    }

                case ShapeKind.Array:
                    w.WriteLine($"var {count} = {Primitives}.ReadArrayHeader(ref reader);");
                    w.WriteLine($"var {collection} = {Primitives}.NewArray<{shape.Element!.DeclaredName}>({count});");
                    w.OpenBlock($"for (var {index} = 0; {index} < {count}; {index}++)");
                    ReadValue(w, shape.Element!, $"{collection}[{index}]", site, depth + 1);
                    w.CloseBlock();
                    w.WriteLine($"{target} = {collection};");
                    break;
                case ShapeKind.List:
                case ShapeKind.ReadOnlyList:
                    w.WriteLine($"var {count} = {Primitives}.ReadArrayHeader(ref reader);");
                    w.WriteLine($"var {collection} = new global::System.Collections.Generic.List<{shape.Element!.DeclaredName}>({count});");
                    w.OpenBlock($"for (var {index} = 0; {index} < {count}; {index}++)");
                    w.WriteLine($"{shape.Element!.DeclaredName} {element};");
                    ReadValue(w, shape.Element!, element, site, depth + 1);
                    w.WriteLine($"{collection}.Add({element});");
                    w.CloseBlock();
                    w.WriteLine($"{target} = {collection};");
                    break;
                case ShapeKind.ImmutableArray:
                    w.WriteLine($"var {count} = {Primitives}.ReadArrayHeader(ref reader);");
                    w.WriteLine($"var {collection} = global::System.Collections.Immutable.ImmutableArray.CreateBuilder<{shape.Element!.DeclaredName}>({count});");
                    w.OpenBlock($"for (var {index} = 0; {index} < {count}; {index}++)");
                    w.WriteLine($"{shape.Element!.DeclaredName} {element};");
                    ReadValue(w, shape.Element!, element, site, depth + 1);
                    w.WriteLine($"{collection}.Add({element});");
                    w.CloseBlock();
                    w.WriteLine($"{target} = {collection}.MoveToImmutable();");
                    break;
                case ShapeKind.Dictionary:
                case ShapeKind.ReadOnlyDictionary:
                    {
                        var key = $"k{depth}";
                        w.WriteLine($"var {count} = {Primitives}.ReadMapHeader(ref reader);");
                        w.WriteLine($"var {collection} = new global::System.Collections.Generic.Dictionary<string, {shape.Element!.DeclaredName}>({count});");
                        w.OpenBlock($"for (var {index} = 0; {index} < {count}; {index}++)");
                        w.WriteLine($"var {key} = {Primitives}.ReadMapKey(ref reader, {site.TypeLiteral}, {site.MemberLiteral});");
                        w.WriteLine($"{shape.Element!.DeclaredName} {element};");
                        ReadValue(w, shape.Element!, element, site, depth + 1);
                        w.OpenBlock($"if (!{collection}.TryAdd({key}, {element}))");
                        w.WriteLine($"throw {Primitives}.DuplicateKey({site.TypeLiteral}, {site.MemberLiteral}, {key});");
                        w.CloseBlock();
                        w.CloseBlock();
                        w.WriteLine($"{target} = {collection};");
                        break;
                    }

                case ShapeKind.Data:
                    w.WriteLine($"{target} = {DataContract}.MessagePack<{shape.TypeName}>().Read(ref reader);");
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected shape {shape.Kind}.");
            }
        }

        private static void WriteRouteTable(SourceWriter w, RouteTableSpec table)
        {
            w.WriteLine("/// <summary>Routes type ids to this assembly's handlers: a switch over UTF-8 literals, built at compile time.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock("file sealed class GeneratedMessageRouteTable : global::KafkaTyped.Routing.IMessageRouteTable");
            w.WriteLine("public static readonly GeneratedMessageRouteTable Instance = new();");
            w.WriteLine();
            w.WriteLine("private static readonly global::System.Collections.ObjectModel.ReadOnlyCollection<global::KafkaTyped.Routing.MessageRoute> s_routes = global::System.Array.AsReadOnly(new global::KafkaTyped.Routing.MessageRoute[]");
            w.OpenBlock();
            foreach (var route in table.Routes)
            {
                w.WriteLine($"{route.RouteClassName}.Instance,");
            }

            w.CloseBlock("});");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine("public global::System.Collections.Generic.IReadOnlyList<global::KafkaTyped.Routing.MessageRoute> Routes => s_routes;");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.OpenBlock("public int IndexOf(global::System.ReadOnlySpan<byte> typeIdUtf8)");
            w.OpenBlock("switch (typeIdUtf8.Length)");
            var indexes = table.Routes.Select((route, index) => (route, index));
            foreach (var group in indexes.GroupBy(r => Encoding.UTF8.GetByteCount(r.route.TypeId)).OrderBy(g => g.Key))
            {
                w.WriteLine($"case {group.Key}:");
                w.OpenBlock();
                foreach (var (route, index) in group)
                {
                    w.OpenBlock($"if (global::System.MemoryExtensions.SequenceEqual(typeIdUtf8, {Literal(route.TypeId)}u8))");
                    w.WriteLine($"return {index};");
                    w.CloseBlock();
                    w.WriteLine();
                }

                w.WriteLine("break;");
                w.CloseBlock();
            }

            w.CloseBlock();
            w.WriteLine();
            w.WriteLine("return -1;");
            w.CloseBlock();
            w.CloseBlock();
        }

        private static void WriteRoute(SourceWriter w, RouteSpec route)
        {
            var message = route.MessageTypeName;
            w.WriteLine($"/// <summary>The route of <c>{route.TypeId.Replace("&", "&amp;").Replace("<", "&lt;")}</c>: deserializes <see cref=\"{message}\"/> for its handlers.</summary>");
            w.WriteLine(s_generatedCodeAttribute);
            w.OpenBlock($"file sealed class {route.RouteClassName} : global::KafkaTyped.Routing.MessageRoute<{message}>");
            w.WriteLine($"public static readonly {route.RouteClassName} Instance = new();");
            w.WriteLine();
            w.WriteLine("private static readonly global::System.Collections.ObjectModel.ReadOnlyCollection<global::System.Type> s_handlerTypes = global::System.Array.AsReadOnly(new global::System.Type[]");
            w.OpenBlock();
            foreach (var handler in route.HandlerTypeNames)
            {
                w.WriteLine($"typeof({handler}),");
            }

            w.CloseBlock("});");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine($"public override string TypeId => {Literal(route.TypeId)};");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine("public override global::System.Collections.Generic.IReadOnlyList<global::System.Type> HandlerTypes => s_handlerTypes;");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine($"public override {message} Deserialize(global::System.ReadOnlyMemory<byte> payload, global::KafkaTyped.MessageFormat format)");
            w.WriteLine($"    => global::KafkaTyped.Serialization.KafkaSerializer.DeserializeMessage<{message}>(payload, format);");
            // Read once, when a consumer group builds its stages; each table in the same order as s_handlerTypes.
            WritePolicyTable(w, route, "global::KafkaTyped.Routing.RetryPolicy?", "s_retryPolicies", "GetRetryPolicy", static p => p.Retry);
            WritePolicyTable(w, route, "global::KafkaTyped.Routing.DeduplicationPolicy?", "s_deduplicationPolicies", "GetDeduplicationPolicy", static p => p.Deduplicate);
            if (route.HandlerPolicies.Any(p => p.Deduplicate.Length > 0))
            {
                // The message's [DeduplicationKey], read through its contract (null, the ce_id, when it declares none).
                w.WriteLine();
                w.WriteLine("/// <inheritdoc/>");
                w.WriteLine($"public override string? GetDeduplicationKey({message} message)");
                w.WriteLine("    => global::KafkaTyped.Routing.DeduplicationKeys.Of(message);");
            }

            WritePolicyTable(w, route, "global::KafkaTyped.Routing.OrderingPolicy?", "s_orderings", "GetOrdering", static p => p.Ordering);
            WritePolicyTable(w, route, "string?", "s_deadLetterTopics", "GetDeadLetterTopic", static p => p.DeadLetterTopic.Length > 0 ? Literal(p.DeadLetterTopic) : string.Empty);

            w.CloseBlock();
        }

        // One declared policy per handler as a static table and the MessageRoute override that reads it; nothing when no
        // handler of the route declares it (the base class returns null). An empty expression is a handler without one.
        private static void WritePolicyTable(SourceWriter w, RouteSpec route, string type, string field, string method, Func<HandlerPolicySpec, string> expression)
        {
            if (!route.HandlerPolicies.Any(p => expression(p).Length > 0))
            {
                return;
            }

            w.WriteLine();
            w.WriteLine($"private static readonly {type}[] {field} =");
            w.OpenBlock();
            foreach (var policy in route.HandlerPolicies)
            {
                var value = expression(policy);
                w.WriteLine((value.Length > 0 ? value : "null") + ",");
            }

            w.CloseBlock("};");
            w.WriteLine();
            w.WriteLine("/// <inheritdoc/>");
            w.WriteLine($"public override {type} {method}(int handlerIndex)");
            w.WriteLine($"    => (uint)handlerIndex < (uint){field}.Length ? {field}[handlerIndex] : null;");
        }

        private static string Local(MemberSpec member) => member.DisplayName + "Value";

        private static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

        private static string Keyword(ShapeKind kind) => kind switch
        {
            ShapeKind.Byte => "byte",
            ShapeKind.SByte => "sbyte",
            ShapeKind.Int16 => "short",
            ShapeKind.UInt16 => "ushort",
            ShapeKind.UInt32 => "uint",
            ShapeKind.Int64 => "long",
            ShapeKind.UInt64 => "ulong",
            _ => "int",
        };

        /// <summary>Where a value is read or written, for error messages.</summary>
        private readonly struct Site
        {
            public Site(DataTypeSpec type, MemberSpec member)
            {
                TypeLiteral = Literal(type.DisplayName);
                MemberLiteral = Literal(member.DisplayName);
            }

            public string TypeLiteral { get; }

            public string MemberLiteral { get; }
        }
    }
}
