using Confluent.Kafka;
using KafkaTyped.Tool.Decoding;
using KafkaTyped.Tool.Kafka;

namespace KafkaTyped.Tool.Commands;

/// <summary>
/// <c>kafkatyped tail</c>: follows a topic and prints each record decoded, one a line, until Ctrl+C (or <c>--limit</c>).
/// It reads assigned partitions and never joins or commits for a group: <c>--group</c> only says where to start.
/// </summary>
internal static class TailCommand
{
    public static int Run(ToolContext context, string topic, string? group, bool fromBeginning, string? type, int? limit, CancellationToken cancellationToken)
    {
        var partitions = TopicReader.Partitions(context.Kafka, topic);
        using var reader = new TopicReader(context.Kafka, group ?? KafkaSettings.ReaderGroup);
        IReadOnlyList<TopicPartitionOffset> starts = group is not null
            ? [.. reader.Committed(partitions).Select(c => c.Offset == Offset.Unset ? new TopicPartitionOffset(c.TopicPartition, Offset.Beginning) : c)]
            : [.. partitions.Select(p => new TopicPartitionOffset(p, fromBeginning ? Offset.Beginning : Offset.End))];
        var consumer = reader.Consumer;
        consumer.Assign(starts);
        var printed = 0;
        try
        {
            while (limit is null || printed < limit)
            {
                ConsumeResult<byte[]?, byte[]?>? record;
                try
                {
                    record = consumer.Consume(cancellationToken);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    context.Output.Error.WriteLine($"warning: {ex.Error.Reason}");
                    continue;
                }

                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                var recordType = DeadLetterView.Header(record.Message.Headers, "ce_type");
                if (type is not null && !string.Equals(type, recordType, StringComparison.Ordinal))
                {
                    continue;
                }

                Print(context, record, recordType);
                printed++;
            }
        }
        finally
        {
            consumer.Unassign();
        }

        return ExitCodes.Success;
    }

    private static void Print(ToolContext context, ConsumeResult<byte[]?, byte[]?> record, string? type)
    {
        var output = context.Output;
        var payload = RecordDecoder.Decode(record.Message.Value, record.Message.Headers, context.Schema, indented: false);
        var time = record.Message.Timestamp.Type == TimestampType.NotAvailable ? (DateTimeOffset?)null : new DateTimeOffset(record.Message.Timestamp.UtcDateTime);
        var key = record.Message.Key is null ? null : RecordDecoder.Text(record.Message.Key);
        if (output.IsJson)
        {
            output.JsonLine(json =>
            {
                json.WriteString("topic", record.Topic);
                json.WriteNumber("partition", record.Partition.Value);
                json.WriteNumber("offset", record.Offset.Value);
                json.WriteString("timestamp", DeadLetterView.FormatTime(time));
                json.WriteString("type", type);
                json.WriteString("id", DeadLetterView.Header(record.Message.Headers, "ce_id"));
                json.WriteString("key", key);
                json.WriteString("decodedAs", payload.KindText);
                json.WritePropertyName("payload");
                if (payload.Json is { } decoded)
                {
                    json.WriteRawValue(decoded, skipInputValidation: true);
                }
                else
                {
                    json.WriteNullValue();
                }
            });
        }
        else
        {
            var body = payload.Json ?? (record.Message.Value is { Length: > 0 } value ? "0x" + Convert.ToHexStringLower(value) : "(empty)");
            output.Out.WriteLine($"{record.Topic}[{record.Partition.Value}]@{record.Offset.Value} {DeadLetterView.FormatTime(time)} {type ?? "-"} key={key ?? "(null)"} {body}");
        }

        output.Out.Flush();
    }
}
