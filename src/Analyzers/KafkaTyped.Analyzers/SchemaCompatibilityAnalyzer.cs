using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Compares every [KafkaMessage] type with the committed schema lock (an AdditionalFile named
/// <c>kafkatyped.schema.lock</c>): a removed (KT0040), moved (KT0041) or retyped (KT0042) member is an error; new
/// messages and members added at the end are compatible and only reported as information (KT0043). Nothing is
/// checked while the lock is being rewritten (<c>-p:KafkaTypedUpdateSchemaLock=true</c>). See docs/schema-lock.md.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SchemaCompatibilityAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.SchemaMemberRemoved,
        DiagnosticDescriptors.SchemaMemberReordered,
        DiagnosticDescriptors.SchemaMemberTypeChanged,
        DiagnosticDescriptors.SchemaLockOutdated,
        DiagnosticDescriptors.SchemaLockInvalid);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();

        context.RegisterAdditionalFileAction(fileContext =>
        {
            if (!SchemaLock.IsLockFile(fileContext.AdditionalFile.Path) || IsUpdateRequested(fileContext.Options)
                || fileContext.AdditionalFile.GetText(fileContext.CancellationToken) is not { } text)
            {
                return;
            }

            foreach (var error in SchemaLock.Parse(text).Errors)
            {
                var line = text.Lines[error.Line];
                var location = Location.Create(fileContext.AdditionalFile.Path, line.Span, text.Lines.GetLinePositionSpan(line.Span));
                fileContext.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SchemaLockInvalid, location, error.Message));
            }
        });

        context.RegisterCompilationStartAction(start =>
        {
            if (IsUpdateRequested(start.Options))
            {
                return;
            }

            var lockFile = start.Options.AdditionalFiles.FirstOrDefault(f => SchemaLock.IsLockFile(f.Path));
            var known = KnownTypeSymbols.Get(start.Compilation);
            if (lockFile?.GetText(start.CancellationToken) is not { } text || known.KafkaMessageAttribute is null)
            {
                return;
            }

            var schemaLock = SchemaLock.Parse(text);
            start.RegisterSymbolAction(c => AnalyzeType(c, known, schemaLock), SymbolKind.NamedType);
        });
    }

    private static bool IsUpdateRequested(AnalyzerOptions options)
        => options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(SchemaLock.UpdateProperty, out var value)
           && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypeSymbols known, SchemaLock schemaLock)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (known.GetMessageAttribute(type) is not { ConstructorArguments.Length: 1 } attribute
            || attribute.ConstructorArguments[0].Value is not string typeId
            || KafkaNames.ValidateTypeId(typeId) is not null)
        {
            return;
        }

        var typeLocation = type.Locations.FirstOrDefault() ?? Location.None;
        var current = MessageShape.GetMembers(type, context.CancellationToken);
        if (!schemaLock.Messages.TryGetValue(typeId, out var locked))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SchemaLockOutdated, typeLocation, $"message '{typeId}' ({type.Name})"));
            return;
        }

        // A format change is compatible (readers take every format by content-type); the lock records it, so say it is behind.
        var format = SchemaLock.FormatName(attribute.NamedArguments.FirstOrDefault(static a => a.Key == "Format").Value.Value);
        if (!string.Equals(format, locked.Format, StringComparison.Ordinal))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.SchemaLockOutdated, typeLocation, $"the format of message '{typeId}' ({(format.Length == 0 ? "messagepack" : format)})"));
        }

        var broken = false;
        for (var i = 0; i < locked.Members.Count; i++)
        {
            var lockedMember = locked.Members[i];
            var j = IndexOf(current, lockedMember.Name);
            if (j < 0)
            {
                broken = true;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.SchemaMemberRemoved, typeLocation, lockedMember.Name, lockedMember.Type, i, typeId));
            }
            else if (j != i)
            {
                broken = true;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.SchemaMemberReordered, current[j].Location, lockedMember.Name, typeId, i, j));
            }
            else if (MessageShape.FormatType(current[j].Type) is var currentType && currentType != lockedMember.Type)
            {
                broken = true;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.SchemaMemberTypeChanged, current[j].Location, lockedMember.Name, typeId, currentType, lockedMember.Type));
            }
        }

        if (!broken && current.Length > locked.Members.Count)
        {
            var added = string.Join(", ", current.Skip(locked.Members.Count).Select(m => "'" + m.Name + "'"));
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.SchemaLockOutdated, typeLocation, $"the members {added} of message '{typeId}'"));
        }
    }

    private static int IndexOf(ImmutableArray<SerializedMember> members, string name)
    {
        for (var i = 0; i < members.Length; i++)
        {
            if (members[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}
