using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Generators.Common;

/// <summary>A <see cref="Location"/> reduced to values, so that models holding it compare by value and keep no syntax tree alive.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());
}
