using KafkaTyped.Tool.Decoding;
using KafkaTyped.Tool.Kafka;

namespace KafkaTyped.Tool;

/// <summary>What a command runs with: where it prints, how it reaches Kafka, the message shapes it knows, the clock.</summary>
internal sealed class ToolContext(Output output, Func<KafkaSettings> kafka, Func<SchemaLock> schema, TimeProvider time)
{
    private KafkaSettings? _kafka;
    private SchemaLock? _schema;

    public Output Output { get; } = output;

    public KafkaSettings Kafka => _kafka ??= kafka();

    public SchemaLock Schema => _schema ??= schema();

    public TimeProvider Time { get; } = time;
}
