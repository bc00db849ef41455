using Microsoft.CodeAnalysis;

namespace KafkaTyped.Analyzers;

/// <summary>Every diagnostic the KafkaTyped analyzers report. Ids are in <see cref="DiagnosticIds"/>.</summary>
internal static class DiagnosticDescriptors
{
    /// <summary>Where the documentation pages live; each id has a page <c>&lt;ID&gt;.md</c> under it.</summary>
    public const string HelpLinkBase = "https://github.com/kafkatyped/kafkatyped/blob/main/docs/diagnostics/";

    public const string DeclarationCategory = "KafkaTyped.Declaration";
    public const string HandlerCategory = "KafkaTyped.Handler";
    public const string PipelineCategory = "KafkaTyped.Pipeline";
    public const string SchemaCategory = "KafkaTyped.Schema";

    /// <summary>The documentation page of a diagnostic id.</summary>
    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    public static readonly DiagnosticDescriptor InvalidTypeId = Create(
        DiagnosticIds.InvalidTypeId,
        "Invalid message type id",
        "The type id {0} of '{1}' is invalid: {2}",
        DeclarationCategory,
        DiagnosticSeverity.Error,
        "A type id routes every record to its handlers and is part of the wire contract. It must be non-empty, at most 255 characters, without whitespace or control characters.");

    public static readonly DiagnosticDescriptor InvalidTopicName = Create(
        DiagnosticIds.InvalidTopicName,
        "Invalid Kafka topic name",
        "The topic {0} of '{1}' is not a valid Kafka topic name: {2}",
        DeclarationCategory,
        DiagnosticSeverity.Error,
        "Kafka accepts topic names of 1 to 249 characters from [a-zA-Z0-9._-], other than '.' and '..'. A publish to an invalid topic fails at run time.");

    public static readonly DiagnosticDescriptor JsonUnrepresentableMember = Create(
        DiagnosticIds.JsonUnrepresentableMember,
        "Member JSON cannot represent faithfully",
        "'{0}' of '{1}' is {2}, which JSON cannot represent faithfully in a message published as {3}: {4}",
        DeclarationCategory,
        DiagnosticSeverity.Warning,
        "JSON numbers have no NaN or Infinity, so publishing a float or double member holding one as JSON fails. Keep such members finite, declare them as decimal or string, or publish the message as MessagePack.");

    public static readonly DiagnosticDescriptor MessageNeverUsed = Create(
        DiagnosticIds.MessageNeverUsed,
        "Message is neither handled nor published",
        "The message '{0}' ({1}) has no IHandle<{0}> implementation and no publish call in this project",
        DeclarationCategory,
        DiagnosticSeverity.Info,
        "A message type that nothing handles or publishes is often a leftover or a missing handler. Projects that only declare shared messages can ignore this information.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor HandlerOfNonMessage = Create(
        DiagnosticIds.HandlerOfNonMessage,
        "Handler of a type that is not a message",
        "'{0}' implements IHandle<{1}>, but '{1}' is not a [KafkaMessage] type, so the handler is never called",
        HandlerCategory,
        DiagnosticSeverity.Warning,
        "The generated router dispatches records by the type id of [KafkaMessage] types. A handler of any other type (that does not implement IKafkaMessage<T> itself) is never called.");

    public static readonly DiagnosticDescriptor BlockingCallInHandler = Create(
        DiagnosticIds.BlockingCallInHandler,
        "Handler blocks on asynchronous work",
        "'{0}' blocks inside {1}.HandleAsync; await instead",
        HandlerCategory,
        DiagnosticSeverity.Warning,
        "A handler that blocks a thread with .Result, .Wait(), .GetAwaiter().GetResult() or Thread.Sleep holds a thread-pool thread for the whole wait, limits throughput and can deadlock. It also cannot be cancelled when the partition is revoked.");

    public static readonly DiagnosticDescriptor HandlerNotDiscovered = Create(
        DiagnosticIds.HandlerNotDiscovered,
        "Handler is not registered by AddGeneratedHandlers",
        "'{0}' implements IHandle<{1}> only through {2}, so AddGeneratedHandlers does not register it; name IHandle<{1}> in its own base list",
        HandlerCategory,
        DiagnosticSeverity.Warning,
        "The source generator finds handlers by their base list: a class is a handler when its own declaration names IHandle<T> (IHandle<T>, KafkaTyped.IHandle<T> or global::KafkaTyped.IHandle<T>). A class that implements the interface only through a base class or a using alias is not routed or registered. Repeat IHandle<T> in its base list.");

    public static readonly DiagnosticDescriptor CancellationTokenNotPassed = Create(
        DiagnosticIds.CancellationTokenNotPassed,
        "Handler does not pass its CancellationToken",
        "The call to '{0}' can take a CancellationToken; pass '{1}' so the call stops when the consumer stops or the partition is revoked",
        HandlerCategory,
        DiagnosticSeverity.Warning,
        "The handler's token is signalled on shutdown and on partition revocation. A call that does not observe it delays the rebalance and the shutdown until it finishes by itself.");

    public static readonly DiagnosticDescriptor InvalidRetry = Create(
        DiagnosticIds.InvalidRetry,
        "Retry policy with impossible values",
        "[Retry] on '{0}': {1}",
        PipelineCategory,
        DiagnosticSeverity.Error,
        "MaxAttempts counts the first attempt and must be at least 1; delays must not be negative; the maximum delay must not be below the base delay; NonRetryable lists exception types.");

    public static readonly DiagnosticDescriptor KeyOrderingWithoutKey = Create(
        DiagnosticIds.KeyOrderingWithoutKey,
        "Key ordering on a message without a key",
        "[Ordering(OrderingMode.Key)] on '{0}' needs a key, but the message '{1}' has no [MessageKey] member",
        PipelineCategory,
        DiagnosticSeverity.Error,
        "Key ordering keeps messages with the same record key in order. A message without a [MessageKey] member is published with a null key, so there is nothing to order by.");

    public static readonly DiagnosticDescriptor InvalidOrdering = Create(
        DiagnosticIds.InvalidOrdering,
        "Ordering with impossible values",
        "[Ordering] on '{0}': {1}",
        PipelineCategory,
        DiagnosticSeverity.Error,
        "The ordering mode must be one of OrderingMode's values and MaxConcurrency must not be negative (0 takes the consumer's default).");

    public static readonly DiagnosticDescriptor InvalidDeduplicate = Create(
        DiagnosticIds.InvalidDeduplicate,
        "Deduplication with impossible values",
        "[Deduplicate] on '{0}': {1}",
        PipelineCategory,
        DiagnosticSeverity.Error,
        "A deduplication window, when set, must be greater than zero; leave it unset to use the store's configured window.");

    public static readonly DiagnosticDescriptor PipelineAttributeWithoutTarget = Create(
        DiagnosticIds.PipelineAttributeWithoutTarget,
        "Pipeline attribute has no effect",
        "[{0}] on '{1}' has no effect: it applies only to [KafkaMessage] types and IHandle<T> implementations",
        PipelineCategory,
        DiagnosticSeverity.Warning,
        "Retry, ordering, deduplication and dead-letter topics are read from message types and handler classes only.");

    public static readonly DiagnosticDescriptor InvalidDeadLetterTopic = Create(
        DiagnosticIds.InvalidDeadLetterTopic,
        "Invalid dead-letter topic name",
        "[DeadLetterTopic] on '{0}': '{1}' is not a valid Kafka topic name: {2}",
        PipelineCategory,
        DiagnosticSeverity.Error,
        "A topic name is 1 to 249 characters of ASCII letters, digits, '.', '_' and '-', and neither '.' nor '..'. The consumer refuses to start with an invalid dead-letter topic.");

    public static readonly DiagnosticDescriptor SchemaMemberRemoved = Create(
        DiagnosticIds.SchemaMemberRemoved,
        "Message member removed",
        "The member '{0}' ({1}, position {2}) of message '{3}' is recorded in the schema lock but no longer serialized; consumers and producers already running still use it",
        SchemaCategory,
        DiagnosticSeverity.Error,
        "Messages are encoded as arrays in member order. Removing a member shifts every member after it, so running services read the wrong values.");

    public static readonly DiagnosticDescriptor SchemaMemberReordered = Create(
        DiagnosticIds.SchemaMemberReordered,
        "Message member moved",
        "The member '{0}' of message '{1}' moved from position {2} to position {3}; the schema lock records it at position {2}",
        SchemaCategory,
        DiagnosticSeverity.Error,
        "Messages are encoded as arrays in member order. A moved member is read from the wrong position by services already running.");

    public static readonly DiagnosticDescriptor SchemaMemberTypeChanged = Create(
        DiagnosticIds.SchemaMemberTypeChanged,
        "Message member type changed",
        "The member '{0}' of message '{1}' has type '{2}', but the schema lock records '{3}'",
        SchemaCategory,
        DiagnosticSeverity.Error,
        "Services already running read the member with its recorded type; a different type fails to deserialize or is misread.");

    public static readonly DiagnosticDescriptor SchemaLockOutdated = Create(
        DiagnosticIds.SchemaLockOutdated,
        "Schema lock is out of date",
        "The schema lock does not record {0}; update it with 'dotnet build -p:KafkaTypedUpdateSchemaLock=true'",
        SchemaCategory,
        DiagnosticSeverity.Info,
        "New messages and members added at the end are compatible. Record them in the lock so later changes are checked against them.");

    public static readonly DiagnosticDescriptor SchemaLockInvalid = Create(
        DiagnosticIds.SchemaLockInvalid,
        "Schema lock file cannot be read",
        "The schema lock file cannot be read: {0}",
        SchemaCategory,
        DiagnosticSeverity.Warning,
        "The lock file is written by 'dotnet build -p:KafkaTypedUpdateSchemaLock=true'. A line it cannot read is ignored, so messages after it may not be checked.");

    public static readonly DiagnosticDescriptor AvroSchemaIncompatible = Create(
        DiagnosticIds.AvroSchemaIncompatible,
        "Avro schema change is not compatible",
        "The Avro schema of message '{0}' ({1}) is not {2} compatible with the schema lock: {3} {4}",
        SchemaCategory,
        DiagnosticSeverity.Error,
        "Backward compatible (checked by default, the Schema Registry's default mode): the new schema, as reader, reads every record written with the locked schema, by Avro's resolution rules. Forward compatible (with KafkaTypedAvroCompatibility=Forward or Full): the locked schema reads the new schema's records.");

    private static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        string category,
        DiagnosticSeverity severity,
        string description,
        params string[] customTags)
        => new(id, title, messageFormat, category, severity, isEnabledByDefault: true, description, HelpLink(id), customTags);
}
