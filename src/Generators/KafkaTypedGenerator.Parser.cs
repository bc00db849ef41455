using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using KafkaTyped.Generators.Common;
using KafkaTyped.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Generators;

public sealed partial class KafkaTypedGenerator
{
    /// <summary>Turns symbols into the value-equatable models of <c>Model/</c>. Nothing it returns holds a symbol or syntax.</summary>
    internal static class Parser
    {
        private const string MessageKeyAttributeName = "KafkaTyped.MessageKeyAttribute";

        private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat;

        public static DataTypeResult ParseDataType(GeneratorAttributeSyntaxContext context, bool isMessage, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var syntax = (TypeDeclarationSyntax)context.TargetNode;
            if (!isMessage && symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KafkaMessageAttributeName))
            {
                // A message is data already: [KafkaMessage] wins, so the type is generated once.
                return new DataTypeResult(null, EquatableArray<DiagnosticInfo>.Empty, null);
            }

            var attributeName = isMessage ? "KafkaMessage" : "KafkaData";
            var displayName = symbol.ToDisplayString();
            var diagnostics = new List<DiagnosticInfo>();

            string? typeId = null;
            string? topic = null;
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
                }

                if (typeId is not null)
                {
                    typeIdDeclaration = new TypeIdDeclaration(
                        typeId,
                        displayName,
                        LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)));
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
            var members = ParseMembers(symbol, displayName, diagnostics, cancellationToken, out var hasPrimaryConstructor);
            var key = isMessage ? ParseKey(symbol, displayName, diagnostics) : null;

            var containingTypes = new List<ContainingTypeSpec>();
            for (var containing = symbol.ContainingType; containing is not null; containing = containing.ContainingType)
            {
                containingTypes.Insert(0, new ContainingTypeSpec(Keyword(containing), containing.Name));
            }

            var ns = symbol.ContainingNamespace.IsGlobalNamespace ? string.Empty : symbol.ContainingNamespace.ToDisplayString();
            var spec = new DataTypeSpec(
                HintName: displayName.Replace('<', '_').Replace('>', '_') + ".g.cs",
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
                Key: key);

            return new DataTypeResult(spec, diagnostics.ToEquatableArray(), typeIdDeclaration);
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
            if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol symbol
                || symbol.TypeKind != TypeKind.Class
                || symbol.IsAbstract
                || symbol.IsStatic
                || !IsUsableFromGeneratedCode(symbol))
            {
                return null;
            }

            var messages = new List<HandledMessageSpec>();
            foreach (var implemented in symbol.AllInterfaces)
            {
                if (implemented is not { Name: "IHandle", Arity: 1 }
                    || implemented.ContainingNamespace is not { Name: "KafkaTyped", ContainingNamespace.IsGlobalNamespace: true })
                {
                    continue;
                }

                // A handler of a type that is not a [KafkaMessage] has no route: the analyzers report it.
                if (implemented.TypeArguments[0] is INamedTypeSymbol message
                    && IsUsableFromGeneratedCode(message)
                    && GetTypeId(message) is { } typeId)
                {
                    messages.Add(new HandledMessageSpec(
                        message.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualified),
                        typeId));
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

        public static RouteTableSpec BuildRouteTable(ImmutableArray<HandlerSpec> handlers)
        {
            var byMessage = new Dictionary<string, (string TypeId, SortedSet<string> Handlers)>(StringComparer.Ordinal);
            foreach (var handler in handlers)
            {
                foreach (var message in handler.Messages)
                {
                    if (!byMessage.TryGetValue(message.MessageTypeName, out var entry))
                    {
                        entry = (message.TypeId, new SortedSet<string>(StringComparer.Ordinal));
                        byMessage.Add(message.MessageTypeName, entry);
                    }

                    entry.Handlers.Add(handler.TypeName);
                }
            }

            var routes = new List<RouteSpec>();
            var typeIds = new HashSet<string>(StringComparer.Ordinal);
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
                    RouteClassName(pair.Key),
                    pair.Value.Handlers.ToEquatableArray()));
            }

            return new RouteTableSpec(routes.ToEquatableArray());
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
                var shape = ShapeOf(type);
                if (shape is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedMemberType, member.Locations.FirstOrDefault(), member.Name, displayName, type.ToDisplayString()));
                    continue;
                }

                members.Add(member is IParameterSymbol parameter
                    ? new MemberSpec(
                        EscapeIdentifier(parameter.Name),
                        parameter.Name,
                        shape,
                        IsConstructorParameter: true,
                        DefaultValueExpression: parameter.HasExplicitDefaultValue ? DefaultValueExpression(parameter, shape) : null)
                    : new MemberSpec(EscapeIdentifier(member.Name), member.Name, shape, IsConstructorParameter: false, DefaultValueExpression: null));
            }

            return members;
        }

        private static KeySpec? ParseKey(INamedTypeSymbol symbol, string displayName, List<DiagnosticInfo> diagnostics)
        {
            ISymbol? key = null;
            foreach (var member in symbol.GetMembers())
            {
                if (member is not (IPropertySymbol or IFieldSymbol) || member.IsStatic
                    || !member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == MessageKeyAttributeName))
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
                if (!IsSupportedKeyType(type))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedKeyType, member.Locations.FirstOrDefault(), member.Name, displayName, type.ToDisplayString()));
                    continue;
                }

                key = member;
            }

            return key is null ? null : new KeySpec(EscapeIdentifier(key.Name));
        }

        private static bool IsSupportedKeyType(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
                return type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 || IsNamed(type, "System.Guid");
            }

            return type.SpecialType is SpecialType.System_String or SpecialType.System_Int32 or SpecialType.System_Int64
                || IsNamed(type, "System.Guid")
                || type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte };
        }

        /// <summary>The encoding shape of <paramref name="type"/>, or <see langword="null"/> when it cannot be serialized.</summary>
        internal static TypeShape? ShapeOf(ITypeSymbol type)
        {
            var isReference = type.IsReferenceType;
            var allowsNull = isReference && type.NullableAnnotation != NullableAnnotation.NotAnnotated;
            var suffix = allowsNull ? "?" : string.Empty;
            var bareName = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualified);

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
                return new TypeShape(kind, bareName + suffix, allowsNull, isReference, null);
            }

            if (type is IArrayTypeSymbol array)
            {
                if (array.Rank != 1)
                {
                    return null;
                }

                if (array.ElementType.SpecialType == SpecialType.System_Byte)
                {
                    return new TypeShape(ShapeKind.ByteArray, "byte[]" + suffix, allowsNull, true, null);
                }

                var element = ShapeOf(array.ElementType);
                return element is null ? null : new TypeShape(ShapeKind.Array, element.TypeName + "[]" + suffix, allowsNull, true, element);
            }

            if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol { EnumUnderlyingType: { } underlying })
            {
                var underlyingShape = ShapeOf(underlying);
                return underlyingShape is null ? null : new TypeShape(ShapeKind.Enum, bareName, false, false, null, underlyingShape.Kind);
            }

            if (type is not INamedTypeSymbol named)
            {
                return null;
            }

            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                var element = ShapeOf(named.TypeArguments[0]);
                return element is null ? null : new TypeShape(ShapeKind.Nullable, element.TypeName + "?", true, false, element);
            }

            switch (named.ToDisplayString())
            {
                case "System.Guid":
                    return new TypeShape(ShapeKind.Guid, bareName, false, false, null);
                case "System.DateTimeOffset":
                    return new TypeShape(ShapeKind.DateTimeOffset, bareName, false, false, null);
                case "System.TimeSpan":
                    return new TypeShape(ShapeKind.TimeSpan, bareName, false, false, null);
                case "System.DateOnly":
                    return new TypeShape(ShapeKind.DateOnly, bareName, false, false, null);
                case "System.TimeOnly":
                    return new TypeShape(ShapeKind.TimeOnly, bareName, false, false, null);
            }

            if (named.IsGenericType)
            {
                var definition = named.OriginalDefinition.ToDisplayString();
                var (collectionKind, collectionName) = definition switch
                {
                    "System.Collections.Generic.List<T>" => (ShapeKind.List, "global::System.Collections.Generic.List"),
                    "System.Collections.Generic.IReadOnlyList<T>" => (ShapeKind.ReadOnlyList, "global::System.Collections.Generic.IReadOnlyList"),
                    "System.Collections.Immutable.ImmutableArray<T>" => (ShapeKind.ImmutableArray, "global::System.Collections.Immutable.ImmutableArray"),
                    "System.Collections.Generic.Dictionary<TKey, TValue>" => (ShapeKind.Dictionary, "global::System.Collections.Generic.Dictionary"),
                    "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" => (ShapeKind.ReadOnlyDictionary, "global::System.Collections.Generic.IReadOnlyDictionary"),
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

                    var value = ShapeOf(named.TypeArguments[1]);
                    return value is null
                        ? null
                        : new TypeShape(collectionKind, $"{collectionName}<string, {value.TypeName}>{suffix}", allowsNull, true, value);
                }

                var element = ShapeOf(named.TypeArguments[0]);
                if (element is null)
                {
                    return null;
                }

                return collectionKind == ShapeKind.ImmutableArray
                    ? new TypeShape(collectionKind, $"{collectionName}<{element.TypeName}>", true, false, element)
                    : new TypeShape(collectionKind, $"{collectionName}<{element.TypeName}>{suffix}", allowsNull, true, element);
            }

            if (IsDataType(named))
            {
                return new TypeShape(ShapeKind.Data, bareName + suffix, allowsNull, isReference, null);
            }

            return null;
        }

        private static bool IsDataType(INamedTypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                var name = attribute.AttributeClass?.ToDisplayString();
                if (name is KafkaMessageAttributeName or KafkaDataAttributeName)
                {
                    return true;
                }
            }

            // A type of a referenced assembly that implements the contract (generated there).
            return type.AllInterfaces.Any(i => i is { Name: "IKafkaData", Arity: 1 }
                && i.ContainingNamespace is { Name: "KafkaTyped", ContainingNamespace.IsGlobalNamespace: true }
                && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], type));
        }

        private static string? GetTypeId(INamedTypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KafkaMessageAttributeName
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string typeId)
                {
                    return typeId;
                }
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

        private static bool IsNamed(ITypeSymbol type, string fullName) => type.ToDisplayString() == fullName;

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
            return $"({shape.TypeName})({literal})";
        }

        private static string RouteClassName(string messageTypeName)
        {
            var builder = new StringBuilder();
            foreach (var c in messageTypeName.Replace("global::", string.Empty))
            {
                builder.Append(char.IsLetterOrDigit(c) ? c : '_');
            }

            return builder.Append("Route").Replace("__", "_").ToString();
        }
    }
}
