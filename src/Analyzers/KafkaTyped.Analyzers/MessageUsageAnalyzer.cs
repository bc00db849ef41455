using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Reports a [KafkaMessage] type with no IHandle&lt;T&gt; implementation and no publish call in the compilation
/// (KT0013, information). A publish call is an invocation of a method named <c>PublishAsync</c> or <c>Publish</c>
/// on <c>KafkaTyped.IMessagePublisher</c> (or a type implementing it, or an extension method whose receiver is it)
/// with the message as type argument or argument. When the compilation has no <c>IMessagePublisher</c>, any method
/// with those names counts, so the rule errs towards silence.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageUsageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.MessageNeverUsed);

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

            var messages = new ConcurrentDictionary<INamedTypeSymbol, string>(SymbolEqualityComparer.Default);
            var used = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);

            start.RegisterSymbolAction(
                symbolContext =>
                {
                    var type = (INamedTypeSymbol)symbolContext.Symbol;
                    if (known.GetMessageAttribute(type) is { } attribute)
                    {
                        messages.TryAdd(type, attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? string.Empty : string.Empty);
                    }

                    foreach (var iface in known.AllHandlerInterfaces(type))
                    {
                        used.TryAdd(iface.TypeArguments[0], true);
                    }
                },
                SymbolKind.NamedType);

            start.RegisterOperationAction(
                operationContext =>
                {
                    var invocation = (IInvocationOperation)operationContext.Operation;
                    if (!IsPublishCall(invocation, known))
                    {
                        return;
                    }

                    foreach (var typeArgument in invocation.TargetMethod.TypeArguments)
                    {
                        used.TryAdd(typeArgument, true);
                    }

                    foreach (var argument in invocation.Arguments)
                    {
                        if (argument.Value is IConversionOperation { Operand.Type: { } operandType })
                        {
                            used.TryAdd(operandType, true);
                        }
                        else if (argument.Value.Type is { } argumentType)
                        {
                            used.TryAdd(argumentType, true);
                        }
                    }
                },
                OperationKind.Invocation);

            start.RegisterCompilationEndAction(end =>
            {
                foreach (var pair in messages)
                {
                    if (!used.ContainsKey(pair.Key))
                    {
                        end.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.MessageNeverUsed,
                            pair.Key.Locations.FirstOrDefault() ?? Location.None,
                            pair.Key.Name,
                            AttributeArguments.Quote(pair.Value)));
                    }
                }
            });
        });
    }

    private static bool IsPublishCall(IInvocationOperation invocation, KnownTypeSymbols known)
    {
        var method = invocation.TargetMethod;
        if (method.Name is not ("PublishAsync" or "Publish"))
        {
            return false;
        }

        if (known.Publisher is not { } publisher)
        {
            return true;
        }

        var extension = method.ReducedFrom ?? (method.IsExtensionMethod ? method : null);
        if (extension is { Parameters.Length: > 0 })
        {
            return IsPublisher(extension.Parameters[0].Type, publisher);
        }

        return IsPublisher(method.ContainingType, publisher);
    }

    private static bool IsPublisher(ITypeSymbol type, INamedTypeSymbol publisher)
        => SymbolEqualityComparer.Default.Equals(type, publisher)
           || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, publisher))
           || (type is ITypeParameterSymbol parameter && parameter.ConstraintTypes.Any(c => IsPublisher(c, publisher)));
}
