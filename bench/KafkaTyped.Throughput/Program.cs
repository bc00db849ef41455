using System.Globalization;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Serialization;
using KafkaTyped.Testing;
using KafkaTyped.Throughput;

// End-to-end throughput on the embedded cluster: a hand-written Confluent.Kafka loop ("raw") against KafkaTyped, same
// messages, same client settings, same cluster, modes alternated round by round (docs/benchmarks.md).
//
//   dotnet run -c Release --project bench/KafkaTyped.Throughput -- --quick        under a minute: 50,000 messages, 5 rounds
//   dotnet run -c Release --project bench/KafkaTyped.Throughput                   200,000 messages, 7 rounds
//   options: --messages N  --rounds R  --partitions P
//            --async W              also compare awaited PublishAsync / ProduceAsync with W records in flight
//            --raw-headers type     the raw producer writes only ce_type instead of the same CloudEvents headers as KafkaTyped
//            --scoped               KafkaTyped's handler is registered scoped (a DI scope per record, the default of AddGeneratedHandlers)
//   dotnet run -c Release --project bench/KafkaTyped.Throughput -- ordering [--quick]   ordering modes with an awaiting handler
//   dotnet run -c Release --project bench/KafkaTyped.Throughput -- exactly-once [--quick] [--messages N] [--rounds R]   consume-transform-produce, exactly-once vs at-least-once
//   dotnet run -c Release --project bench/KafkaTyped.Throughput -- stores [--quick] [--outbox|--dedup] [--messages N] [--dedup-messages N] [--rounds R]
//            outbox relay (SQLite, PostgreSQL from KAFKATYPED_POSTGRES) against a raw producer; [Deduplicate] on each store against none
//   dotnet run -c Release --project bench/KafkaTyped.Throughput -- matrix [--quick] [--consume|--publish|--cost|--slow [--work-us N]] [--partitions P] [--rounds R] [--kafkatyped-only] [--case N]
//            what users run: singleton and scoped handlers at 6, 32 and 128 partitions, publish against plain and same-format raw producers
if (args is ["matrix", ..])
{
    return await MatrixRunner.RunAsync(args[1..]);
}

if (args is ["ordering", ..])
{
    return await OrderingScenarios.RunAsync(args[1..]);
}

if (args is ["stores", ..])
{
    return await StoreScenarios.RunAsync(args[1..]);
}

if (args is ["exactly-once", ..])
{
    return await ExactlyOnceScenario.RunAsync(args[1..]);
}

var quick = args.Contains("--quick");
var messageCount = IntArg("--messages", quick ? 50_000 : 200_000);
var rounds = IntArg("--rounds", quick ? 5 : 7);
var requestedPartitions = IntArg("--partitions", 12);
var asyncWindow = IntArg("--async", 0);
var rawHeadersIndex = Array.IndexOf(args, "--raw-headers");
var rawCloudEvents = rawHeadersIndex < 0 || rawHeadersIndex + 1 >= args.Length || args[rawHeadersIndex + 1] != "type";
var rawShape = rawCloudEvents ? RawShape.SameFormat : RawShape.TypeOnly;
var scopedHandler = args.Contains("--scoped");
var timeout = TimeSpan.FromSeconds(120);

var messages = new OrderPlaced[messageCount];
for (var i = 0; i < messageCount; i++)
{
    messages[i] = SampleOrders.Create(i);
}

// The embedded cluster keeps about 5 MiB per partition and drops older records silently (docs/embedded-cluster.md#what-it-does-not-do). Size the
// topics from the uncompressed record size (compression only makes it smaller) for at most 3 MiB per partition.
var payloadBytes = KafkaSerializer.Serialize(messages[0]).Length;
const int HeaderAndOverheadBytes = 36 /* key */ + 230 /* CloudEvents headers */ + 80 /* record overhead */;
var recordBytes = payloadBytes + HeaderAndOverheadBytes;
var partitions = Math.Max(requestedPartitions, (int)Math.Ceiling((double)messageCount * recordBytes / (3 * 1024 * 1024)));

Console.WriteLine($"KafkaTyped throughput: {messageCount:N0} messages x {rounds} rounds, payload {payloadBytes} B (~{recordBytes} B per record uncompressed), {partitions} partitions per topic, {Environment.ProcessorCount} cores, raw headers: {(rawCloudEvents ? "CloudEvents (same as KafkaTyped)" : "ce_type only")}, KafkaTyped handler {(scopedHandler ? "scoped" : "singleton")}");
await using var cluster = new EmbeddedKafkaCluster();
Console.WriteLine($"Embedded cluster at {cluster.BootstrapServers}");

// Warm-up (JIT, connections, thread pool), not reported.
var warmup = messages.AsSpan(0, Math.Min(messageCount, 20_000)).ToArray();
await RunRound("raw", "warmup", warmup);
await RunRound("kafkatyped", "warmup", warmup);

var results = new List<RoundResult>();
for (var round = 1; round <= rounds; round++)
{
    // Alternate which mode goes first, so a drift in machine load does not favour one.
    string[] order = round % 2 == 1 ? ["raw", "kafkatyped"] : ["kafkatyped", "raw"];
    foreach (var mode in order)
    {
        var result = await RunRound(mode, round.ToString(CultureInfo.InvariantCulture), messages);
        results.Add(result);
        Console.WriteLine(
            $"round {round} {mode,-10}  publish {result.Publish.MessagesPerSecond,10:N0} msg/s {result.Publish.BytesPerMessage,7:N0} B/msg {result.Publish.CpuMicrosecondsPerMessage,6:N1} us CPU/msg | " +
            $"consume {result.Consume.MessagesPerSecond,10:N0} msg/s {result.Consume.BytesPerMessage,7:N0} B/msg {result.Consume.CpuMicrosecondsPerMessage,6:N1} us CPU/msg" +
            (result.PublishAsync is { } pa ? $" | awaited publish (window {asyncWindow}) {pa.MessagesPerSecond,10:N0} msg/s {pa.BytesPerMessage,7:N0} B/msg" : ""));
    }
}

Console.WriteLine();
Console.WriteLine($"Medians over {rounds} rounds ({messageCount:N0} messages each); ratio = median over rounds of KafkaTyped/raw in the same round:");
Console.WriteLine("| Phase | raw msg/s | KafkaTyped msg/s | ratio KT/raw | raw B/msg | KT B/msg | raw CPU us/msg | KT CPU us/msg |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
Summarize("publish (Produce vs Publish)", r => r.Publish);
Summarize("consume", r => r.Consume);
if (asyncWindow > 0)
{
    Summarize($"awaited publish, {asyncWindow} in flight", r => r.PublishAsync!.Value);
}

return 0;

async Task<RoundResult> RunRound(string mode, string round, OrderPlaced[] batch)
{
    var topic = $"throughput-{mode}-{round}";
    var group = $"throughput-{mode}-{round}";
    cluster.CreateTopic(topic, partitions);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var publish = mode == "raw"
        ? RawMode.Produce(cluster.BootstrapServers, topic, batch, rawShape)
        : KafkaTypedMode.Publish(cluster.BootstrapServers, topic, batch);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    // The batch and the one priming record written before the publish phase was timed.
    var consume = mode == "raw"
        ? RawMode.Consume(cluster.BootstrapServers, topic, group, batch.Length + 1, timeout)
        : await KafkaTypedMode.ConsumeAsync(cluster.BootstrapServers, topic, group, batch.Length + 1, timeout, scopedHandler);
    Measurement? publishAsync = null;
    if (asyncWindow > 0)
    {
        var asyncTopic = topic + "-async";
        cluster.CreateTopic(asyncTopic, partitions);
        GC.Collect();
        publishAsync = mode == "raw"
            ? await RawMode.ProduceAsyncWindowed(cluster.BootstrapServers, asyncTopic, batch, asyncWindow, rawShape)
            : await KafkaTypedMode.PublishAsyncWindowed(cluster.BootstrapServers, asyncTopic, batch, asyncWindow);
    }

    return new RoundResult(mode, publish, consume, publishAsync);
}

void Summarize(string phase, Func<RoundResult, Measurement> select)
{
    var raw = results.Where(r => r.Mode == "raw").Select(select).ToList();
    var typed = results.Where(r => r.Mode == "kafkatyped").Select(select).ToList();
    var ratios = raw.Zip(typed, (r, t) => t.MessagesPerSecond / r.MessagesPerSecond).ToList();
    Console.WriteLine(
        $"| {phase} | {Median(raw.Select(m => m.MessagesPerSecond)):N0} | {Median(typed.Select(m => m.MessagesPerSecond)):N0} | {Median(ratios):N2} | " +
        $"{Median(raw.Select(m => m.BytesPerMessage)):N0} | {Median(typed.Select(m => m.BytesPerMessage)):N0} | " +
        $"{Median(raw.Select(m => m.CpuMicrosecondsPerMessage)):N1} | {Median(typed.Select(m => m.CpuMicrosecondsPerMessage)):N1} |");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? double.NaN
        : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
        : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

int IntArg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal readonly record struct RoundResult(string Mode, Measurement Publish, Measurement Consume, Measurement? PublishAsync);
