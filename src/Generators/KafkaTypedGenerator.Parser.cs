using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using KafkaTyped.Generators.Common;
using KafkaTyped.Generators.Model;
using KafkaTyped.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Generators;

public sealed partial class KafkaTypedGenerator
{
    /// <summary>Turns symbols into the value-equatable models of <c>Model/</c>. Nothing it returns holds a symbol or syntax.</summary>
    internal static class Parser
    {
        private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat;

        public static DataTypeResult ParseDataType(GeneratorAttributeSyntaxContext context, bool isMessage, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var syntax = (TypeDeclarationSyntax)context.TargetNode;
            var known = KnownTypeSymbols.Get(context.SemanticModel.Compilation);
            if (!isMessage && known.IsMessage(symbol))
            {
                // A message is data already: [KafkaMessage] wins, so the type is generated once.
                return new DataTypeResult(null, EquatableArray<DiagnosticInfo>.Empty, null);
            }

            var attributeName = isMessage ? "KafkaMessage" : "KafkaData";
            var displayName = symbol.ToDisplayString();
            var diagnostics = new List<DiagnosticInfo>();

            string? typeId = null;
            string? topic = null;
            var format = "global::KafkaTyped.MessageFormat.MessagePack";
            TypeIdDeclaration? typeIdDeclaration = null;
            if (isMessage)
            {
                var attribute = context.Attributes[0];
                typeId = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key == "Topic")
                    {
                        topic = named.Value.Value as string;
                    }
                    else if (named.Key == "Format" && named.Value.Value is int formatValue)
                    {
                        format = formatValue switch
                        {
                            0 => "global::KafkaTyped.MessageFormat.MessagePack",
                            1 => "global::KafkaTyped.MessageFormat.Json",
                            2 => "global::KafkaTyped.MessageFormat.JsonEnvelope",
                            3 => "global::KafkaTyped.MessageFormat.Avro",
                            _ => $"(global::KafkaTyped.MessageFormat){formatValue}",
                        };
                    }
                }

                if (typeId is not null)
                {
                    typeIdDeclaration = new TypeIdDeclaration(
                        typeId,
                        displayName,
                        DiagnosticInfo.InSource(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()));
                }
            }

            var shapeProblem = FindShapeProblem(symbol, syntax);
            if (shapeProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTypeShape, syntax.Identifier.GetLocation(), displayName, attributeName, shapeProblem));
                return new DataTypeResult(null, diagnostics.ToEquatableArray(), typeIdDeclaration);
            }

            if (!IsPartialWithContainers(symbol, syntax, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, syntax.Identifier.GetLocation(), displayName, attributeName));
                return new DataTypeResult(null, diagnostics.ToEquatableArray(), typeIdDeclaration);
            }

            if (isMessage && typeId is null)
            {
                // The attribute itself does not compile; the compiler reports that.
                return new DataTypeResult(null, diagnostics.ToEquatableArray(), null);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var members = ParseMembers(symbol, displayName, known, diagnostics, cancellationToken, out var hasPrimaryConstructor);
            var key = isMessage ? ParseKey(symbol, displayName, known, diagnostics) : null;
            var deduplicationKey = isMessage ? ParseDeduplicationKey(symbol, displayName, known, diagnostics) : null;

            var containingTypes = new List<ContainingTypeSpec>();
            for (var containing = symbol.ContainingType; containing is not null; containing = containing.ContainingType)
            {
                containingTypes.Insert(0, new ContainingTypeSpec(Keyword(containing), containing.Name));
            }

            var ns = symbol.ContainingNamespace.IsGlobalNamespace ? string.Empty : symbol.ContainingNamespace.ToDisplayString();
            var spec = new DataTypeSpec(
                HintName: HintName(ns, containingTypes, symbol.Name),
                Namespace: ns,
                ContainingTypes: containingTypes.ToEquatableArray(),
                Keyword: Keyword(symbol),
                Name: symbol.Name,
                FullyQualifiedName: symbol.ToDisplayString(s_fullyQualified),
                DisplayName: displayName,
                IsValueType: symbol.IsValueType,
                HasPrimaryConstructor: hasPrimaryConstructor,
                NeedsDefaultConstructor: !symbol.IsValueType && symbol.InstanceConstructors.Any(c => c.IsImplicitlyDeclared && c.Parameters.Length == 0),
                Members: members.ToEquatableArray(),
                IsMessage: isMessage,
                TypeId: typeId,
                Topic: topic,
                Key: key,
                Format: format,
                DeduplicationKey: deduplicationKey,
                AvroAliases: AvroAliasesOf(null, symbol));

            return new DataTypeResult(spec, diagnostics.ToEquatableArray(), typeIdDeclaration);
        }

        /// <summary>
        /// The hint names that equal another one but for case, each with the unique name to use instead: the first in
        /// ordinal order keeps its name, the others get ".2", ".3"... before ".g.cs" (no type name is a number).
        /// </summary>
        public static EquatableArray<HintNameOverride> FindHintNameCollisions(ImmutableArray<DataTypeSpec?> specs)
        {
            var overrides = new List<HintNameOverride>();
            var names = specs.Where(s => s is not null).Select(s => s!.HintName).Distinct(StringComparer.Ordinal);
            foreach (var group in names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                var ordered = group.OrderBy(n => n, StringComparer.Ordinal).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    var stem = ordered[i].Substring(0, ordered[i].Length - ".g.cs".Length);
                    overrides.Add(new HintNameOverride(ordered[i], $"{stem}.{(i + 1).ToString(CultureInfo.InvariantCulture)}.g.cs"));
                }
            }

            return overrides.OrderBy(o => o.HintName, StringComparer.Ordinal).ToEquatableArray();
        }

        public static EquatableArray<DiagnosticInfo> FindDuplicateTypeIds(ImmutableArray<TypeIdDeclaration> declarations)
        {
            var diagnostics = new List<DiagnosticInfo>();
            foreach (var group in declarations.GroupBy(d => d.TypeId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var ordered = group.OrderBy(d => d.TypeName, StringComparer.Ordinal).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    diagnostics.Add(new DiagnosticInfo(
                        DiagnosticDescriptors.DuplicateTypeId,
                        ordered[i].Location,
                        new[] { group.Key, ordered[i].TypeName, ordered[0].TypeName }.ToEquatableArray()));
                }
            }

            return diagnostics.ToEquatableArray();
        }

        public static HandlerSpec? ParseHandler(GeneratorSyntaxContext context, CancellationToken cancellationToken)
        {
            var declaration = (TypeDeclarationSyntax)context.Node;
            var known = KnownTypeSymbols.Get(context.SemanticModel.Compilation);
            if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol symbol
                || symbol.TypeKind != TypeKind.Class
                || symbol.IsAbstract
                || symbol.IsStatic
                || !IsUsableFromGeneratedCode(symbol))
            {
                return null;
            }

            var messages = new List<HandledMessageSpec>();
            foreach (var implemented in known.AllHandlerInterfaces(symbol))
            {
                // A handler of a type that is not a [KafkaMessage] has no route: the analyzers report it.
                if (implemented.TypeArguments[0] is INamedTypeSymbol message
                    && IsUsableFromGeneratedCode(message)
                    && known.GetTypeId(message) is { } typeId)
                {
                    messages.Add(new HandledMessageSpec(
                        message.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualified),
                        typeId,
                        new HandlerPolicySpec(
                            RetryExpression(symbol, known) ?? RetryExpression(message, known) ?? string.Empty,
                            DeadLetterTopic(symbol, known) ?? DeadLetterTopic(message, known) ?? string.Empty,
                            DeduplicateExpression(symbol, known) ?? DeduplicateExpression(message, known) ?? string.Empty,
                            OrderingExpression(symbol, known) ?? OrderingExpression(message, known) ?? string.Empty)));
                }
            }

            if (messages.Count == 0)
            {
                return null;
            }

            return new HandlerSpec(
                symbol.ToDisplayString(s_fullyQualified),
                messages.Distinct().OrderBy(m => m.MessageTypeName, StringComparer.Ordinal).ToEquatableArray());
        }

        public static RouteTableSpec BuildRouteTable(ImmutableArray<HandlerSpec> handlers, string? assemblyName)
        {
            var byMessage = new Dictionary<string, (string TypeId, SortedDictionary<string, HandlerPolicySpec> Handlers)>(StringComparer.Ordinal);
            foreach (var handler in handlers)
            {
                foreach (var message in handler.Messages)
                {
                    if (!byMessage.TryGetValue(message.MessageTypeName, out var entry))
                    {
                        entry = (message.TypeId, new SortedDictionary<string, HandlerPolicySpec>(StringComparer.Ordinal));
                        byMessage.Add(message.MessageTypeName, entry);
                    }

                    entry.Handlers[handler.TypeName] = message.Policy;
                }
            }

            var routes = new List<RouteSpec>();
            var typeIds = new HashSet<string>(StringComparer.Ordinal);
            var routeClassNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pair in byMessage.OrderBy(p => p.Value.TypeId, StringComparer.Ordinal).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                // Two message types with one type id: KT0002 reports it for types of this compilation; the first one routes.
                if (!typeIds.Add(pair.Value.TypeId))
                {
                    continue;
                }

                routes.Add(new RouteSpec(
                    pair.Value.TypeId,
                    pair.Key,
                    UniqueRouteClassName(pair.Key, routeClassNames),
                    pair.Value.Handlers.Keys.ToEquatableArray(),
                    pair.Value.Handlers.Values.ToEquatableArray()));
            }

            return new RouteTableSpec(RegistrationNamespace(assemblyName), routes.ToEquatableArray());
        }

        // The [Retry] declared on a handler or message as the runtime's RetryPolicy; only the values the attribute sets, so
        // that the defaults stay those of RetryAttribute. Impossible values are KT0030's; they are emitted as declared.
        private static string? RetryExpression(INamedTypeSymbol symbol, KnownTypeSymbols known)
        {
            if (known.RetryAttribute is null)
            {
                return null;
            }

            foreach (var attribute in symbol.GetAttributes())
            {
                if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.RetryAttribute)
                    || attribute.ConstructorArguments.Length != 1
                    || attribute.ConstructorArguments[0].Value is not int maxAttempts)
                {
                    continue;
                }

                var expression = new StringBuilder("new global::KafkaTyped.Routing.RetryPolicy(")
                    .Append(maxAttempts.ToString(CultureInfo.InvariantCulture)).Append(')');
                var initializers = new List<string>();
                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key is "BaseDelayMilliseconds" or "MaxDelayMilliseconds" && named.Value.Value is int value)
                    {
                        initializers.Add(named.Key + " = " + value.ToString(CultureInfo.InvariantCulture));
                    }
                    else if (named.Key == "NonRetryable" && NonRetryableTest(named.Value, known) is { } test)
                    {
                        initializers.Add("IsNonRetryable = " + test);
                    }
                }

                if (initializers.Count > 0)
                {
                    expression.Append(" { ").Append(string.Join(", ", initializers.OrderBy(i => i, StringComparer.Ordinal))).Append(" }");
                }

                return expression.ToString();
            }

            return null;
        }

        // NonRetryable = [typeof(A), typeof(B)] as a lambda of type tests: "static e => e is global::A or global::B". Entries
        // that are not exception types are KT0030's and left out, so the generated code always compiles.
        private static string? NonRetryableTest(TypedConstant value, KnownTypeSymbols known)
        {
            if (value.Kind != TypedConstantKind.Array || value.IsNull)
            {
                return null;
            }

            var types = new List<string>();
            foreach (var element in value.Values)
            {
                if (element.Value is INamedTypeSymbol type && known.IsException(type) && IsUsableFromGeneratedCode(type))
                {
                    var name = type.ToDisplayString(s_fullyQualified);
                    if (!types.Contains(name))
                    {
                        types.Add(name);
                    }
                }
            }

            return types.Count == 0 ? null : "static e => e is " + string.Join(" or ", types);
        }

        // The [DeadLetterTopic] declared on a handler or message; an invalid name is KT0035's and emitted as declared,
        // where the options validator refuses it at start-up as well.
        private static string? DeadLetterTopic(INamedTypeSymbol symbol, KnownTypeSymbols known)
            => KnownTypeSymbols.Find(symbol, known.DeadLetterTopicAttribute) is { ConstructorArguments: [{ Value: string topic }] } ? topic : null;

        // The [Ordering] declared on a handler or message as the runtime's OrderingPolicy. Impossible values are KT0031's
        // and KT0032's; they are emitted as declared.
        private static string? OrderingExpression(INamedTypeSymbol symbol, KnownTypeSymbols known)
        {
            if (known.OrderingAttribute is null)
            {
                return null;
            }

            foreach (var attribute in symbol.GetAttributes())
            {
                if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.OrderingAttribute)
                    || attribute.ConstructorArguments.Length != 1
                    || attribute.ConstructorArguments[0].Value is not int mode)
                {
                    continue;
                }

                var name = mode switch
                {
                    0 => "global::KafkaTyped.OrderingMode.Partition",
                    1 => "global::KafkaTyped.OrderingMode.Key",
                    2 => "global::KafkaTyped.OrderingMode.None",
                    _ => "(global::KafkaTyped.OrderingMode)" + mode.ToString(CultureInfo.InvariantCulture),
                };
                var expression = new StringBuilder("new global::KafkaTyped.Routing.OrderingPolicy(").Append(name).Append(')');
                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key == "MaxConcurrency" && named.Value.Value is int value)
                    {
                        expression.Append(" { MaxConcurrency = ").Append(value.ToString(CultureInfo.InvariantCulture)).Append(" }");
                    }
                }

                return expression.ToString();
            }

            return null;
        }

        // The [Deduplicate] declared on a handler or message as the runtime's DeduplicationPolicy; an impossible window is
        // KT0033's and emitted as declared (the runtime then uses the store's window).
        private static string? DeduplicateExpression(INamedTypeSymbol symbol, KnownTypeSymbols known)
        {
            if (KnownTypeSymbols.Find(symbol, known.DeduplicateAttribute) is not { } attribute)
            {
                return null;
            }

            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "WindowSeconds" && named.Value.Value is int seconds)
                {
                    return "new global::KafkaTyped.Routing.DeduplicationPolicy { WindowSeconds = " + seconds.ToString(CultureInfo.InvariantCulture) + " }";
                }
            }

            return "new global::KafkaTyped.Routing.DeduplicationPolicy()";
        }

        private static string? FindShapeProblem(INamedTypeSymbol symbol, TypeDeclarationSyntax syntax)
        {
            if (symbol.IsGenericType)
            {
                return "generic types are not supported";
            }

            for (var containing = symbol.ContainingType; containing is not null; containing = containing.ContainingType)
            {
                if (containing.IsGenericType)
                {
                    return "types nested in generic types are not supported";
                }
            }

            if (symbol.IsStatic)
            {
                return "static types have no instances";
            }

            if (symbol.IsAbstract)
            {
                return "abstract types cannot be created when reading";
            }

            if (symbol.IsRefLikeType)
            {
                return "ref structs cannot be stored in messages";
            }

            if (!symbol.IsRecord && syntax.ParameterList is not null)
            {
                return "a primary constructor is supported on records only (its parameters are not members of a class or struct)";
            }

            if (!IsUsableFromGeneratedCode(symbol))
            {
                return "the type must be at least internal (and so must every type that contains it)";
            }

            // The constructor the generator adds calls the base type's parameterless constructor (unless it chains to a
            // record's primary constructor).
            var chainsToPrimaryConstructor = symbol.IsRecord && syntax is RecordDeclarationSyntax { ParameterList: not null };
            if (!symbol.IsValueType
                && !chainsToPrimaryConstructor
                && symbol.BaseType is { SpecialType: not SpecialType.System_Object } baseType
                && !baseType.InstanceConstructors.Any(c => c.DeclaredAccessibility is not Accessibility.Private && c.Parameters.All(p => p.IsOptional || p.IsParams)))
            {
                return $"its base type '{baseType.ToDisplayString()}' has no parameterless constructor the generated code could call";
            }

            return null;
        }

        private static bool IsPartialWithContainers(INamedTypeSymbol symbol, TypeDeclarationSyntax syntax, CancellationToken cancellationToken)
        {
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }

            for (var containing = symbol.ContainingType; containing is not null; containing = containing.ContainingType)
            {
                var anyPartial = containing.DeclaringSyntaxReferences
                    .Select(r => r.GetSyntax(cancellationToken))
                    .OfType<TypeDeclarationSyntax>()
                    .Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
                if (!anyPartial)
                {
                    return false;
                }
            }

            return true;
        }

        private static List<MemberSpec> ParseMembers(
            INamedTypeSymbol symbol,
            string displayName,
            KnownTypeSymbols known,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken,
            out bool hasPrimaryConstructor)
        {
            var members = new List<MemberSpec>();
            var primaryConstructor = WireMembers.FindPrimaryConstructor(symbol, cancellationToken);
            hasPrimaryConstructor = primaryConstructor is not null;

            foreach (var member in WireMembers.Select(symbol, primaryConstructor, cancellationToken))
            {
                var type = WireMembers.TypeOf(member);
                var shape = ShapeOf(type, known);
                if (shape is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedMemberType, member.Locations.FirstOrDefault(), member.Name, displayName, type.ToDisplayString()));
                    continue;
                }

                var jsonName = JsonNameOf(symbol, member) ?? AvroMemberAttributes.CamelCase(member.Name);
                var clash = members.FirstOrDefault(m => m.JsonName == jsonName);
                if (clash is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.DuplicateJsonName, member.Locations.FirstOrDefault(), member.Name, displayName, clash.DisplayName, jsonName));
                    continue;
                }

                var (precision, scale) = AvroMemberAttributes.DecimalOf(symbol, member);
                var avroAliases = AvroAliasesOf(symbol, member);
                var avroDefault = AvroDefaultOf(symbol, member, type, shape, out var defaultError);
                if (defaultError is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidAvroDefault, member.Locations.FirstOrDefault(), member.Name, displayName, defaultError));
                }

                members.Add(member is IParameterSymbol parameter
                    ? new MemberSpec(
                        EscapeIdentifier(parameter.Name),
                        parameter.Name,
                        shape,
                        IsConstructorParameter: true,
                        DefaultValueExpression: parameter.HasExplicitDefaultValue ? DefaultValueExpression(parameter, shape) : null,
                        JsonName: jsonName,
                        AvroPrecision: precision,
                        AvroScale: scale,
                        AvroAliases: avroAliases,
                        AvroDefault: avroDefault)
                    : new MemberSpec(EscapeIdentifier(member.Name), member.Name, shape, IsConstructorParameter: false, DefaultValueExpression: null, JsonName: jsonName, AvroPrecision: precision, AvroScale: scale, AvroAliases: avroAliases, AvroDefault: avroDefault));
            }

            return members;
        }

        /// <summary>
        /// The name of a <c>[JsonPropertyName]</c> on the member, or for a positional parameter on the parameter or on the
        /// property the compiler makes of it (<c>[property: JsonPropertyName("...")]</c>); <see langword="null"/> without one.
        /// </summary>
        private static string? JsonNameOf(INamedTypeSymbol type, ISymbol member)
        {
            var name = FindJsonPropertyName(member.GetAttributes());
            if (name is null && member is IParameterSymbol)
            {
                foreach (var property in type.GetMembers(member.Name))
                {
                    if (property is IPropertySymbol)
                    {
                        name = FindJsonPropertyName(property.GetAttributes());
                    }
                }
            }

            return name;

            static string? FindJsonPropertyName(ImmutableArray<AttributeData> attributes)
            {
                foreach (var attribute in attributes)
                {
                    if (attribute.AttributeClass is { Name: "JsonPropertyNameAttribute" } attributeClass
                        && attributeClass.ToDisplayString() == "System.Text.Json.Serialization.JsonPropertyNameAttribute"
                        && attribute.ConstructorArguments.Length == 1
                        && attribute.ConstructorArguments[0].Value is string { Length: > 0 } value)
                    {
                        return value;
                    }
                }

                return null;
            }
        }

        /// <summary>The <c>[AvroAlias]</c> names of a member or type (<see cref="AvroMemberAttributes.AliasesOf"/>), as the model keeps them.</summary>
        internal static EquatableArray<string> AvroAliasesOf(INamedTypeSymbol? type, ISymbol symbol)
            => AvroMemberAttributes.AliasesOf(type, symbol).ToEquatableArray();

        /// <summary>
        /// The JSON of an <c>[AvroDefault]</c> on the member (for a positional parameter, also on the property made of it),
        /// or <see langword="null"/> without one; <paramref name="error"/> says why a declared default cannot be the
        /// member's (a value not of its type, or a member type that cannot declare one).
        /// </summary>
        private static string? AvroDefaultOf(INamedTypeSymbol type, ISymbol member, ITypeSymbol memberType, TypeShape shape, out string? error)
        {
            error = null;
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

            if (found is not { } value)
            {
                return null;
            }

            if (shape.AllowsNull || shape.Kind == ShapeKind.Nullable)
            {
                error = "a nullable member defaults to null; only a member that is not nullable declares an Avro default";
                return null;
            }

            var json = AvroDefaultJson(value, memberType, shape);
            if (json is null)
            {
                error = value.IsNull
                    ? "null is not a value of its type"
                    : $"{value.ToCSharpString()} is not a constant of its type {shape.DeclaredName.Replace("global::", string.Empty)}, or that type cannot declare an Avro default (bool, the integral and floating-point types, string and enums can)";
            }

            return json;

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
        }

        /// <summary>The Avro default JSON of <paramref name="value"/> for a member of <paramref name="shape"/>, or <see langword="null"/> when it is not one.</summary>
        private static string? AvroDefaultJson(TypedConstant value, ITypeSymbol memberType, TypeShape shape)
        {
            if (value.IsNull || value.Kind == TypedConstantKind.Array)
            {
                return null;
            }

            var constant = value.Value;
            switch (shape.Kind)
            {
                case ShapeKind.Boolean:
                    return constant is bool b ? (b ? "true" : "false") : null;
                case ShapeKind.Byte or ShapeKind.SByte or ShapeKind.Int16 or ShapeKind.UInt16 or ShapeKind.Int32 or ShapeKind.Char:
                    return value.Kind != TypedConstantKind.Enum && Integral(constant) is { } i && i >= int.MinValue && i <= int.MaxValue && FitsClr(i, shape.Kind)
                        ? i.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : null;
                case ShapeKind.UInt32 or ShapeKind.Int64 or ShapeKind.UInt64 or ShapeKind.IntPtr or ShapeKind.UIntPtr:
                    return value.Kind != TypedConstantKind.Enum && Integral(constant) is { } l && FitsClr(l, shape.Kind)
                        ? l.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : null;
                case ShapeKind.Single or ShapeKind.Double:
                    {
                        if (value.Kind == TypedConstantKind.Enum)
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
                            ? (shape.Kind == ShapeKind.Single ? ((float)number).ToString("R", System.Globalization.CultureInfo.InvariantCulture) : number.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                            : null;
                    }

                case ShapeKind.String:
                    return constant is string text ? JsonString(text) : null;
                case ShapeKind.Enum:
                    {
                        if (constant is string symbolName)
                        {
                            return shape.EnumMembers.Any(m => m.JsonName == symbolName) ? JsonString(symbolName) : null;
                        }

                        if (value.Kind != TypedConstantKind.Enum || !SymbolEqualityComparer.Default.Equals(value.Type, memberType))
                        {
                            return null;
                        }

                        // The symbol of the first member declared with the value, as the schema lists them.
                        foreach (var field in memberType.GetMembers().OfType<IFieldSymbol>())
                        {
                            if (field.HasConstantValue && Equals(field.ConstantValue, constant))
                            {
                                return shape.EnumMembers.Any(m => m.JsonName == field.Name) ? JsonString(field.Name) : null;
                            }
                        }

                        return null;
                    }

                default:
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

            static bool FitsClr(long value, ShapeKind kind) => kind switch
            {
                ShapeKind.Byte => value is >= byte.MinValue and <= byte.MaxValue,
                ShapeKind.SByte => value is >= sbyte.MinValue and <= sbyte.MaxValue,
                ShapeKind.Int16 => value is >= short.MinValue and <= short.MaxValue,
                ShapeKind.UInt16 or ShapeKind.Char => value is >= ushort.MinValue and <= ushort.MaxValue,
                ShapeKind.UInt32 => value is >= uint.MinValue and <= uint.MaxValue,
                ShapeKind.UInt64 or ShapeKind.UIntPtr => value >= 0,
                _ => true,
            };
        }

        /// <summary>A JSON string literal of <paramref name="text"/>, escaped as the schema writes it.</summary>
        internal static string JsonString(string text)
        {
            var builder = new System.Text.StringBuilder(text.Length + 2).Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    default:
                        if (c < 0x20 || c == 0x7F || char.IsSurrogate(c))
                        {
                            builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
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

        private static KeySpec? ParseKey(INamedTypeSymbol symbol, string displayName, KnownTypeSymbols known, List<DiagnosticInfo> diagnostics)
        {
            ISymbol? key = null;
            foreach (var member in symbol.GetMembers())
            {
                if (member is not (IPropertySymbol or IFieldSymbol) || member.IsStatic
                    || KnownTypeSymbols.Find(member, known.MessageKeyAttribute) is null)
                {
                    continue;
                }

                if (key is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.MultipleKeys, member.Locations.FirstOrDefault(), displayName, key.Name, member.Name));
                    continue;
                }

                var type = member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type;
                if (!IsSupportedKeyType(type, known))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedKeyType, member.Locations.FirstOrDefault(), member.Name, displayName, type.ToDisplayString()));
                    continue;
                }

                key = member;
            }

            return key is null ? null : new KeySpec(EscapeIdentifier(key.Name));
        }

        // The [DeduplicationKey] members of a message as one C# expression over 'message' (a string? that is null when a
        // value is); members of unsupported types are KT0008's and left out, so the generated code always compiles.
        private static string? ParseDeduplicationKey(INamedTypeSymbol symbol, string displayName, KnownTypeSymbols known, List<DiagnosticInfo> diagnostics)
        {
            var parts = new List<string>();
            foreach (var member in symbol.GetMembers())
            {
                if (member is not (IPropertySymbol or IFieldSymbol) || member.IsStatic
                    || KnownTypeSymbols.Find(member, known.DeduplicationKeyAttribute) is null)
                {
                    continue;
                }

                var type = member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type;
                if (DeduplicationKeyText("message." + EscapeIdentifier(member.Name), type, known) is not { } text)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedDeduplicationKeyType, member.Locations.FirstOrDefault(), member.Name, displayName, type.ToDisplayString()));
                    continue;
                }

                parts.Add(text);
            }

            return parts.Count switch
            {
                0 => null,
                1 => parts[0],
                _ => "global::KafkaTyped.Routing.DeduplicationKeys.Combine(" + string.Join(", ", parts) + ")",
            };
        }

        // A member's value as invariant text (a Guid in "D" form), null when it is; null (the expression) when the type is unsupported.
        private static string? DeduplicationKeyText(string access, ITypeSymbol type, KnownTypeSymbols known)
        {
            var conditional = string.Empty;
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
                conditional = "?";
            }
            else if (type.SpecialType == SpecialType.System_String)
            {
                return access;
            }

            if (KnownTypeSymbols.Is(type, known.Guid))
            {
                return access + conditional + ".ToString(\"D\")";
            }

            return type.SpecialType is SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
                ? access + conditional + ".ToString(global::System.Globalization.CultureInfo.InvariantCulture)"
                : null;
        }

        private static bool IsSupportedKeyType(ITypeSymbol type, KnownTypeSymbols known)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
                return type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 || KnownTypeSymbols.Is(type, known.Guid);
            }

            return type.SpecialType is SpecialType.System_String or SpecialType.System_Int32 or SpecialType.System_Int64
                || KnownTypeSymbols.Is(type, known.Guid)
                || type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte };
        }

        /// <summary>The encoding shape of <paramref name="type"/>, or <see langword="null"/> when it cannot be serialized.</summary>
        internal static TypeShape? ShapeOf(ITypeSymbol type, KnownTypeSymbols known)
        {
            var isReference = type.IsReferenceType;
            var allowsNull = isReference && type.NullableAnnotation != NullableAnnotation.NotAnnotated;
            var name = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualified);

            var primitive = type.SpecialType switch
            {
                SpecialType.System_Boolean => ShapeKind.Boolean,
                SpecialType.System_Byte => ShapeKind.Byte,
                SpecialType.System_SByte => ShapeKind.SByte,
                SpecialType.System_Int16 => ShapeKind.Int16,
                SpecialType.System_UInt16 => ShapeKind.UInt16,
                SpecialType.System_Int32 => ShapeKind.Int32,
                SpecialType.System_UInt32 => ShapeKind.UInt32,
                SpecialType.System_Int64 => ShapeKind.Int64,
                SpecialType.System_UInt64 => ShapeKind.UInt64,
                SpecialType.System_Char => ShapeKind.Char,
                SpecialType.System_Single => ShapeKind.Single,
                SpecialType.System_Double => ShapeKind.Double,
                SpecialType.System_IntPtr => ShapeKind.IntPtr,
                SpecialType.System_UIntPtr => ShapeKind.UIntPtr,
                SpecialType.System_String => ShapeKind.String,
                SpecialType.System_Decimal => ShapeKind.Decimal,
                SpecialType.System_DateTime => ShapeKind.DateTime,
                _ => (ShapeKind?)null,
            };
            if (primitive is { } kind)
            {
                return new TypeShape(kind, name, allowsNull, isReference, null);
            }

            if (type is IArrayTypeSymbol array)
            {
                if (array.Rank != 1)
                {
                    return null;
                }

                if (array.ElementType.SpecialType == SpecialType.System_Byte)
                {
                    return new TypeShape(ShapeKind.ByteArray, "byte[]", allowsNull, true, null);
                }

                var element = ShapeOf(array.ElementType, known);
                return element is null ? null : new TypeShape(ShapeKind.Array, element.DeclaredName + "[]", allowsNull, true, element);
            }

            if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol { EnumUnderlyingType: { } underlying })
            {
                var underlyingShape = ShapeOf(underlying, known);
                if (underlyingShape is null)
                {
                    return null;
                }

                // JSON writes a value by the name of the first member declared with it; a value without a name as a number.
                var enumMembers = new List<EnumMemberSpec>();
                var seen = new HashSet<object>();
                foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
                {
                    if (field.HasConstantValue && field.ConstantValue is { } constant && seen.Add(constant))
                    {
                        enumMembers.Add(new EnumMemberSpec(EscapeIdentifier(field.Name), field.Name));
                    }
                }

                return new TypeShape(ShapeKind.Enum, name, false, false, null, underlyingShape.Kind, enumMembers.ToEquatableArray(), AvroAliasesOf(null, type));
            }

            if (type is not INamedTypeSymbol named)
            {
                return null;
            }

            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                var element = ShapeOf(named.TypeArguments[0], known);
                return element is null ? null : new TypeShape(ShapeKind.Nullable, element.DeclaredName + "?", true, false, element);
            }

            var scalar = named switch
            {
                _ when KnownTypeSymbols.Is(named, known.Guid) => ShapeKind.Guid,
                _ when KnownTypeSymbols.Is(named, known.DateTimeOffset) => ShapeKind.DateTimeOffset,
                _ when KnownTypeSymbols.Is(named, known.TimeSpan) => ShapeKind.TimeSpan,
                _ when KnownTypeSymbols.Is(named, known.DateOnly) => ShapeKind.DateOnly,
                _ when KnownTypeSymbols.Is(named, known.TimeOnly) => ShapeKind.TimeOnly,
                _ => (ShapeKind?)null,
            };
            if (scalar is { } scalarKind)
            {
                return new TypeShape(scalarKind, name, false, false, null);
            }

            if (named.IsGenericType)
            {
                var (collectionKind, collectionName) = named switch
                {
                    _ when KnownTypeSymbols.IsConstructedFrom(named, known.ListOfT) => (ShapeKind.List, "global::System.Collections.Generic.List"),
                    _ when KnownTypeSymbols.IsConstructedFrom(named, known.ReadOnlyListOfT) => (ShapeKind.ReadOnlyList, "global::System.Collections.Generic.IReadOnlyList"),
                    _ when KnownTypeSymbols.IsConstructedFrom(named, known.ImmutableArrayOfT) => (ShapeKind.ImmutableArray, "global::System.Collections.Immutable.ImmutableArray"),
                    _ when KnownTypeSymbols.IsConstructedFrom(named, known.DictionaryOfTKeyTValue) => (ShapeKind.Dictionary, "global::System.Collections.Generic.Dictionary"),
                    _ when KnownTypeSymbols.IsConstructedFrom(named, known.ReadOnlyDictionaryOfTKeyTValue) => (ShapeKind.ReadOnlyDictionary, "global::System.Collections.Generic.IReadOnlyDictionary"),
                    _ => (ShapeKind.Data, string.Empty),
                };
                if (collectionName.Length == 0)
                {
                    return null;
                }

                if (collectionKind is ShapeKind.Dictionary or ShapeKind.ReadOnlyDictionary)
                {
                    if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                    {
                        return null;
                    }

                    var value = ShapeOf(named.TypeArguments[1], known);
                    return value is null
                        ? null
                        : new TypeShape(collectionKind, $"{collectionName}<string, {value.DeclaredName}>", allowsNull, true, value);
                }

                var element = ShapeOf(named.TypeArguments[0], known);
                if (element is null)
                {
                    return null;
                }

                return collectionKind == ShapeKind.ImmutableArray
                    ? new TypeShape(collectionKind, $"{collectionName}<{element.DeclaredName}>", true, false, element)
                    : new TypeShape(collectionKind, $"{collectionName}<{element.DeclaredName}>", allowsNull, true, element);
            }

            // A [KafkaMessage]/[KafkaData] type, or a type of a referenced assembly that implements the contract (generated there).
            if (known.IsDataAttributed(named) || known.ImplementsDataContract(named))
            {
                return new TypeShape(ShapeKind.Data, name, allowsNull, isReference, null);
            }

            return null;
        }

        private static bool IsUsableFromGeneratedCode(INamedTypeSymbol symbol)
        {
            if (symbol.IsFileLocal || symbol.IsGenericType)
            {
                return false;
            }

            for (INamedTypeSymbol? current = symbol; current is not null; current = current.ContainingType)
            {
                if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)
                    || current.IsGenericType)
                {
                    return false;
                }
            }

            return true;
        }

        private static string Keyword(INamedTypeSymbol symbol) => symbol switch
        {
            { IsRecord: true, IsValueType: true } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Interface } => "interface",
            { IsValueType: true } => "struct",
            _ => "class",
        };

        private static string EscapeIdentifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string DefaultValueExpression(IParameterSymbol parameter, TypeShape shape)
        {
            var value = parameter.ExplicitDefaultValue;
            if (value is null)
            {
                return "default!";
            }

            var literal = value switch
            {
                string s => SymbolDisplay.FormatLiteral(s, quote: true),
                char c => SymbolDisplay.FormatLiteral(c, quote: true),
                bool b => b ? "true" : "false",
                decimal m => m.ToString(CultureInfo.InvariantCulture) + "m",
                float f when float.IsNaN(f) => "float.NaN",
                float f when float.IsInfinity(f) => f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity",
                float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
                double d when double.IsNaN(d) => "double.NaN",
                double d when double.IsInfinity(d) => d > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity",
                double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            return $"({shape.DeclaredName})({literal})";
        }

        /// <summary>
        /// <c>KafkaTyped.Generated.</c> followed by the assembly name, one namespace segment per dotted part. The mapping
        /// is injective, so two assemblies never share the namespace: letters and digits are kept (a leading digit is
        /// escaped), '_' is written "__", and every other character "_" and its four hex digits.
        /// </summary>
        internal static string RegistrationNamespace(string? assemblyName)
        {
            var builder = new StringBuilder("KafkaTyped.Generated");
            foreach (var part in (string.IsNullOrEmpty(assemblyName) ? "Assembly" : assemblyName!).Split('.'))
            {
                builder.Append('.');
                if (part.Length == 0)
                {
                    builder.Append('_');
                    continue;
                }

                var segment = new StringBuilder();
                for (var i = 0; i < part.Length; i++)
                {
                    var c = part[i];
                    if (c == '_')
                    {
                        segment.Append("__");
                    }
                    else if (char.IsLetter(c) || (char.IsDigit(c) && i > 0))
                    {
                        segment.Append(c);
                    }
                    else
                    {
                        segment.Append('_').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                }

                var text = segment.ToString();
                builder.Append(SyntaxFacts.GetKeywordKind(text) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(text) != SyntaxKind.None ? "@" + text : text);
            }

            return builder.ToString();
        }

        /// <summary>
        /// The generated file's hint name: the namespace, then the containing types and the type joined by '+' (as in
        /// metadata names), so a nested type and a namespace-level type of the same dotted name get different files.
        /// </summary>
        private static string HintName(string ns, List<ContainingTypeSpec> containingTypes, string name)
        {
            var builder = new StringBuilder();
            if (ns.Length > 0)
            {
                builder.Append(ns).Append('.');
            }

            foreach (var containing in containingTypes)
            {
                builder.Append(containing.Name).Append('+');
            }

            return builder.Append(name).Append(".g.cs").ToString();
        }

        /// <summary>
        /// A readable route class name (the message's name with every character that is not a letter or digit made
        /// '_', then "Route"), made unique among <paramref name="taken"/>: names that flatten alike, such as those of
        /// <c>A.B_C</c> and <c>A_B.C</c>, get a number after "Route" in route order, which no flattened name ends with.
        /// </summary>
        private static string UniqueRouteClassName(string messageTypeName, HashSet<string> taken)
        {
            var builder = new StringBuilder();
            foreach (var c in messageTypeName.Replace("global::", string.Empty))
            {
                builder.Append(char.IsLetterOrDigit(c) ? c : '_');
            }

            var baseName = builder.Append("Route").Replace("__", "_").ToString();
            var name = baseName;
            for (var n = 2; !taken.Add(name); n++)
            {
                name = baseName + n.ToString(CultureInfo.InvariantCulture);
            }

            return name;
        }
    }
}
