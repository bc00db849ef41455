using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Checks [KafkaMessage] declarations: the type id (KT0010), the topic (KT0011) and the key member's type (KT0012).
/// Missing partial, duplicate ids, unsupported member types and several keys are reported by the generator
/// (KT0001-KT0004) and not repeated here.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidTypeId,
        DiagnosticDescriptors.InvalidTopicName,
        DiagnosticDescriptors.UnsupportedKeyType);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = KnownTypes.Get(start.Compilation);
            if (known.KafkaMessageAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, known), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes known)
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

        foreach (var member in type.GetMembers())
        {
            if (member is not (IPropertySymbol or IFieldSymbol) || KnownTypes.Find(member, known.MessageKeyAttribute) is null)
            {
                continue;
            }

            var memberType = member is IPropertySymbol property ? property.Type : ((IFieldSymbol)member).Type;
            if (!IsSupportedKeyType(memberType))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.UnsupportedKeyType,
                    member.Locations.FirstOrDefault() ?? Location.None,
                    type.Name + "." + member.Name,
                    memberType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
            }
        }
    }

    /// <summary>string, Guid, int, long, byte[] and the nullable forms of Guid, int and long (a null value is a null key).</summary>
    internal static bool IsSupportedKeyType(ITypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Error)
        {
            return true;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T, TypeArguments: [var underlying] })
        {
            type = underlying;
        }
        else if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return true;
        }
        else if (type.SpecialType == SpecialType.System_String)
        {
            return true;
        }

        return type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64
            || type is INamedTypeSymbol { Name: "Guid", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
    }
}
