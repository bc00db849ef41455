namespace KafkaTyped.Consuming;

/// <summary>How the processing of one record ended; every outcome completes the record's offset.</summary>
internal enum MessageOutcome
{
    /// <summary>Every handler completed.</summary>
    Handled,

    /// <summary>The record has no <c>ce_type</c> header.</summary>
    SkippedMissingType,

    /// <summary>No route table handles the record's type id.</summary>
    SkippedUnknownType,

    /// <summary>The payload is not a valid encoding of the routed type.</summary>
    SkippedInvalidPayload,

    /// <summary>The handler failed <see cref="ConsumerOptions.MaxHandlerAttempts"/> times.</summary>
    Abandoned,
}
