using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Reports IHandle&lt;T&gt; where T is not a [KafkaMessage] type (KT0020), at the base-list entry. A type that implements
/// IKafkaMessage&lt;T&gt; by hand is accepted: the runtime can route it when its handlers are registered explicitly.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Set on KT0020 when the message type is declared in source, so the fix can add [KafkaMessage] to it.</summary>
    internal const string MessageTypeInSourceProperty = "MessageTypeInSource";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.HandlerOfNonMessage);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = KnownTypeSymbols.Get(start.Compilation);
            if (known.HandlerInterface is null || known.KafkaMessageAttribute is null)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(node => AnalyzeBaseType(node, known), SyntaxKind.SimpleBaseType);
        });
    }

    private static void AnalyzeBaseType(SyntaxNodeAnalysisContext context, KnownTypeSymbols known)
    {
        var baseType = (SimpleBaseTypeSyntax)context.Node;
        if (context.SemanticModel.GetTypeInfo(baseType.Type, context.CancellationToken).Type is not INamedTypeSymbol iface
            || !SymbolEqualityComparer.Default.Equals(iface.OriginalDefinition, known.HandlerInterface)
            || iface.TypeArguments is not [var messageType]
            || messageType.TypeKind is TypeKind.TypeParameter or TypeKind.Error
            || known.IsMessageContract(messageType))
        {
            return;
        }

        var handlerName = baseType.Parent?.Parent is BaseTypeDeclarationSyntax declaration ? declaration.Identifier.ValueText : "?";
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (messageType is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, IsGenericType: false, ContainingType: null } named
            && named.DeclaringSyntaxReferences.Length > 0)
        {
            properties = properties.Add(MessageTypeInSourceProperty, "true");
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.HandlerOfNonMessage,
            baseType.GetLocation(),
            properties,
            handlerName,
            messageType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
    }
}
