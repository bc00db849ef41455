namespace KafkaTyped.Consuming;

/// <summary>How the processing of one record ended; every outcome completes the record's offset.</summary>
internal enum MessageOutcome
{
    /// <summary>Every handler completed.</summary>
    Handled,

    /// <summary>No route table handles the record's type id, and the group does not dead-letter unknown types.</summary>
    SkippedUnknownType,

    /// <summary>
    /// The record was stored by the dead-letter sink: it is poison input, or at least one handler failed on its last
    /// attempt (the others completed).
    /// </summary>
    DeadLettered,

    /// <summary>
    /// A replayed record addressed to another consumer group, or to a handler this group does not have
    /// (<see cref="ReplayHeaders"/>); no handler ran.
    /// </summary>
    SkippedReplay,
}
