using System.Globalization;
using Confluent.Kafka;
using KafkaTyped.Tool.Decoding;
using KafkaTyped.Tool.Kafka;
using Spectre.Console;

namespace KafkaTyped.Tool.Commands;

/// <summary><c>kafkatyped dlq show</c>: one record with every header, its payload decoded, its bytes in hex.</summary>
internal static class DlqShowCommand
{
    public static int Run(ToolContext context, string topic, int? partition, long offset, CancellationToken cancellationToken)
    {
        var partitions = TopicReader.Partitions(context.Kafka, topic);
        if (partition is { } wanted && partitions.All(p => p.Partition.Value != wanted))
        {
            throw new ToolException(ExitCodes.NotFound, $"Topic '{topic}' has no partition {wanted} (it has {partitions.Count}).");
        }

        using var reader = new TopicReader(context.Kafka);
        var holding = partitions
            .Where(p => partition is null || p.Partition.Value == partition)
            .Where(p => reader.Watermarks(p) is var w && offset >= w.Low.Value && offset < w.High.Value)
            .ToList();
        if (holding.Count == 0)
        {
            throw new ToolException(ExitCodes.NotFound, $"No record at offset {offset} in {(partition is { } p ? $"partition {p} of " : string.Empty)}'{topic}'.");
        }

        if (holding.Count > 1)
        {
            throw new ToolException(ExitCodes.Usage, $"Offset {offset} exists in partitions {string.Join(", ", holding.Select(h => h.Partition.Value))} of '{topic}': pass --partition.");
        }

        var record = reader.ReadToEnd([new TopicPartitionOffset(holding[0], offset)], cancellationToken).FirstOrDefault(r => r.Offset.Value == offset)
            ?? throw new ToolException(ExitCodes.NotFound, $"No record at offset {offset} in partition {holding[0].Partition.Value} of '{topic}' (compacted or a transaction marker).");
        Print(context, record);
        return ExitCodes.Success;
    }

    private static void Print(ToolContext context, ConsumeResult<byte[]?, byte[]?> record)
    {
        var output = context.Output;
        var headers = record.Message.Headers ?? [];
        var value = record.Message.Value ?? [];
        var payload = RecordDecoder.Decode(record.Message.Value, headers, context.Schema, indented: !output.IsJson);
        var time = record.Message.Timestamp.Type == TimestampType.NotAvailable ? (DateTimeOffset?)null : new DateTimeOffset(record.Message.Timestamp.UtcDateTime);
        if (output.IsJson)
        {
            output.JsonLine(json =>
            {
                json.WriteString("topic", record.Topic);
                json.WriteNumber("partition", record.Partition.Value);
                json.WriteNumber("offset", record.Offset.Value);
                json.WriteString("timestamp", DeadLetterView.FormatTime(time));
                json.WriteString("key", record.Message.Key is null ? null : RecordDecoder.Text(record.Message.Key));
                json.WriteStartArray("headers");
                foreach (var header in headers)
                {
                    json.WriteStartObject();
                    json.WriteString("key", header.Key);
                    json.WriteString("value", RecordDecoder.Text(header.GetValueBytes()));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteString("type", DeadLetterView.Header(headers, "ce_type"));
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

                if (payload.Error is { } error)
                {
                    json.WriteString("decodeError", error);
                }

                json.WriteString("value", Convert.ToHexStringLower(value));
            });
            return;
        }

        var console = output.Console;
        console.Write(new Rule(Markup.Escape($"{record.Topic}[{record.Partition.Value}]@{record.Offset.Value}")).LeftJustified());
        var summary = Output.Table("Field", "Value");
        Output.Row(summary, "timestamp", DeadLetterView.FormatTime(time));
        Output.Row(summary, "key", record.Message.Key is null ? "(null)" : RecordDecoder.Text(record.Message.Key));
        Output.Row(summary, "size", value.Length.ToString(CultureInfo.InvariantCulture) + " bytes");
        console.Write(summary);

        var headerTable = Output.Table("Header", "Value");
        foreach (var header in headers)
        {
            Output.Row(headerTable, header.Key, RecordDecoder.Text(header.GetValueBytes()));
        }

        console.Write(headerTable);
        var type = DeadLetterView.Header(headers, "ce_type");
        output.Out.WriteLine(payload.Kind switch
        {
            PayloadKind.Schema => $"Payload: {type}, decoded with its shape from the schema lock",
            PayloadKind.MessagePack => $"Payload: MessagePack{(type is null ? string.Empty : $" ({type} is not in the schema lock: members by position)")}",
            PayloadKind.Json => "Payload: JSON",
            PayloadKind.Empty => "Payload: empty",
            _ => $"Payload: not decodable{(payload.Error is null ? string.Empty : $" ({payload.Error})")}",
        });
        if (payload.Json is { } text)
        {
            output.Out.WriteLine(text);
        }

        if (value.Length > 0)
        {
            output.Out.WriteLine($"Value, {value.Length} bytes:");
            output.Out.WriteLine(RecordDecoder.HexDump(value));
        }
    }
}
