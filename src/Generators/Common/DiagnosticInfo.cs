using System.Linq;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Generators.Common;

/// <summary>A diagnostic to report, held as values (descriptor, <see cref="LocationInfo"/>, message arguments) so it can flow through the pipeline.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs)
        => new(descriptor, LocationInfo.From(location), messageArgs.ToEquatableArray());

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArgs.Cast<object>().ToArray());
}
