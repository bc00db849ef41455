using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Checks the body of every IHandle&lt;T&gt;.HandleAsync implementation: blocking waits on asynchronous work (KT0021)
/// and calls that could take the handler's CancellationToken but do not get it (KT0022). Code the handler calls into
/// (helper methods) is not followed.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerBodyAnalyzer : DiagnosticAnalyzer
{
    /// <summary>KT0021: which blocking form was found (<see cref="BlockingKinds"/>).</summary>
    internal const string KindProperty = "Kind";

    /// <summary>KT0021/KT0022: the name of the handler's CancellationToken parameter.</summary>
    internal const string TokenProperty = "Token";

    /// <summary>KT0021: set when the call is inside a lambda or local function, where await cannot simply be added.</summary>
    internal const string NestedProperty = "Nested";

    /// <summary>KT0022: the name of the CancellationToken parameter to pass.</summary>
    internal const string ParameterNameProperty = "ParameterName";

    /// <summary>KT0022: "true" when the token must be passed as a named argument.</summary>
    internal const string NamedProperty = "Named";

    /// <summary>The values of <see cref="KindProperty"/>.</summary>
    internal static class BlockingKinds
    {
        internal const string Result = "Result";
        internal const string Wait = "Wait";
        internal const string GetResult = "GetResult";
        internal const string Sleep = "Sleep";
        internal const string Other = "Other";
    }

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.BlockingCallInHandler,
        DiagnosticDescriptors.CancellationTokenNotPassed);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = KnownTypeSymbols.Get(start.Compilation);
            if (known.HandlerInterface is null || known.CancellationToken is null)
            {
                return;
            }

            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is not IMethodSymbol method || known.GetHandleAsyncToken(method) is not { } token)
                {
                    return;
                }

                var handlerName = method.ContainingType.Name;
                block.RegisterOperationAction(c => AnalyzeInvocation(c, known, token, handlerName), OperationKind.Invocation);
                block.RegisterOperationAction(c => AnalyzePropertyReference(c, known, token, handlerName), OperationKind.PropertyReference);
            });
        });
    }

    private static void AnalyzePropertyReference(OperationAnalysisContext context, KnownTypeSymbols known, IParameterSymbol token, string handlerName)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name == "Result"
            && reference.Instance is not null
            && (IsOriginal(reference.Property.ContainingType, known.TaskOfT) || IsOriginal(reference.Property.ContainingType, known.ValueTaskOfT)))
        {
            ReportBlocking(context, reference, BlockingKinds.Result, token, handlerName);
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownTypeSymbols known, IParameterSymbol token, string handlerName)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;

        if (GetBlockingKind(invocation, known) is { } kind)
        {
            ReportBlocking(context, invocation, kind, token, handlerName);
            return;
        }

        if (invocation.Syntax is not InvocationExpressionSyntax syntax)
        {
            return;
        }

        // Inside a lambda or local function that has a token of its own (Parallel.ForEachAsync, retries), that one is meant.
        token = NearestToken(invocation, known.CancellationToken!) ?? token;

        // An extension method called as one: the receiver is the first argument but not in the argument list.
        var offset = method.IsExtensionMethod && invocation.Arguments.Length > 0 && invocation.Arguments[0].Syntax is not ArgumentSyntax ? 1 : 0;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue
                && argument.Parameter is { } parameter
                && SymbolEqualityComparer.Default.Equals(parameter.Type, known.CancellationToken))
            {
                ReportToken(context, syntax, method, parameter.Name, NeedsNamedArgument(syntax, parameter.Ordinal - offset), token);
                return;
            }
        }

        if (method.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, known.CancellationToken))
            || (method.Parameters.Length > 0 && method.Parameters[method.Parameters.Length - 1].IsParams))
        {
            return;
        }

        if (FindOverloadWithToken(method, known.CancellationToken!, context.ContainingSymbol.ContainingType, context.Compilation) is { } overload)
        {
            ReportToken(context, syntax, method, overload.Parameters[overload.Parameters.Length - 1].Name, NeedsNamedArgument(syntax, method.Parameters.Length - offset), token);
        }
    }

    private static string? GetBlockingKind(IInvocationOperation invocation, KnownTypeSymbols known)
    {
        var method = invocation.TargetMethod;
        if (method.Name == "Wait" && !method.IsStatic && IsTaskType(method.ContainingType, known))
        {
            return method.Parameters.Length == 0 ? BlockingKinds.Wait : BlockingKinds.Other;
        }

        if (method.Name is "WaitAll" or "WaitAny" && method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, known.Task))
        {
            return BlockingKinds.Other;
        }

        if (method.Name == "GetResult"
            && method.Parameters.Length == 0
            && invocation.Instance is IInvocationOperation { TargetMethod.Name: "GetAwaiter" }
            && method.ContainingType.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices")
        {
            return BlockingKinds.GetResult;
        }

        if (method.Name == "Sleep" && method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, known.Thread))
        {
            return BlockingKinds.Sleep;
        }

        return null;
    }

    private static void ReportBlocking(OperationAnalysisContext context, IOperation operation, string kind, IParameterSymbol token, string handlerName)
    {
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(KindProperty, kind)
            .Add(TokenProperty, token.Name);
        if (IsNested(operation))
        {
            properties = properties.Add(NestedProperty, "true");
        }

        var text = operation.Syntax.ToString();
        if (operation is IInvocationOperation { TargetMethod: { } method } && kind is BlockingKinds.Sleep or BlockingKinds.Other)
        {
            text = method.ContainingType.Name + "." + method.Name;
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingCallInHandler, operation.Syntax.GetLocation(), properties, text, handlerName));
    }

    private static void ReportToken(OperationAnalysisContext context, InvocationExpressionSyntax syntax, IMethodSymbol method, string parameterName, bool named, IParameterSymbol token)
    {
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(TokenProperty, token.Name)
            .Add(ParameterNameProperty, parameterName)
            .Add(NamedProperty, named ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.CancellationTokenNotPassed,
            syntax.GetLocation(),
            properties,
            method.ContainingType.Name + "." + method.Name,
            token.Name));
    }

    /// <summary>A token appended at <paramref name="position"/> must be named when earlier arguments were omitted or named.</summary>
    private static bool NeedsNamedArgument(InvocationExpressionSyntax syntax, int position)
        => syntax.ArgumentList.Arguments.Count != position || syntax.ArgumentList.Arguments.Any(a => a.NameColon is not null);

    private static IMethodSymbol? FindOverloadWithToken(IMethodSymbol method, INamedTypeSymbol cancellationToken, INamedTypeSymbol within, Compilation compilation)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        for (var type = definition.ContainingType; type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers(definition.Name))
            {
                if (member is IMethodSymbol candidate
                    && candidate.IsStatic == definition.IsStatic
                    && candidate.Parameters.Length == definition.Parameters.Length + 1
                    && SymbolEqualityComparer.Default.Equals(candidate.Parameters[candidate.Parameters.Length - 1].Type, cancellationToken)
                    && candidate.TypeParameters.Length == definition.TypeParameters.Length
                    && SameParameters(definition, candidate)
                    && compilation.IsSymbolAccessibleWithin(candidate, within))
                {
                    return candidate;
                }
            }

            if (definition.IsStatic)
            {
                break;
            }
        }

        return null;
    }

    private static bool SameParameters(IMethodSymbol method, IMethodSymbol candidate)
    {
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var a = method.Parameters[i];
            var b = candidate.Parameters[i];
            if (a.RefKind != b.RefKind || a.Type.ToDisplayString() != b.Type.ToDisplayString())
            {
                return false;
            }
        }

        return true;
    }

    private static IParameterSymbol? NearestToken(IOperation operation, INamedTypeSymbol cancellationToken)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            var parameters = parent switch
            {
                IAnonymousFunctionOperation lambda => lambda.Symbol.Parameters,
                ILocalFunctionOperation local => local.Symbol.Parameters,
                _ => default,
            };
            if (!parameters.IsDefault)
            {
                foreach (var parameter in parameters)
                {
                    if (SymbolEqualityComparer.Default.Equals(parameter.Type, cancellationToken) && !parameter.IsDiscard)
                    {
                        return parameter;
                    }
                }
            }
        }

        return null;
    }

    private static bool IsNested(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTaskType(INamedTypeSymbol type, KnownTypeSymbols known)
        => SymbolEqualityComparer.Default.Equals(type, known.Task) || IsOriginal(type, known.TaskOfT);

    private static bool IsOriginal(INamedTypeSymbol? type, INamedTypeSymbol? definition)
        => type is not null && definition is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition);
}
