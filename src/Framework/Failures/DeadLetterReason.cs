namespace KafkaTyped;

/// <summary>Why a record was dead-lettered; written as the <c>kt-dlq-reason</c> header (<see cref="DeadLetterHeaders.ReasonText"/>).</summary>
public enum DeadLetterReason
{
    /// <summary>A handler failed on its last attempt, or failed permanently (<c>handler-failed</c>).</summary>
    HandlerFailed,

    /// <summary>The record has no <c>ce_type</c> header (<c>missing-type</c>).</summary>
    MissingType,

    /// <summary>No handler of this service handles the record's type id, and the group dead-letters unknown types (<c>unknown-type</c>).</summary>
    UnknownType,

    /// <summary>The payload is not a valid encoding of the routed type (<c>invalid-payload</c>).</summary>
    InvalidPayload,

    /// <summary>The value is larger than <see cref="ConsumerOptions.MaxPayloadBytes"/> (<c>payload-too-large</c>).</summary>
    PayloadTooLarge,
}
