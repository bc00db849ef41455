using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Checks [Retry], [Ordering], [Deduplicate] and [DeadLetterTopic] on message types and handler classes for values the
/// pipeline cannot run with (KT0030-KT0033, KT0035), and reports them on types where they have no effect (KT0034).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PipelineAttributeAnalyzer : DiagnosticAnalyzer
{
    // Mirrors RetryAttribute's defaults in src/Framework/Contracts/RetryAttribute.cs.
    private const int DefaultBaseDelayMilliseconds = 200;
    private const int DefaultMaxDelayMilliseconds = 30_000;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidRetry,
        DiagnosticDescriptors.KeyOrderingWithoutKey,
        DiagnosticDescriptors.InvalidOrdering,
        DiagnosticDescriptors.InvalidDeduplicate,
        DiagnosticDescriptors.PipelineAttributeWithoutTarget,
        DiagnosticDescriptors.InvalidDeadLetterTopic);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = KnownTypeSymbols.Get(start.Compilation);
            if (known.RetryAttribute is null && known.OrderingAttribute is null && known.DeduplicateAttribute is null && known.DeadLetterTopicAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(c => AnalyzeType(c, known), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypeSymbols known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var retry = KnownTypeSymbols.Find(type, known.RetryAttribute);
        var ordering = KnownTypeSymbols.Find(type, known.OrderingAttribute);
        var deduplicate = KnownTypeSymbols.Find(type, known.DeduplicateAttribute);
        var deadLetterTopic = KnownTypeSymbols.Find(type, known.DeadLetterTopicAttribute);
        if (retry is null && ordering is null && deduplicate is null && deadLetterTopic is null)
        {
            return;
        }

        var isMessage = known.IsMessage(type);
        var handled = known.AllHandlerInterfaces(type).Select(i => i.TypeArguments[0]).OfType<INamedTypeSymbol>().ToList();
        if (!isMessage && handled.Count == 0)
        {
            foreach (var attribute in new[] { retry, ordering, deduplicate, deadLetterTopic })
            {
                if (attribute?.AttributeClass is { } attributeClass)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.PipelineAttributeWithoutTarget,
                        attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? Location.None,
                        attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length),
                        type.Name));
                }
            }

            return;
        }

        if (retry is not null)
        {
            AnalyzeRetry(context, type, retry, known);
        }

        if (deadLetterTopic is { ConstructorArguments: [{ Value: var topicValue }] }
            && KafkaNames.ValidateTopic(topicValue as string) is { } topicProblem)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidDeadLetterTopic,
                AttributeArguments.ConstructorArgument(deadLetterTopic, 0, context.CancellationToken),
                type.Name,
                topicValue as string ?? string.Empty,
                topicProblem));
        }

        if (ordering is not null)
        {
            var messages = isMessage ? new List<INamedTypeSymbol> { type } : handled;
            AnalyzeOrdering(context, type, ordering, messages, known);
        }

        if (deduplicate is not null
            && AttributeArguments.TryGetNamed(deduplicate, "WindowSeconds", out var window)
            && window.Value is int seconds
            && seconds <= 0)
        {
            Report(context, DiagnosticDescriptors.InvalidDeduplicate, AttributeArguments.NamedArgument(deduplicate, "WindowSeconds", context.CancellationToken), type,
                $"WindowSeconds is {seconds}; set a window greater than zero, or leave it unset to use the store's window");
        }
    }

    private static void AnalyzeRetry(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData retry, KnownTypeSymbols known)
    {
        var ct = context.CancellationToken;
        if (AttributeArguments.TryGetNamed(retry, "NonRetryable", out var nonRetryable) && nonRetryable.Kind == TypedConstantKind.Array && !nonRetryable.IsNull)
        {
            foreach (var element in nonRetryable.Values)
            {
                if (element.Value is not ITypeSymbol listed || !known.IsException(listed))
                {
                    Report(context, DiagnosticDescriptors.InvalidRetry, AttributeArguments.NamedArgument(retry, "NonRetryable", ct), type,
                        $"NonRetryable lists '{(element.Value as ITypeSymbol)?.ToDisplayString() ?? "null"}', which is not an exception type");
                }
            }
        }

        if (retry.ConstructorArguments.Length == 1 && retry.ConstructorArguments[0].Value is int attempts && attempts < 1)
        {
            Report(context, DiagnosticDescriptors.InvalidRetry, AttributeArguments.ConstructorArgument(retry, 0, ct), type,
                $"maxAttempts is {attempts}, but it counts the first attempt and must be at least 1 (1 means no retry)");
        }

        var hasBase = AttributeArguments.TryGetNamed(retry, "BaseDelayMilliseconds", out var baseArgument);
        var hasMax = AttributeArguments.TryGetNamed(retry, "MaxDelayMilliseconds", out var maxArgument);
        var baseDelay = hasBase && baseArgument.Value is int b ? b : DefaultBaseDelayMilliseconds;
        var maxDelay = hasMax && maxArgument.Value is int m ? m : DefaultMaxDelayMilliseconds;

        if (baseDelay < 0)
        {
            Report(context, DiagnosticDescriptors.InvalidRetry, AttributeArguments.NamedArgument(retry, "BaseDelayMilliseconds", ct), type,
                $"BaseDelayMilliseconds is {baseDelay}; a delay cannot be negative");
        }

        if (maxDelay < 0)
        {
            Report(context, DiagnosticDescriptors.InvalidRetry, AttributeArguments.NamedArgument(retry, "MaxDelayMilliseconds", ct), type,
                $"MaxDelayMilliseconds is {maxDelay}; a delay cannot be negative");
        }
        else if (baseDelay >= 0 && maxDelay < baseDelay)
        {
            var location = hasMax
                ? AttributeArguments.NamedArgument(retry, "MaxDelayMilliseconds", ct)
                : AttributeArguments.NamedArgument(retry, "BaseDelayMilliseconds", ct);
            var maxText = hasMax ? maxDelay.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{maxDelay} (the default)";
            Report(context, DiagnosticDescriptors.InvalidRetry, location, type,
                $"MaxDelayMilliseconds {maxText} is below BaseDelayMilliseconds {baseDelay}; the maximum delay must be at least the base delay");
        }
    }

    private static void AnalyzeOrdering(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData ordering, List<INamedTypeSymbol> messages, KnownTypeSymbols known)
    {
        var ct = context.CancellationToken;
        if (ordering.ConstructorArguments.Length == 1 && ordering.ConstructorArguments[0].Value is int mode)
        {
            if (mode is < 0 or > 2)
            {
                Report(context, DiagnosticDescriptors.InvalidOrdering, AttributeArguments.ConstructorArgument(ordering, 0, ct), type,
                    $"{mode} is not an OrderingMode; use Partition, Key or None");
            }
            else if (mode == 1)
            {
                foreach (var message in messages)
                {
                    if (known.IsMessage(message) && MessageShape.FindKeyMember(message, known.MessageKeyAttribute) is null)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.KeyOrderingWithoutKey,
                            AttributeArguments.ConstructorArgument(ordering, 0, ct),
                            type.Name,
                            message.Name));
                    }
                }
            }
        }

        if (AttributeArguments.TryGetNamed(ordering, "MaxConcurrency", out var concurrency) && concurrency.Value is int max && max < 0)
        {
            Report(context, DiagnosticDescriptors.InvalidOrdering, AttributeArguments.NamedArgument(ordering, "MaxConcurrency", ct), type,
                $"MaxConcurrency is {max}; it cannot be negative (0 takes the consumer's default)");
        }
    }

    private static void Report(SymbolAnalysisContext context, DiagnosticDescriptor descriptor, Location location, INamedTypeSymbol type, string reason)
        => context.ReportDiagnostic(Diagnostic.Create(descriptor, location, type.Name, reason));
}
