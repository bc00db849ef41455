using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaTyped.Tool.Kafka;

namespace KafkaTyped.Tool.Commands;

/// <summary><c>kafkatyped lag</c>: per partition a group's committed offset, the end offset and the lag between them.</summary>
internal static class LagCommand
{
    public static async Task<int> RunAsync(ToolContext context, string group, string? topic, CancellationToken cancellationToken)
    {
        var settings = context.Kafka;
        IReadOnlyList<TopicPartitionOffset> committed;
        using (var admin = new AdminClientBuilder(settings.AdminConfig()).SetLogHandler((_, _) => { }).Build())
        {
            IReadOnlyList<TopicPartition>? partitions = topic is null ? null : TopicReader.Partitions(settings, topic);
            try
            {
                var answer = await admin.ListConsumerGroupOffsetsAsync(
                    [new ConsumerGroupTopicPartitions(group, partitions?.ToList())],
                    new ListConsumerGroupOffsetsOptions { RequestTimeout = settings.Timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
                committed = [.. answer.Single().Partitions.Select(p => p.TopicPartitionOffset)];
            }
            catch (ListConsumerGroupOffsetsException ex)
            {
                throw new ToolException(ExitCodes.KafkaError, $"Could not read the offsets of group '{group}': {ex.Error.Reason}");
            }
            catch (KafkaException ex)
            {
                throw new ToolException(ExitCodes.KafkaError, $"Could not read the offsets of group '{group}': {ex.Error.Reason}");
            }
        }

        if (topic is null && committed.Count == 0)
        {
            // A broker that does not list a group's offsets without topics (the embedded cluster): ask for every partition.
            using var probe = new TopicReader(settings, group);
            committed = [.. probe.Committed(TopicReader.AllPartitions(settings)).Where(c => c.Offset.Value >= 0)];
        }

        if (topic is null && committed.Count == 0)
        {
            throw new ToolException(ExitCodes.NotFound, $"Consumer group '{group}' has committed no offsets.");
        }

        var rows = new List<(string Topic, int Partition, long? Committed, long End, long Lag)>();
        using (var reader = new TopicReader(settings))
        {
            foreach (var offset in committed.OrderBy(c => c.Topic, StringComparer.Ordinal).ThenBy(c => c.Partition.Value))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var watermarks = reader.Watermarks(offset.TopicPartition);
                long? at = offset.Offset.Value >= 0 ? offset.Offset.Value : null;
                rows.Add((offset.Topic, offset.Partition.Value, at, watermarks.High.Value, Math.Max(0, watermarks.High.Value - (at ?? watermarks.Low.Value))));
            }
        }

        var output = context.Output;
        if (output.IsJson)
        {
            foreach (var row in rows)
            {
                output.JsonLine(json =>
                {
                    json.WriteString("group", group);
                    json.WriteString("topic", row.Topic);
                    json.WriteNumber("partition", row.Partition);
                    if (row.Committed is { } c)
                    {
                        json.WriteNumber("committed", c);
                    }
                    else
                    {
                        json.WriteNull("committed");
                    }

                    json.WriteNumber("end", row.End);
                    json.WriteNumber("lag", row.Lag);
                });
            }

            return ExitCodes.Success;
        }

        var table = Output.Table("Topic", "Partition", "Committed", "End", "Lag");
        foreach (var row in rows)
        {
            Output.Row(table, row.Topic, Text(row.Partition), row.Committed is { } c ? Text(c) : "-", Text(row.End), Text(row.Lag));
        }

        table.Caption = new Spectre.Console.TableTitle(Spectre.Console.Markup.Escape($"group {group}: total lag {rows.Sum(r => r.Lag)}"));
        output.Write(table);
        return ExitCodes.Success;
    }

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
