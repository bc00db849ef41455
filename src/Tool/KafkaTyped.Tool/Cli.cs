using System.CommandLine;
using Confluent.Kafka;
using KafkaTyped.Tool.Commands;
using KafkaTyped.Tool.Decoding;
using KafkaTyped.Tool.Kafka;

namespace KafkaTyped.Tool;

/// <summary>The <c>kafkatyped</c> command line: its commands and options, parsed by System.CommandLine.</summary>
internal static class Cli
{
    /// <summary>Runs the command line <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="stdout">Results.</param>
    /// <param name="stderr">Progress, warnings and errors.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="interactive">Whether a person watches a terminal (progress bars, colours).</param>
    /// <param name="handleTermination">Whether Ctrl+C and SIGTERM cancel the command (the real process); tests cancel through <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Stops the command as Ctrl+C does.</param>
    public static Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, bool interactive, bool handleTermination, CancellationToken cancellationToken)
    {
        var root = Create(stdout, stderr, environment, interactive);
        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Ctrl+C cancels the command's token; it then has this long to record what it did before the process ends.
            ProcessTerminationTimeout = handleTermination ? TimeSpan.FromSeconds(30) : null,
        };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    public static RootCommand Create(TextWriter stdout, TextWriter stderr, Func<string, string?> environment, bool interactive)
    {
        var bootstrapServers = new Option<string?>("--bootstrap-servers", "-b")
        {
            Description = $"Kafka brokers, host:port[,host:port]. Default: the {KafkaSettings.EnvironmentVariable} environment variable.",
            Recursive = true,
        };
        var properties = new Option<string[]>("--property", "-X")
        {
            Description = "A librdkafka client property, key=value (security.protocol=SASL_SSL, sasl.username=...). Repeatable.",
            Recursive = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "table for people, json for scripts (one JSON object a line).",
            HelpName = "table|json",
            Recursive = true,
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json");
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds one request to Kafka (metadata, offsets) may take.",
            Recursive = true,
            DefaultValueFactory = _ => 10,
        };
        var schema = new Option<string?>("--schema")
        {
            Description = "A service's kafkatyped.schema.lock (or its directory): payloads of the types it lists are shown with member names.",
            Recursive = true,
        };

        var root = new RootCommand("Inspect KafkaTyped topics and dead letters, decode records, replay dead letters to the group and handler that failed.")
        {
            HelpName = "kafkatyped",
        };
        foreach (var option in new Option[] { bootstrapServers, properties, output, timeout, schema })
        {
            root.Add(option);
        }

        ToolContext Context(ParseResult parse)
        {
            var format = parse.GetValue(output) == "json" ? OutputFormat.Json : OutputFormat.Table;
            var sink = new Output(stdout, stderr, format, interactive);
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                throw new ToolException(ExitCodes.Usage, "--timeout must be a positive number of seconds.");
            }

            return new ToolContext(
                sink,
                () => KafkaSettings.Resolve(parse.GetValue(bootstrapServers), parse.GetValue(properties), TimeSpan.FromSeconds(seconds), environment),
                () => parse.GetValue(schema) is { } path ? SchemaLock.Load(path, stderr) : SchemaLock.Empty,
                TimeProvider.System);
        }

        // Filters shared by dlq list and dlq replay.
        var group = new Option<string?>("--group", "-g") { Description = "Only dead letters of this consumer group (kt-dlq-consumer-group)." };
        var reason = new Option<string?>("--reason", "-r") { Description = "Only this reason: handler-failed, missing-type, unknown-type, invalid-payload, payload-too-large." };
        var type = new Option<string?>("--type", "-t") { Description = "Only this message type id (ce_type)." };
        var handler = new Option<string?>("--handler") { Description = "Only this failing handler: its full type name or its short name." };
        var since = new Option<string?>("--since") { Description = "Only dead letters from this time on: 2026-12-02T07:00:00Z, or back from now: 90s, 30m, 6h, 2d." };
        DeadLetterFilter Filter(ParseResult parse, ToolContext context)
            => new(parse.GetValue(group), parse.GetValue(reason), parse.GetValue(type), parse.GetValue(handler), DeadLetterFilter.ParseSince(parse.GetValue(since), context.Time.GetUtcNow()));

        // dlq list
        var listTopic = new Argument<string>("topic") { Description = "The dead-letter topic, for example orders.dlq." };
        var list = new Command("list", "The dead letters of a topic, grouped by reason, type, group and handler, with counts and first and last time.")
        {
            listTopic, group, reason, type, handler, since,
        };
        list.SetAction((parse, ct) => Invoke(parse, Context, stderr, (context, token) => Task.FromResult(DlqListCommand.Run(context, parse.GetRequiredValue(listTopic), Filter(parse, context), token)), ct));

        // dlq show
        var showTopic = new Argument<string>("topic") { Description = "The dead-letter topic (any topic works)." };
        var offset = new Option<long>("--offset") { Description = "The record's offset.", Required = true };
        var partition = new Option<int?>("--partition", "-p") { Description = "The record's partition; needed when several partitions hold the offset." };
        var show = new Command("show", "One record: every header, the payload decoded (with --schema: as the message it is), then its bytes in hex.")
        {
            showTopic, offset, partition,
        };
        show.SetAction((parse, ct) => Invoke(parse, Context, stderr, (context, token) => Task.FromResult(DlqShowCommand.Run(context, parse.GetRequiredValue(showTopic), parse.GetValue(partition), parse.GetValue(offset), token)), ct));

        // dlq replay
        var replayTopic = new Argument<string>("topic") { Description = "The dead-letter topic to replay from." };
        var toGroup = new Option<string?>("--to-group") { Description = "Address the replays to this consumer group (all its handlers) instead of the group that failed." };
        var toHandler = new Option<string?>("--to-handler") { Description = "Address the replays to this handler (full type name) of the group." };
        var toAll = new Option<bool>("--to-all") { Description = "Do not address the replays: every group subscribed to the topic handles them again." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be replayed; publish nothing, record nothing." };
        var cursor = new Option<string?>("--cursor") { Description = "The consumer group that records how far the replay got. Default: kafkatyped-replay, with the filters and target in brackets." };
        var replay = new Command("replay", "Publish dead letters back to their original topic with a fresh ce_id, addressed to the group and handler that failed; resumable, at least once.")
        {
            replayTopic, group, reason, type, handler, since, toGroup, toHandler, toAll, dryRun, cursor,
        };
        replay.SetAction((parse, ct) => Invoke(parse, Context, stderr, (context, token) => DlqReplayCommand.RunAsync(
            context,
            parse.GetRequiredValue(replayTopic),
            Filter(parse, context),
            new ReplayTarget(parse.GetValue(toGroup), parse.GetValue(toHandler), parse.GetValue(toAll)),
            parse.GetValue(dryRun),
            parse.GetValue(cursor),
            token), ct));

        var dlq = new Command("dlq", "Dead-letter topics: list, show and replay what KafkaTyped dead-lettered.") { list, show, replay };

        // tail
        var tailTopic = new Argument<string>("topic") { Description = "The topic to follow." };
        var tailGroup = new Option<string?>("--group", "-g") { Description = "Start at this consumer group's committed offsets (the group is not joined, nothing is committed)." };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the beginning of every partition instead of its end." };
        var tailType = new Option<string?>("--type", "-t") { Description = "Only records of this message type id (ce_type)." };
        var limit = new Option<int?>("--limit", "-n") { Description = "Stop after printing this many records." };
        var tail = new Command("tail", "Follow a topic and print each record decoded, one a line, until Ctrl+C.")
        {
            tailTopic, tailGroup, fromBeginning, tailType, limit,
        };
        tail.SetAction((parse, ct) => Invoke(parse, Context, stderr, (context, token) =>
        {
            if (parse.GetValue(tailGroup) is not null && parse.GetValue(fromBeginning))
            {
                throw new ToolException(ExitCodes.Usage, "--group and --from-beginning say different things about where to start: pass one.");
            }

            return Task.FromResult(TailCommand.Run(context, parse.GetRequiredValue(tailTopic), parse.GetValue(tailGroup), parse.GetValue(fromBeginning), parse.GetValue(tailType), parse.GetValue(limit), token));
        }, ct));

        // lag
        var lagGroup = new Option<string>("--group", "-g") { Description = "The consumer group.", Required = true };
        var lagTopic = new Option<string?>("--topic") { Description = "Only this topic (every partition of it, committed or not)." };
        var lag = new Command("lag", "Per partition: a consumer group's committed offset, the end offset and the lag.") { lagGroup, lagTopic };
        lag.SetAction((parse, ct) => Invoke(parse, Context, stderr, (context, token) => LagCommand.RunAsync(context, parse.GetRequiredValue(lagGroup), parse.GetValue(lagTopic), token), ct));

        root.Add(dlq);
        root.Add(tail);
        root.Add(lag);
        return root;
    }

    private static async Task<int> Invoke(
        ParseResult parse, Func<ParseResult, ToolContext> context, TextWriter stderr, Func<ToolContext, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        try
        {
            return await command(context(parse), cancellationToken).ConfigureAwait(false);
        }
        catch (ToolException ex)
        {
            stderr.WriteLine("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
        catch (KafkaException ex)
        {
            stderr.WriteLine($"error: Kafka: {ex.Error.Reason} ({ex.Error.Code})");
            return ExitCodes.KafkaError;
        }
    }
}
