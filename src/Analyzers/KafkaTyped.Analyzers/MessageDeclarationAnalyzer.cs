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
        DiagnosticDescriptors.InvalidTopicName);

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
    }
}
