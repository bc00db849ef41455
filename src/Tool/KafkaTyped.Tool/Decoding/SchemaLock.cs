using System.Globalization;

namespace KafkaTyped.Tool.Decoding;

/// <summary>One member of a message in a schema lock: its wire position, its name and its C# type.</summary>
internal sealed record LockedMember(int Position, string Name, string Type);

/// <summary>
/// The wire shapes of a service's messages, read from its <c>kafkatyped.schema.lock</c> (docs/schema-lock.md): type id
/// -> members in wire order. Lines the format does not know are reported and skipped, like the analyzers do (KT0044).
/// </summary>
internal sealed class SchemaLock
{
    private readonly Dictionary<string, IReadOnlyList<LockedMember>> _messages;

    private SchemaLock(Dictionary<string, IReadOnlyList<LockedMember>> messages) => _messages = messages;

    public static SchemaLock Empty { get; } = new(new Dictionary<string, IReadOnlyList<LockedMember>>(StringComparer.Ordinal));

    public int Count => _messages.Count;

    public bool TryGet(string typeId, out IReadOnlyList<LockedMember> members) => _messages.TryGetValue(typeId, out members!);

    /// <summary>Reads a lock file, or a directory holding <c>kafkatyped.schema.lock</c>.</summary>
    public static SchemaLock Load(string path, TextWriter warnings)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "kafkatyped.schema.lock") : path;
        if (!File.Exists(file))
        {
            throw new ToolException(ExitCodes.NotFound, $"Schema lock '{file}' does not exist.");
        }

        return Parse(File.ReadAllLines(file), file, warnings);
    }

    public static SchemaLock Parse(IReadOnlyList<string> lines, string source, TextWriter warnings)
    {
        var messages = new Dictionary<string, IReadOnlyList<LockedMember>>(StringComparer.Ordinal);
        List<LockedMember>? current = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            if (trimmed.StartsWith("message ", StringComparison.Ordinal))
            {
                current = [];
                // "message <type id> [format=json]": the type id is the first word.
                messages[trimmed["message ".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]] = current;
                continue;
            }

            // "  avro <schema>": an Avro message's schema; its records are not MessagePack, so there are no members to name.
            if (current is not null && line.StartsWith(' ') && trimmed.StartsWith("avro ", StringComparison.Ordinal))
            {
                continue;
            }

            // "  <position> <name>: <type>"
            var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
            var colon = trimmed.IndexOf(": ", StringComparison.Ordinal);
            if (current is not null && line.StartsWith(' ') && space > 0 && colon > space
                && int.TryParse(trimmed.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                && position == current.Count)
            {
                current.Add(new LockedMember(position, trimmed[(space + 1)..colon], trimmed[(colon + 2)..].Trim()));
                continue;
            }

            warnings.WriteLine($"warning: {source}({i + 1}): not a schema lock line, skipped: {line}");
        }

        return new SchemaLock(messages);
    }
}
