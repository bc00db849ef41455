namespace KafkaTyped;

/// <summary>
/// Declares the dead-letter topic of the records given up on: applies to a handler class (the records that handler
/// gave up on) or to a <see cref="KafkaMessageAttribute"/> type (every handler of the message that declares no topic of
/// its own). Without it a record consumed from <c>T</c> is dead-lettered to <c>T.dlq</c>.
/// </summary>
/// <remarks>
/// Read at compile time; analyzer KT0035 reports a name Kafka refuses. A consumer group's
/// <c>Handlers[...].DeadLetterTopic</c> option wins over the declaration, which wins over the group's
/// <c>DeadLetterTopic</c>. Poison input (no handler reached) goes to the group's topic. See <c>docs/failures.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class DeadLetterTopicAttribute : Attribute
{
    /// <summary>Declares the dead-letter topic.</summary>
    /// <param name="topic">The topic name: 1 to 249 characters of <c>a-z A-Z 0-9 . _ -</c>.</param>
    public DeadLetterTopicAttribute(string topic) => Topic = topic;

    /// <summary>The dead-letter topic.</summary>
    public string Topic { get; }
}
