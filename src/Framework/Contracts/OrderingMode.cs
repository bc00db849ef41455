namespace KafkaTyped;

/// <summary>Which messages a consumer handles one after the other. See <see cref="OrderingAttribute"/>.</summary>
public enum OrderingMode
{
    /// <summary>Messages of one partition are handled in offset order, one at a time (one lane per partition).</summary>
    Partition = 0,

    /// <summary>
    /// Messages with the same record key are handled in order; different keys in parallel, up to
    /// <see cref="OrderingAttribute.MaxConcurrency"/>. Requires a <see cref="MessageKeyAttribute"/> member.
    /// </summary>
    Key = 1,

    /// <summary>No order: messages are handled in parallel, up to <see cref="OrderingAttribute.MaxConcurrency"/>.</summary>
    None = 2,
}
