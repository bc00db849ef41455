namespace KafkaTyped.Analyzers;

/// <summary>
/// The diagnostic ids of KafkaTyped, numbered by hand and never reused. KT0001-KT0009 are reported by the source
/// generator; the analyzers use KT0010 and up, in ranges by category.
/// </summary>
internal static class DiagnosticIds
{
    // Reported by the source generator (KafkaTyped.Generators); listed here so code fixes can name them.

    /// <summary>A [KafkaMessage] type is not partial (reported by the generator).</summary>
    public const string MessageTypeNotPartial = "KT0001";

    /// <summary>Two types share a type id (reported by the generator).</summary>
    public const string DuplicateTypeId = "KT0002";

    /// <summary>A member type cannot be serialized (reported by the generator).</summary>
    public const string UnsupportedMemberType = "KT0003";

    /// <summary>More than one [MessageKey] member (reported by the generator).</summary>
    public const string MultipleMessageKeys = "KT0004";

    /// <summary>The [MessageKey] member has a type that cannot be a record key (reported by the generator).</summary>
    public const string UnsupportedKeyType = "KT0005";

    /// <summary>The type's shape (generic, abstract, ...) cannot be serialized (reported by the generator).</summary>
    public const string UnsupportedTypeShape = "KT0006";

    // KT0010-KT0019: message declarations.

    /// <summary>The type id is empty or not a valid type id.</summary>
    public const string InvalidTypeId = "KT0010";

    /// <summary>The topic breaks Kafka's topic naming rules.</summary>
    public const string InvalidTopicName = "KT0011";

    // KT0012 is not assigned: an unsupported [MessageKey] type is reported by the generator as KT0005.

    /// <summary>A message is neither handled nor published in the compilation.</summary>
    public const string MessageNeverUsed = "KT0013";

    /// <summary>A message published as JSON has a member whose values JSON cannot all represent.</summary>
    public const string JsonUnrepresentableMember = "KT0014";

    // KT0020-KT0029: handlers.

    /// <summary>IHandle&lt;T&gt; where T is not a [KafkaMessage] type.</summary>
    public const string HandlerOfNonMessage = "KT0020";

    /// <summary>A handler blocks on asynchronous work.</summary>
    public const string BlockingCallInHandler = "KT0021";

    /// <summary>A handler does not pass its CancellationToken on.</summary>
    public const string CancellationTokenNotPassed = "KT0022";

    /// <summary>A handler implements IHandle&lt;T&gt; only through a base class or an alias, so it is not registered.</summary>
    public const string HandlerNotDiscovered = "KT0023";

    // KT0030-KT0039: pipeline attributes.

    /// <summary>[Retry] has impossible values.</summary>
    public const string InvalidRetry = "KT0030";

    /// <summary>[Ordering(OrderingMode.Key)] on a message without a key.</summary>
    public const string KeyOrderingWithoutKey = "KT0031";

    /// <summary>[Ordering] has impossible values.</summary>
    public const string InvalidOrdering = "KT0032";

    /// <summary>[Deduplicate] has impossible values.</summary>
    public const string InvalidDeduplicate = "KT0033";

    /// <summary>A pipeline attribute on a type that is neither a handler nor a message.</summary>
    public const string PipelineAttributeWithoutTarget = "KT0034";

    /// <summary>[DeadLetterTopic] names a topic Kafka refuses.</summary>
    public const string InvalidDeadLetterTopic = "KT0035";

    // KT0040-KT0049: schema compatibility against the schema lock file.

    /// <summary>A member recorded in the schema lock was removed.</summary>
    public const string SchemaMemberRemoved = "KT0040";

    /// <summary>A member recorded in the schema lock moved to another position.</summary>
    public const string SchemaMemberReordered = "KT0041";

    /// <summary>A member recorded in the schema lock changed its type.</summary>
    public const string SchemaMemberTypeChanged = "KT0042";

    /// <summary>The schema lock does not yet record a message or its newest members.</summary>
    public const string SchemaLockOutdated = "KT0043";

    /// <summary>The schema lock file cannot be read.</summary>
    public const string SchemaLockInvalid = "KT0044";

    /// <summary>An Avro message's schema cannot read what its locked schema wrote (or, when checked, the other way round).</summary>
    public const string AvroSchemaIncompatible = "KT0045";
}
