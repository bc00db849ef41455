using Microsoft.CodeAnalysis;

namespace KafkaTyped.Generators;

/// <summary>
/// The diagnostics the generator itself reports (KT0001-KT0009; KT0010 and up belong to the analyzers).
/// Ids are numbered by hand, never reused, and tracked in AnalyzerReleases.Shipped.md / Unshipped.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>Where the documentation of every diagnostic lives: <c>{HelpLinkBase}/docs/diagnostics/{ID}.md</c>.</summary>
    public const string HelpLinkBase = "https://github.com/kafkatyped/kafkatyped/blob/main";

    private const string Category = "KafkaTyped.Generator";

    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        "KT0001",
        "Message or data type must be partial",
        "'{0}' carries [{1}] but is not partial (nor are all its containing types): the generator cannot add its serializer",
        "The source generator implements IKafkaMessage<T>/IKafkaData<T> in a second part of the type. Add the 'partial' modifier to the type and to every type that contains it.");

    public static readonly DiagnosticDescriptor DuplicateTypeId = Create(
        "KT0002",
        "Duplicate message type id",
        "Type id '{0}' of '{1}' is already used by '{2}': type ids route records to handlers and must be unique",
        "Two [KafkaMessage] types of one compilation declare the same type id, so a consumer could not tell their records apart. Give each message type its own stable type id.");

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "KT0003",
        "Member type cannot be serialized",
        "Member '{0}' of '{1}' has type '{2}', which KafkaTyped cannot serialize",
        "Every serialized member must have a supported type: C# primitives, string, Guid, DateTime, DateTimeOffset, TimeSpan, DateOnly, TimeOnly, decimal, enums, Nullable<T> of those, byte[], arrays, List<T>, IReadOnlyList<T>, ImmutableArray<T>, Dictionary<string,T>, IReadOnlyDictionary<string,T>, and [KafkaMessage]/[KafkaData] types. Change the member's type, mark the nested type [KafkaData], or make the member a get-only (computed) property so it is not serialized.");

    public static readonly DiagnosticDescriptor MultipleKeys = Create(
        "KT0004",
        "More than one [MessageKey] member",
        "'{0}' declares [MessageKey] on both '{1}' and '{2}': a message has at most one key member",
        "The Kafka record key is a single value. Keep [MessageKey] on one member; to key by several values, add a member that combines them.");

    public static readonly DiagnosticDescriptor UnsupportedKeyType = Create(
        "KT0005",
        "Unsupported [MessageKey] member type",
        "Key member '{0}' of '{1}' has type '{2}'; a key must be string, Guid, int, long (or their nullable forms) or byte[]",
        "The key encoding is part of the wire contract (UTF-8 text for strings and Guids, big-endian for integers, bytes as is) so that other clients partition and read keys the same way. Use one of the supported key types.");

    public static readonly DiagnosticDescriptor UnsupportedTypeShape = Create(
        "KT0006",
        "Message or data type shape is not supported",
        "'{0}' cannot carry [{1}]: {2}",
        "Generic, abstract, static and ref struct types, and classes with a primary constructor that are not records, cannot be serialized by the generated code. Use a non-generic, concrete record, class or struct.");

    public static readonly DiagnosticDescriptor DuplicateJsonName = Create(
        "KT0007",
        "Two members have one JSON name",
        "Member '{0}' of '{1}' has the JSON name '{3}', which member '{2}' already has",
        "The generated JSON serializer names each member by its [JsonPropertyName], else by its name in camelCase; two members of one type cannot share a name, or a reader could not tell them apart. Rename one member or give it a [JsonPropertyName] of its own.");

    public static readonly DiagnosticDescriptor UnsupportedDeduplicationKeyType = Create(
        "KT0008",
        "Unsupported [DeduplicationKey] member type",
        "Deduplication key member '{0}' of '{1}' has type '{2}'; a deduplication key must be string, Guid or an integer type (or their nullable forms)",
        "The deduplication key is the member's value as invariant text, compared across processes and stored by the deduplication stores: only types whose text is exact and stable qualify. Key by an identifier of the business operation, or add a member of a supported type that computes it.");

    public static readonly DiagnosticDescriptor InvalidAvroDefault = Create(
        "KT0009",
        "The [AvroDefault] is not a default of the member",
        "Member '{0}' of '{1}' declares an [AvroDefault] Avro cannot carry: {2}",
        "An Avro default is a JSON value of the field's type, written to the schema and filled in when a record written without the field is read. [AvroDefault] takes a constant of the member's type: true or false for a bool, a number for an integral or floating-point member (within its range), a string for a string, and a member (or the name of one) for an enum. A nullable member already defaults to null, and other member types cannot declare one. Change the value, or remove the attribute.");

    private static DiagnosticDescriptor Create(string id, string title, string messageFormat, string description)
        => new(
            id,
            title,
            messageFormat,
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: $"{HelpLinkBase}/docs/diagnostics/{id}.md");
}
