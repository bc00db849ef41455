using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KafkaTyped.Generators.Common;
using KafkaTyped.Generators.Model;
using KafkaTyped.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Generators;

/// <summary>
/// Generates, at compile time, the MessagePack serializer and <c>IKafkaMessage&lt;T&gt;</c>/<c>IKafkaData&lt;T&gt;</c>
/// implementation of every <c>[KafkaMessage]</c> and <c>[KafkaData]</c> type, the routing table over every
/// <c>IHandle&lt;T&gt;</c> of the compilation, and the <c>AddGeneratedHandlers</c> registration extension.
/// </summary>
/// <remarks>
/// This file holds the pipeline only: the parser (<c>KafkaTypedGenerator.Parser.cs</c>) turns symbols into the
/// value-equatable models of <c>Model/</c>, the emitter (<c>KafkaTypedGenerator.Emitter.cs</c>) turns models into source.
/// Diagnostics flow through their own output so that source outputs stay cached when only locations move; they keep
/// their syntax tree so that <c>#pragma warning disable</c> and <c>[SuppressMessage]</c> apply to them (see <c>Common/DiagnosticInfo.cs</c>).
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class KafkaTypedGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var messages = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KafkaTypedMetadataNames.KafkaMessageAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => Parser.ParseDataType(ctx, isMessage: true, ct))
            .WithTrackingName(TrackingNames.MessageTypes);

        var dataTypes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KafkaTypedMetadataNames.KafkaDataAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => Parser.ParseDataType(ctx, isMessage: false, ct))
            .WithTrackingName(TrackingNames.DataTypes);

        // Source: one file per type. The spec holds no location, so moving a declaration does not re-emit it.
        var messageSpecs = messages
            .Select(static (result, _) => result.Spec)
            .WithTrackingName(TrackingNames.MessageSpecs);
        var dataSpecs = dataTypes
            .Select(static (result, _) => result.Spec)
            .WithTrackingName(TrackingNames.DataSpecs);

        // Hint names are compared ignoring case, and C# names are not: names that differ only in case get a number.
        // The set of such names is almost always empty and stays equal across edits, so it does not re-emit anything.
        var hintNameCollisions = messageSpecs.Collect()
            .Combine(dataSpecs.Collect())
            .Select(static (pair, _) => Parser.FindHintNameCollisions(pair.Left.AddRange(pair.Right)))
            .WithTrackingName(TrackingNames.HintNameCollisions);
        context.RegisterSourceOutput(messageSpecs.Combine(hintNameCollisions), static (spc, pair) => Emitter.EmitDataType(spc, pair.Left, pair.Right));
        context.RegisterSourceOutput(dataSpecs.Combine(hintNameCollisions), static (spc, pair) => Emitter.EmitDataType(spc, pair.Left, pair.Right));

        // Diagnostics: their own output.
        var typeDiagnostics = messages
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.MessageDiagnostics);
        var dataDiagnostics = dataTypes
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.DataDiagnostics);
        context.RegisterSourceOutput(typeDiagnostics, static (spc, diagnostics) => ReportDiagnostics(spc, diagnostics));
        context.RegisterSourceOutput(dataDiagnostics, static (spc, diagnostics) => ReportDiagnostics(spc, diagnostics));

        var duplicateTypeIds = messages
            .Select(static (result, _) => result.TypeIdDeclaration)
            .Where(static declaration => declaration is not null)
            .WithTrackingName(TrackingNames.TypeIdDeclarations)
            .Collect()
            .WithTrackingName(TrackingNames.AllTypeIdDeclarations)
            .Select(static (declarations, _) => Parser.FindDuplicateTypeIds(declarations!))
            .WithTrackingName(TrackingNames.DuplicateTypeIds);
        context.RegisterSourceOutput(duplicateTypeIds, static (spc, diagnostics) => ReportDiagnostics(spc, diagnostics));

        // Handlers: every non-abstract class (or record class) implementing IHandle<T> for a [KafkaMessage] T. The
        // interface cannot be selected by ForAttributeWithMetadataName, so a syntax-only predicate keeps the classes whose
        // own base list names IHandle<...> (src/Shared/HandlerSyntax.cs); only those are bound.
        var handlers = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax && HandlerSyntax.NamesHandlerInterface((TypeDeclarationSyntax)node),
                static (ctx, ct) => Parser.ParseHandler(ctx, ct))
            .WithTrackingName(TrackingNames.HandlerCandidates)
            .Where(static handler => handler is not null)
            .WithTrackingName(TrackingNames.Handlers);

        // The assembly name names the registration namespace: reduced to a string, so other compilation changes are cache hits.
        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName)
            .WithTrackingName(TrackingNames.AssemblyName);

        var routeTable = handlers
            .Collect()
            .WithTrackingName(TrackingNames.AllHandlers)
            .Combine(assemblyName)
            .Select(static (pair, _) => Parser.BuildRouteTable(pair.Left!, pair.Right))
            .WithTrackingName(TrackingNames.RouteTable);
        context.RegisterSourceOutput(routeTable, static (spc, table) => Emitter.EmitRouting(spc, table));
    }

    private static void ReportDiagnostics(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    /// <summary>The names of the tracked pipeline steps, asserted by the incremental-caching tests.</summary>
    internal static class TrackingNames
    {
        public const string MessageTypes = nameof(MessageTypes);
        public const string DataTypes = nameof(DataTypes);
        public const string MessageSpecs = nameof(MessageSpecs);
        public const string DataSpecs = nameof(DataSpecs);
        public const string HintNameCollisions = nameof(HintNameCollisions);
        public const string MessageDiagnostics = nameof(MessageDiagnostics);
        public const string DataDiagnostics = nameof(DataDiagnostics);
        public const string TypeIdDeclarations = nameof(TypeIdDeclarations);
        public const string AllTypeIdDeclarations = nameof(AllTypeIdDeclarations);
        public const string DuplicateTypeIds = nameof(DuplicateTypeIds);
        public const string HandlerCandidates = nameof(HandlerCandidates);
        public const string Handlers = nameof(Handlers);
        public const string AllHandlers = nameof(AllHandlers);
        public const string AssemblyName = nameof(AssemblyName);
        public const string RouteTable = nameof(RouteTable);

        public static readonly ImmutableArray<string> All =
        [
            MessageTypes, DataTypes, MessageSpecs, DataSpecs, HintNameCollisions, MessageDiagnostics, DataDiagnostics,
            TypeIdDeclarations, AllTypeIdDeclarations, DuplicateTypeIds, HandlerCandidates, Handlers, AllHandlers, AssemblyName, RouteTable,
        ];
    }
}
