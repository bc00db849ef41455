using Confluent.Kafka;
using KafkaTyped.Tool.Kafka;

namespace KafkaTyped.Tool.Commands;

/// <summary><c>kafkatyped dlq list</c>: the dead letters of a topic grouped by reason, type, group and handler.</summary>
internal static class DlqListCommand
{
    public static int Run(ToolContext context, string topic, DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        var partitions = TopicReader.Partitions(context.Kafka, topic);
        var groups = new Dictionary<(string?, string?, string?, string?), Group>();
        var total = 0;
        using (var reader = new TopicReader(context.Kafka))
        {
            foreach (var record in reader.ReadToEnd([.. partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning))], cancellationToken))
            {
                total++;
                var view = new DeadLetterView(record);
                if (!filter.Matches(view))
                {
                    continue;
                }

                var key = (view.Reason, view.Type, view.Group, view.Handler);
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = new Group(view.Reason, view.Type, view.Group, view.Handler);
                }

                group.Add(view.Time);
            }
        }

        var ordered = groups.Values.OrderByDescending(g => g.Count).ThenBy(g => g.First).ToList();
        var output = context.Output;
        if (output.IsJson)
        {
            foreach (var group in ordered)
            {
                output.JsonLine(json =>
                {
                    json.WriteString("reason", group.Reason);
                    json.WriteString("type", group.Type);
                    json.WriteString("group", group.ConsumerGroup);
                    json.WriteString("handler", group.Handler);
                    json.WriteNumber("count", group.Count);
                    json.WriteString("first", DeadLetterView.FormatTime(group.First));
                    json.WriteString("last", DeadLetterView.FormatTime(group.Last));
                });
            }

            return ExitCodes.Success;
        }

        var table = Output.Table("Reason", "Type", "Group", "Handler", "Count", "First", "Last");
        foreach (var group in ordered)
        {
            Output.Row(table, group.Reason, group.Type, group.ConsumerGroup, group.Handler, group.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                DeadLetterView.FormatTime(group.First), DeadLetterView.FormatTime(group.Last));
        }

        var shown = ordered.Sum(g => g.Count);
        table.Caption = new Spectre.Console.TableTitle(Spectre.Console.Markup.Escape(shown == total ? $"{total} dead letters in {topic}" : $"{shown} of {total} dead letters in {topic} match"));
        output.Write(table);
        return ExitCodes.Success;
    }

    private sealed class Group(string? reason, string? type, string? consumerGroup, string? handler)
    {
        public string? Reason { get; } = reason;

        public string? Type { get; } = type;

        public string? ConsumerGroup { get; } = consumerGroup;

        public string? Handler { get; } = handler;

        public int Count { get; private set; }

        public DateTimeOffset? First { get; private set; }

        public DateTimeOffset? Last { get; private set; }

        public void Add(DateTimeOffset? time)
        {
            Count++;
            if (time is { } t)
            {
                First = First is { } f && f <= t ? f : t;
                Last = Last is { } l && l >= t ? l : t;
            }
        }
    }
}
