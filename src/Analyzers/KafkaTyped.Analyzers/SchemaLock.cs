using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Analyzers;

/// <summary>One member of a message as the schema lock records it.</summary>
internal readonly record struct LockedMember(string Name, string Type);

/// <summary>One message as the schema lock records it: its type id and its members in wire order.</summary>
internal sealed class LockedMessage
{
    public LockedMessage(string typeId, int line)
    {
        TypeId = typeId;
        Line = line;
    }

    public string TypeId { get; }

    /// <summary>The zero-based line of the <c>message</c> line in the lock file.</summary>
    public int Line { get; }

    public List<LockedMember> Members { get; } = new();

    /// <summary>The declared format when it is not the default MessagePack (<c>json</c>, <c>json-envelope</c>, <c>avro</c>), else empty.</summary>
    public string Format { get; set; } = string.Empty;

    /// <summary>For an Avro message, its Avro schema JSON on one line (the <c>avro</c> line), else empty.</summary>
    public string AvroSchema { get; set; } = string.Empty;
}

/// <summary>A line of the lock file that could not be read.</summary>
internal readonly record struct SchemaLockError(int Line, string Message);

/// <summary>
/// The schema lock file (<c>kafkatyped.schema.lock</c>): a committed, diff-friendly record of every message's wire
/// shape. Format, one item per line:
/// <code>
/// # comment
/// message order-created
///   0 OrderId: System.Guid
///   1 Customer: string
/// message stock-changed format=json
///   0 Sku: string
/// message payment-taken format=avro
///   avro {"type":"record","name":"PaymentTaken","namespace":"Payments","fields":[...]}
/// </code>
/// Messages are sorted by type id (ordinal); members are listed in wire order with their position and type. A message
/// published in another format than MessagePack says so after its type id (<c>format=json</c>, <c>format=json-envelope</c>).
/// An Avro message (<c>format=avro</c>) records its Avro schema instead of its members: Avro readers match fields by
/// name, so positions are not part of its contract.
/// </summary>
internal sealed class SchemaLock
{
    /// <summary>The file name the analyzers look for among the AdditionalFiles.</summary>
    public const string FileName = "kafkatyped.schema.lock";

    /// <summary>The MSBuild property that asks for the lock to be rewritten, visible to the compiler.</summary>
    public const string UpdateProperty = "build_property.KafkaTypedUpdateSchemaLock";

    /// <summary>The MSBuild property choosing the directions of the Avro check (Backward, Forward, Full), visible to the compiler.</summary>
    public const string AvroCompatibilityProperty = "build_property.KafkaTypedAvroCompatibility";

    private const string MessagePrefix = "message ";
    private const string FormatPrefix = "format=";
    private const string AvroPrefix = "avro ";

    /// <summary>The lock's name of <c>MessageFormat.Avro</c>.</summary>
    public const string AvroFormat = "avro";

    private SchemaLock()
    {
    }

    public Dictionary<string, LockedMessage> Messages { get; } = new(StringComparer.Ordinal);

    public List<SchemaLockError> Errors { get; } = new();

    public static bool IsLockFile(string path)
        => string.Equals(System.IO.Path.GetFileName(path), FileName, StringComparison.OrdinalIgnoreCase);

    public static SchemaLock Parse(SourceText text)
    {
        var result = new SchemaLock();
        LockedMessage? current = null;
        foreach (var line in text.Lines)
        {
            var content = line.ToString();
            var trimmed = content.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            var number = line.LineNumber;
            if (content.StartsWith(MessagePrefix, StringComparison.Ordinal))
            {
                var words = content.Substring(MessagePrefix.Length).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                var typeId = words.Length > 0 ? words[0] : string.Empty;
                var format = words.Skip(1).FirstOrDefault(w => w.StartsWith(FormatPrefix, StringComparison.Ordinal))?.Substring(FormatPrefix.Length) ?? string.Empty;
                if (typeId.Length == 0)
                {
                    result.Errors.Add(new SchemaLockError(number, $"line {number + 1}: 'message' needs a type id"));
                    current = null;
                }
                else if (result.Messages.ContainsKey(typeId))
                {
                    result.Errors.Add(new SchemaLockError(number, $"line {number + 1}: message '{typeId}' is listed twice"));
                    current = null;
                }
                else
                {
                    current = new LockedMessage(typeId, number) { Format = format };
                    result.Messages.Add(typeId, current);
                }

                continue;
            }

            if (char.IsWhiteSpace(content[0]) && current is not null && trimmed.StartsWith(AvroPrefix, StringComparison.Ordinal))
            {
                if (current.AvroSchema.Length > 0)
                {
                    result.Errors.Add(new SchemaLockError(number, $"line {number + 1}: message '{current.TypeId}' has a second 'avro' line"));
                    continue;
                }

                var schema = trimmed.Substring(AvroPrefix.Length).Trim();
                try
                {
                    AvroSchemaParser.Parse(schema);
                    current.AvroSchema = schema;
                }
                catch (FormatException e)
                {
                    result.Errors.Add(new SchemaLockError(number, $"line {number + 1}: the Avro schema of '{current.TypeId}' cannot be read: {e.Message}"));
                }

                continue;
            }

            if (char.IsWhiteSpace(content[0]) && current is not null && TryParseMember(trimmed, out var position, out var member))
            {
                if (position != current.Members.Count)
                {
                    result.Errors.Add(new SchemaLockError(number, $"line {number + 1}: member '{member.Name}' of '{current.TypeId}' is at position {position}, expected {current.Members.Count}"));
                    continue;
                }

                current.Members.Add(member);
                continue;
            }

            result.Errors.Add(new SchemaLockError(number, current is null
                ? $"line {number + 1}: expected 'message <type id>', found '{trimmed}'"
                : $"line {number + 1}: expected '  <position> <name>: <type>' or '  avro <schema>', found '{trimmed}'"));
        }

        return result;
    }

    /// <summary>
    /// Writes the lock text for <paramref name="messages"/>: sorted by type id, the first of duplicate ids wins. A message
    /// with an Avro schema gets its <c>avro</c> line instead of member lines.
    /// </summary>
    public static string Write(IEnumerable<(string TypeId, string Format, IReadOnlyList<LockedMember> Members, string AvroSchema)> messages)
    {
        var builder = new StringBuilder();
        builder.Append("# KafkaTyped schema lock: the wire shape of every message, members in wire order.\n");
        builder.Append("# Checked by the KafkaTyped analyzers (KT0040-KT0045). Update: dotnet build -p:KafkaTypedUpdateSchemaLock=true\n");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in messages.OrderBy(m => m.TypeId, StringComparer.Ordinal))
        {
            if (!seen.Add(message.TypeId))
            {
                continue;
            }

            builder.Append(MessagePrefix).Append(message.TypeId);
            if (message.Format.Length > 0)
            {
                builder.Append(' ').Append(FormatPrefix).Append(message.Format);
            }

            builder.Append('\n');
            if (message.AvroSchema.Length > 0)
            {
                builder.Append("  ").Append(AvroPrefix).Append(message.AvroSchema).Append('\n');
                continue;
            }

            for (var i = 0; i < message.Members.Count; i++)
            {
                builder.Append("  ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(message.Members[i].Name).Append(": ").Append(message.Members[i].Type).Append('\n');
            }
        }

        return builder.ToString();
    }

    /// <summary>The lock's name of a <c>MessageFormat</c> value read from <c>[KafkaMessage(Format = ...)]</c>; empty for MessagePack.</summary>
    public static string FormatName(object? value) => value switch
    {
        1 => "json",
        2 => "json-envelope",
        3 => "avro",
        null or 0 => string.Empty,
        _ => value.ToString() ?? string.Empty,
    };

    private static bool TryParseMember(string trimmed, out int position, out LockedMember member)
    {
        position = -1;
        member = default;
        var space = trimmed.IndexOf(' ');
        var colon = trimmed.IndexOf(": ", StringComparison.Ordinal);
        if (space <= 0 || colon <= space + 1
            || !int.TryParse(trimmed.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out position))
        {
            return false;
        }

        var name = trimmed.Substring(space + 1, colon - space - 1).Trim();
        var type = trimmed.Substring(colon + 2).Trim();
        if (name.Length == 0 || type.Length == 0)
        {
            return false;
        }

        member = new LockedMember(name, type);
        return true;
    }
}
