using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.Publishing;
using KafkaTyped.Tool.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace KafkaTyped.Tool.Commands;

/// <summary>Where replayed records are addressed: the failed group and handler (default), another group, or everyone.</summary>
internal sealed record ReplayTarget(string? Group, string? Handler, bool Everyone);

/// <summary>
/// <c>kafkatyped dlq replay</c>: publishes dead letters back to their original topic with a fresh <c>ce_id</c>, a
/// <c>kt-replay-of</c> header and, by default, addressed to the group and handler that failed. At least once and
/// resumable: a record's position is committed for the replay's own consumer group (the cursor) on the dead-letter topic
/// only once the broker acknowledged its replay, so a second run with the same filters replays nothing twice.
/// </summary>
internal static class DlqReplayCommand
{
    /// <summary>How many replays may wait for their acknowledgement at once.</summary>
    private const int Window = 256;

    private static readonly TimeSpan s_commitInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The default cursor: <c>kafkatyped-replay</c>, followed by the filters and the target in brackets when any is given
    /// (<c>kafkatyped-replay[reason=handler-failed,to-group=billing]</c>). <c>--since</c> is not part of it.
    /// </summary>
    public static string CursorName(DeadLetterFilter filter, ReplayTarget target)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={value}");
            }
        }

        Add("group", filter.Group);
        Add("reason", filter.Reason);
        Add("type", filter.Type);
        Add("handler", filter.Handler);
        Add("to-group", target.Group);
        Add("to-handler", target.Handler);
        if (target.Everyone)
        {
            parts.Add("to-all");
        }

        return parts.Count == 0 ? "kafkatyped-replay" : $"kafkatyped-replay[{string.Join(',', parts)}]";
    }

    public static async Task<int> RunAsync(
        ToolContext context, string topic, DeadLetterFilter filter, ReplayTarget target, bool dryRun, string? cursorOption, CancellationToken cancellationToken)
    {
        if (target.Everyone && (target.Group is not null || target.Handler is not null))
        {
            throw new ToolException(ExitCodes.Usage, "--to-all replays to every group: it cannot be combined with --to-group or --to-handler.");
        }

        var cursor = cursorOption ?? CursorName(filter, target);
        var settings = context.Kafka;
        var partitions = TopicReader.Partitions(settings, topic);
        using var reader = new TopicReader(settings, cursor);
        var starts = reader.Committed(partitions)
            .Select(c => c.Offset.Value < 0 ? new TopicPartitionOffset(c.TopicPartition, Offset.Beginning) : c)
            .ToList();
        var toScan = starts.Sum(s => Math.Max(0, reader.Watermarks(s.TopicPartition).High.Value - Math.Max(0, s.Offset.Value)));

        using var producer = dryRun ? null : new RecordProducer(settings.ProducerOptions(), "kafkatyped", [], NullLogger.Instance, TimeProvider.System);
        var run = new Run(context, reader, producer, filter, target, dryRun, cursor);
        if (context.Output.Interactive && !context.Output.IsJson)
        {
            await context.Output.ErrorConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"replaying {Markup.Escape(topic)}", maxValue: Math.Max(1, toScan));
                    await run.ExecuteAsync(starts, () => task.Increment(1), cancellationToken).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                }).ConfigureAwait(false);
        }
        else
        {
            await run.ExecuteAsync(starts, static () => { }, cancellationToken).ConfigureAwait(false);
        }

        run.PrintSummary(topic);
        return run.Failure is not null ? ExitCodes.ReplayFailed : run.Cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }

    /// <summary>One replay run: reads, filters, publishes in order with a bounded window, records acknowledged positions.</summary>
    private sealed class Run(ToolContext context, TopicReader reader, RecordProducer? producer, DeadLetterFilter filter, ReplayTarget target, bool dryRun, string cursor)
    {
        private readonly Queue<Entry> _pending = new();
        private readonly Dictionary<TopicPartition, long> _acknowledged = [];
        private readonly List<Entry> _replayed = [];
        private long _lastCommit;
        private int _recordedSinceCommit;

        public int Filtered { get; private set; }

        public int NotDeadLetters { get; private set; }

        public int Unaddressed { get; private set; }

        public bool Cancelled { get; private set; }

        public Exception? Failure { get; private set; }

        public async Task ExecuteAsync(IReadOnlyList<TopicPartitionOffset> starts, Action scanned, CancellationToken cancellationToken)
        {
            _lastCommit = context.Time.GetTimestamp();
            try
            {
                foreach (var record in reader.ReadToEnd(starts, cancellationToken))
                {
                    var entry = Prepare(record);
                    _pending.Enqueue(entry);
                    scanned();

                    // Drain what is acknowledged, and wait for the oldest when the window is full.
                    while (_pending.Count > 0 && (_pending.Count >= Window || _pending.Peek().Delivery is null or { IsCompleted: true }))
                    {
                        if (!await CompleteOldestAsync().ConfigureAwait(false))
                        {
                            return;
                        }
                    }

                    CommitIfDue(force: false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Cancelled = true;
            }
            finally
            {
                // Replays already handed to the producer finish (acknowledged or failed) and are recorded in order,
                // also after Ctrl+C: nothing acknowledged is left unrecorded, nothing unacknowledged is recorded.
                while (Failure is null && _pending.Count > 0 && await CompleteOldestAsync().ConfigureAwait(false))
                {
                }

                CommitIfDue(force: true);
            }
        }

        public void PrintSummary(string topic)
        {
            var output = context.Output;
            var verb = dryRun ? "would-replay" : "replayed";
            if (output.IsJson)
            {
                foreach (var entry in _replayed)
                {
                    output.JsonLine(json =>
                    {
                        json.WriteString("event", verb);
                        json.WriteNumber("dlqPartition", entry.Record.Partition.Value);
                        json.WriteNumber("dlqOffset", entry.Record.Offset.Value);
                        json.WriteString("type", entry.View.Type);
                        json.WriteString("replayOf", entry.View.Origin);
                        json.WriteString("topic", entry.View.OriginalTopic);
                        if (entry.Delivery is { IsCompletedSuccessfully: true } delivery)
                        {
                            json.WriteNumber("partition", delivery.Result.Partition.Value);
                            json.WriteNumber("offset", delivery.Result.Offset.Value);
                        }

                        json.WriteString("id", entry.MessageId);
                        json.WriteString("toGroup", entry.Group);
                        json.WriteString("toHandler", entry.Handler);
                    });
                }

                output.JsonLine(json =>
                {
                    json.WriteString("event", "summary");
                    json.WriteString("topic", topic);
                    json.WriteString("cursor", cursor);
                    json.WriteBoolean("dryRun", dryRun);
                    json.WriteNumber(dryRun ? "wouldReplay" : "replayed", _replayed.Count);
                    json.WriteNumber("filteredOut", Filtered);
                    json.WriteNumber("notDeadLetters", NotDeadLetters);
                    json.WriteNumber("unaddressed", Unaddressed);
                    json.WriteBoolean("cancelled", Cancelled);
                    json.WriteString("error", Failure?.Message);
                });
                return;
            }

            if (_replayed.Count > 0)
            {
                var table = Output.Table("Dead letter", "Type", "Replay of", dryRun ? "Would go to" : "Replayed as", "Group", "Handler");
                foreach (var entry in _replayed)
                {
                    var replayedAs = entry.Delivery is { IsCompletedSuccessfully: true } d ? $"{d.Result.Topic}[{d.Result.Partition.Value}]@{d.Result.Offset.Value}" : entry.View.OriginalTopic;
                    Output.Row(table, $"[{entry.Record.Partition.Value}]@{entry.Record.Offset.Value}", entry.View.Type, entry.View.Origin, replayedAs, entry.Group ?? "(every group)", entry.Handler ?? "(every handler)");
                }

                output.Write(table);
            }

            var summary = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"{(dryRun ? "Would replay" : "Replayed")} {_replayed.Count} dead letter(s) from {topic}")
                .Append(CultureInfo.InvariantCulture, $"; {Filtered} did not match the filters, {NotDeadLetters} were not KafkaTyped dead letters, {Unaddressed} named no group")
                .Append(CultureInfo.InvariantCulture, $". Cursor: {cursor}{(dryRun ? " (not moved: dry run)" : string.Empty)}.");
            output.Out.WriteLine(summary.ToString());
            if (Cancelled)
            {
                output.Error.WriteLine("Stopped by Ctrl+C; every acknowledged replay was recorded: run the same command again to go on.");
            }

            if (Failure is not null)
            {
                output.Error.WriteLine($"error: replay stopped: {Failure.Message}. Replays acknowledged before it were recorded: run the same command again to go on.");
            }
        }

        private Entry Prepare(ConsumeResult<byte[]?, byte[]?> record)
        {
            var view = new DeadLetterView(record);
            if (!view.IsDeadLetter)
            {
                NotDeadLetters++;
                return new Entry(record, view, Replay: false);
            }

            if (!filter.Matches(view))
            {
                Filtered++;
                return new Entry(record, view, Replay: false);
            }

            var group = target.Everyone ? null : target.Group ?? view.Group;
            var handler = target.Everyone ? null : target.Handler ?? (target.Group is null ? view.Handler : null);
            if (!target.Everyone && group is null)
            {
                Unaddressed++;
                return new Entry(record, view, Replay: false);
            }

            var messageId = Guid.CreateVersion7().ToString("D");
            var headers = new Headers();
            var hadId = false;
            foreach (var header in record.Message.Headers ?? [])
            {
                if (header.Key.StartsWith("kt-dlq-", StringComparison.Ordinal) || header.Key.StartsWith(ReplayHeaders.Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                if (header.Key == "ce_id")
                {
                    headers.Add("ce_id", Encoding.UTF8.GetBytes(messageId));
                    hadId = true;
                    continue;
                }

                headers.Add(header.Key, header.GetValueBytes());
            }

            if (!hadId)
            {
                headers.Add("ce_id", Encoding.UTF8.GetBytes(messageId));
            }

            headers.Add(ReplayHeaders.ReplayOf, Encoding.UTF8.GetBytes(view.Origin));
            if (group is not null)
            {
                headers.Add(ReplayHeaders.Group, Encoding.UTF8.GetBytes(group));
            }

            if (handler is not null)
            {
                headers.Add(ReplayHeaders.Handler, Encoding.UTF8.GetBytes(handler));
            }

            var message = new Message<byte[], byte[]> { Key = record.Message.Key!, Value = record.Message.Value!, Headers = headers };
            var delivery = producer?.ProduceAsync(view.OriginalTopic!, message, CancellationToken.None);
            return new Entry(record, view, Replay: true, delivery, messageId, group, handler);
        }

        /// <summary>Waits for the oldest entry; records its position when it was acknowledged (or needed no replay).</summary>
        private async Task<bool> CompleteOldestAsync()
        {
            var entry = _pending.Peek();
            if (entry.Delivery is { } delivery)
            {
                try
                {
                    await delivery.ConfigureAwait(false);
                }
                catch (PublishException ex)
                {
                    Failure = ex;
                    return false;
                }
            }

            _pending.Dequeue();
            if (entry.Replay)
            {
                _replayed.Add(entry);
            }

            _acknowledged[entry.Record.TopicPartition] = entry.Record.Offset.Value + 1;
            _recordedSinceCommit++;
            return true;
        }

        private void CommitIfDue(bool force)
        {
            if (dryRun || _recordedSinceCommit == 0 || (!force && context.Time.GetElapsedTime(_lastCommit) < s_commitInterval))
            {
                return;
            }

            try
            {
                reader.Consumer.Commit([.. _acknowledged.Select(a => new TopicPartitionOffset(a.Key, a.Value))]);
            }
            catch (KafkaException ex)
            {
                throw new ToolException(ExitCodes.KafkaError, $"Recording the replay position for cursor '{cursor}' failed: {ex.Error.Reason}. Records replayed since the last recorded position will be replayed again by the next run.");
            }

            _recordedSinceCommit = 0;
            _lastCommit = context.Time.GetTimestamp();
        }
    }

    private sealed record Entry(
        ConsumeResult<byte[]?, byte[]?> Record, DeadLetterView View, bool Replay, Task<DeliveryReport<byte[], byte[]>>? Delivery = null,
        string? MessageId = null, string? Group = null, string? Handler = null);
}
