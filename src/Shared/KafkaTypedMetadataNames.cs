namespace KafkaTyped.Shared;

/// <summary>
/// The metadata names of the runtime's contract types that the generator and the analyzers look up, written once so
/// that a rename in src/Framework breaks one place. <see cref="KnownTypeSymbols"/> resolves them per compilation.
/// </summary>
internal static class KafkaTypedMetadataNames
{
    public const string KafkaMessageAttribute = "KafkaTyped.KafkaMessageAttribute";
    public const string KafkaDataAttribute = "KafkaTyped.KafkaDataAttribute";
    public const string MessageKeyAttribute = "KafkaTyped.MessageKeyAttribute";
    public const string RetryAttribute = "KafkaTyped.RetryAttribute";
    public const string OrderingAttribute = "KafkaTyped.OrderingAttribute";
    public const string DeduplicateAttribute = "KafkaTyped.DeduplicateAttribute";
    public const string DeduplicationKeyAttribute = "KafkaTyped.DeduplicationKeyAttribute";
    public const string DeadLetterTopicAttribute = "KafkaTyped.DeadLetterTopicAttribute";
    public const string HandlerInterface = "KafkaTyped.IHandle`1";
    public const string MessageInterface = "KafkaTyped.IKafkaMessage`1";
    public const string DataInterface = "KafkaTyped.IKafkaData`1";
    public const string PublisherInterface = "KafkaTyped.IMessagePublisher";

    /// <summary>The simple name of <see cref="HandlerInterface"/>, as it is written in a base list.</summary>
    public const string HandlerInterfaceSimpleName = "IHandle";
}
