using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Analyzers;

/// <summary>
/// Compares every [KafkaMessage] type with the committed schema lock (an AdditionalFile named
/// <c>kafkatyped.schema.lock</c>): a removed (KT0040), moved (KT0041) or retyped (KT0042) member is an error; new
/// messages and members added at the end are compatible and only reported as information (KT0043). An Avro message is
/// checked by Avro's resolution rules against its locked Avro schema instead (KT0045): backward by default, forward or
/// both with <c>-p:KafkaTypedAvroCompatibility=Forward|Full</c>. Nothing is checked while the lock is being rewritten
/// (<c>-p:KafkaTypedUpdateSchemaLock=true</c>). See docs/schema-lock.md.
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
        DiagnosticDescriptors.SchemaLockInvalid,
        DiagnosticDescriptors.AvroSchemaIncompatible);

    /// <summary>Which directions of Avro compatibility are checked.</summary>
    [Flags]
    private enum AvroCompatibilityMode
    {
        Backward = 1,
        Forward = 2,
        Full = Backward | Forward,
    }

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

            ReadAvroCompatibility(fileContext.Options, out var badMode);
            if (badMode is not null)
            {
                fileContext.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.SchemaLockInvalid,
                    Location.Create(fileContext.AdditionalFile.Path, default, default),
                    $"KafkaTypedAvroCompatibility is '{badMode}', not Backward, Forward or Full; Backward is checked"));
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
            var mode = ReadAvroCompatibility(start.Options, out _);
            start.RegisterSymbolAction(c => AnalyzeType(c, known, schemaLock, mode), SymbolKind.NamedType);
        });
    }

    private static bool IsUpdateRequested(AnalyzerOptions options)
        => options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(SchemaLock.UpdateProperty, out var value)
           && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static AvroCompatibilityMode ReadAvroCompatibility(AnalyzerOptions options, out string? invalid)
    {
        invalid = null;
        if (!options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(SchemaLock.AvroCompatibilityProperty, out var value)
            || string.IsNullOrWhiteSpace(value))
        {
            return AvroCompatibilityMode.Backward;
        }

        switch (value.Trim().ToUpperInvariant())
        {
            case "BACKWARD":
                return AvroCompatibilityMode.Backward;
            case "FORWARD":
                return AvroCompatibilityMode.Forward;
            case "FULL":
                return AvroCompatibilityMode.Full;
            default:
                invalid = value.Trim();
                return AvroCompatibilityMode.Backward;
        }
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypeSymbols known, SchemaLock schemaLock, AvroCompatibilityMode mode)
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
        var currentSchema = locked.AvroSchema.Length > 0 || format == SchemaLock.AvroFormat
            ? AvroSchemaText.Of(type, known, context.CancellationToken)
            : null;
        if (locked.AvroSchema.Length > 0 && currentSchema is not null)
        {
            // Records written as Avro are read by Avro's rules, whatever the message's format is now.
            broken |= CheckAvro(context, type, typeId, current, locked.AvroSchema, currentSchema, mode);
        }

        // An Avro entry's records were written as Avro: fields are matched by name, so positions are not its contract.
        var positional = locked.Format != SchemaLock.AvroFormat;
        for (var i = 0; positional && i < locked.Members.Count; i++)
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

        if (broken)
        {
            return;
        }

        if (format == SchemaLock.AvroFormat)
        {
            if (currentSchema is not null && currentSchema != locked.AvroSchema)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.SchemaLockOutdated, typeLocation, $"the current Avro schema of message '{typeId}'"));
            }
        }
        else if (current.Length > (positional ? locked.Members.Count : 0))
        {
            var added = string.Join(", ", current.Skip(positional ? locked.Members.Count : 0).Select(m => "'" + m.Name + "'"));
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.SchemaLockOutdated, typeLocation, $"the members {added} of message '{typeId}'"));
        }
    }

    /// <summary>Reports every way <paramref name="currentSchema"/> and the locked schema cannot read each other's records, in the directions checked.</summary>
    private static bool CheckAvro(
        SymbolAnalysisContext context,
        INamedTypeSymbol type,
        string typeId,
        ImmutableArray<SerializedMember> current,
        string lockedSchema,
        string currentSchema,
        AvroCompatibilityMode mode)
    {
        var broken = false;
        try
        {
            if ((mode & AvroCompatibilityMode.Backward) != 0)
            {
                broken |= Report(AvroCompatibility.Check(currentSchema, lockedSchema, "the locked schema"), "backward");
            }

            if ((mode & AvroCompatibilityMode.Forward) != 0)
            {
                broken |= Report(AvroCompatibility.Check(lockedSchema, currentSchema, "the new schema"), "forward");
            }
        }
        catch (FormatException)
        {
            // The locked schema was read when the lock was parsed, so the current one is not a valid Avro schema (two
            // named types that Avro's namespace rules give one full name): registries refuse it too; nothing to compare.
        }

        return broken;

        bool Report(List<AvroIncompatibility> problems, string direction)
        {
            foreach (var problem in problems)
            {
                var member = current.FirstOrDefault(m => AvroSchemaText.FieldName(m.Name) == problem.TopField);
                var location = member.Symbol is not null ? member.Location : type.Locations.FirstOrDefault() ?? Location.None;
                var where = problem.Path.Length == 0 ? "the record" : $"field '{problem.Path}'";
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.AvroSchemaIncompatible, location, typeId, type.Name, direction, where, problem.Rule));
            }

            return problems.Count > 0;
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
