using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Checks [KafkaMessage] declarations: the type id (KT0010) and the topic (KT0011). Missing partial, duplicate ids,
/// unsupported member and key types, several keys and unsupported type shapes are reported by the generator
/// (KT0001-KT0006) and not repeated here.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidTypeId,
        DiagnosticDescriptors.InvalidTopicName,
        DiagnosticDescriptors.JsonUnrepresentableMember);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = KnownTypeSymbols.Get(start.Compilation);
            if (known.KafkaMessageAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, known), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypeSymbols known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (known.GetMessageAttribute(type) is not { } attribute)
        {
            return;
        }

        var ct = context.CancellationToken;
        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Primitive)
        {
            var typeId = attribute.ConstructorArguments[0].Value as string;
            if (KafkaNames.ValidateTypeId(typeId) is { } reason)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidTypeId,
                    AttributeArguments.ConstructorArgument(attribute, 0, ct),
                    AttributeArguments.Quote(typeId),
                    type.Name,
                    reason));
            }
        }

        if (AttributeArguments.TryGetNamed(attribute, "Topic", out var topicArgument) && topicArgument.Kind == TypedConstantKind.Primitive)
        {
            var topic = topicArgument.Value as string;
            if (topic is not null && KafkaNames.ValidateTopic(topic) is { } reason)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidTopicName,
                    AttributeArguments.NamedArgument(attribute, "Topic", ct),
                    AttributeArguments.Quote(topic),
                    type.Name,
                    reason));
            }
        }

        if (AttributeArguments.TryGetNamed(attribute, "Format", out var format) && format.Value is int value and (1 or 2))
        {
            AnalyzeJsonMembers(context, type, type, value == 1 ? "Json" : "JsonEnvelope", new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), known);
        }
    }

    // Members of the message and of the data types it contains (collections and nullable wrappers included) whose values
    // JSON cannot all carry: float and double (NaN, Infinity). 64-bit integers are written digit for digit and read exactly by
    // KafkaTyped and Go; JavaScript readers rounding them above 2^53 is documented in serialization.md, not reported.
    private static void AnalyzeJsonMembers(SymbolAnalysisContext context, INamedTypeSymbol message, INamedTypeSymbol type, string format, HashSet<ITypeSymbol> visited, KnownTypeSymbols known)
    {
        if (!visited.Add(type))
        {
            return;
        }

        foreach (var member in MessageShape.GetMembers(type, context.CancellationToken))
        {
            foreach (var part in Parts(member.Type))
            {
                var problem = part.SpecialType switch
                {
                    SpecialType.System_Single or SpecialType.System_Double => "NaN and Infinity have no JSON number, so publishing one fails",
                    _ => null,
                };
                if (problem is not null)
                {
                    var location = ReferenceEquals(type, message) ? member.Location : message.Locations.FirstOrDefault() ?? Location.None;
                    var name = ReferenceEquals(type, message) ? member.Name : type.Name + "." + member.Name;
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.JsonUnrepresentableMember, location, name, message.Name, part.ToDisplayString(), format, problem));
                }
                else if (part is INamedTypeSymbol named && known.IsDataAttributed(named) && named.Locations.Any(l => l.IsInSource))
                {
                    AnalyzeJsonMembers(context, message, named, format, visited, known);
                }
            }
        }
    }

    // The type, its element type, its type arguments (List<T>, Dictionary<K, V>, T?), recursively.
    private static IEnumerable<ITypeSymbol> Parts(ITypeSymbol type)
    {
        yield return type;
        var children = type switch
        {
            IArrayTypeSymbol array => new[] { array.ElementType },
            INamedTypeSymbol { IsGenericType: true } generic => generic.TypeArguments.ToArray(),
            _ => Array.Empty<ITypeSymbol>(),
        };
        foreach (var child in children)
        {
            foreach (var part in Parts(child))
            {
                yield return part;
            }
        }
    }
}
