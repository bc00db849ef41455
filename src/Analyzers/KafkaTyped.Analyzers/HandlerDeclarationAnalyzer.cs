using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Reports IHandle&lt;T&gt; where T is not a [KafkaMessage] type (KT0020), at the base-list entry. A type that implements
/// IKafkaMessage&lt;T&gt; by hand is accepted: the runtime can route it when its handlers are registered explicitly.
/// Reports a concrete handler of a message that the generator does not find (KT0023): its own base list does not
/// name IHandle&lt;T&gt; (src/Shared/HandlerSyntax.cs), because it inherits the interface or names it through an alias.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Set on KT0020 when the message type is declared in source, so the fix can add [KafkaMessage] to it.</summary>
    internal const string MessageTypeInSourceProperty = "MessageTypeInSource";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.HandlerOfNonMessage, DiagnosticDescriptors.HandlerNotDiscovered);

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
            start.RegisterSymbolAction(symbol => AnalyzeDiscovery(symbol, known), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeDiscovery(SymbolAnalysisContext context, KnownTypeSymbols known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type is not { TypeKind: TypeKind.Class, IsAbstract: false, IsStatic: false, IsGenericType: false, IsFileLocal: false }
            || type.DeclaringSyntaxReferences.Length == 0
            || !IsVisibleToGeneratedCode(type)
            || known.AllHandlerInterfaces(type).Select(i => i.TypeArguments[0]).FirstOrDefault(known.IsMessage) is not { } message)
        {
            return;
        }

        var declarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<TypeDeclarationSyntax>().ToList();
        if (declarations.Count == 0 || declarations.Any(HandlerSyntax.NamesHandlerInterface))
        {
            return;
        }

        var through = known.DeclaredHandlerInterfaces(type).Any() ? "a using alias" : $"its base class '{type.BaseType?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}'";
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.HandlerNotDiscovered,
            declarations[0].Identifier.GetLocation(),
            type.Name,
            message.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
            through));
    }

    // The generator routes only handlers it can name: at least internal, as is every type that contains them.
    private static bool IsVisibleToGeneratedCode(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal) || current.IsGenericType)
            {
                return false;
            }
        }

        return true;
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
