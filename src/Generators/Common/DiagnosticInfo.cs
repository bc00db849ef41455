using System.Linq;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Generators.Common;

/// <summary>
/// A diagnostic to report, held as values so it can flow through the pipeline: the descriptor, the message arguments,
/// and a source location that keeps its <see cref="SyntaxTree"/> (and nothing of the compilation).
/// </summary>
/// <remarks>
/// The location is kept in the tree on purpose: the compiler applies <c>#pragma warning disable</c> and
/// <c>[SuppressMessage]</c> to a diagnostic by looking up its tree, so a location rebuilt from a file path could not be
/// suppressed (SuppressionTests). A tree that is not edited is the same object in the next compilation, so an unchanged
/// diagnostic still compares equal and its output stays cached. Only diagnostics hold locations; the specs that drive
/// source output hold none.
/// </remarks>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, Location? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs)
        => new(descriptor, InSource(location), messageArgs.ToEquatableArray());

    /// <summary>
    /// <paramref name="location"/> as a location in its syntax tree, or <see langword="null"/> when it is not in source
    /// (a metadata location refers to the compilation's symbols and must not be cached).
    /// </summary>
    public static Location? InSource(Location? location)
        => location is { IsInSource: true, SourceTree: { } tree } ? Location.Create(tree, location.SourceSpan) : null;

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location, MessageArgs.Cast<object>().ToArray());
}
