namespace KafkaTyped.Routing;

/// <summary>
/// A <see cref="DeduplicateAttribute"/> as the generator read it for one handler of a route (the handler's own, else
/// the message's); created by generated code.
/// </summary>
public sealed class DeduplicationPolicy
{
    /// <summary>How long a message id is remembered, in seconds; 0 takes the deduplication store's window.</summary>
    public int WindowSeconds { get; init; }
}
