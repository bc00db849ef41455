using System.Diagnostics;
using System.Globalization;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Throughput;

/// <summary>
/// Consume-transform-produce on the embedded cluster (docs/benchmarks.md#exactly-once): a handler that publishes one
/// record per record it handles, in an at-least-once group and in an exactly-once group (<see cref="ConsumerOptions.ExactlyOnce"/>),
/// alternated round by round on the same cluster. Each figure is the time from the first handler call until every input
/// offset was committed (by the consumer's commits, or by the member's transactions), the outputs acknowledged or
/// committed with them; the ratio is taken per round.
/// </summary>
internal static class ExactlyOnceScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var count = IntArg(args, "--messages", quick ? 10_000 : 50_000);
        var rounds = IntArg(args, "--rounds", quick ? 3 : 5);
        const int partitions = 8;
        await using var cluster = new EmbeddedKafkaCluster();
        Console.WriteLine($"Consume-transform-produce: {count:N0} records x {rounds} rounds, {partitions} partitions, {Environment.ProcessorCount} cores, embedded cluster at {cluster.BootstrapServers}");

        await RunOnceAsync(cluster, exactlyOnce: false, Math.Min(count, 5_000), partitions); // warm-up
        await RunOnceAsync(cluster, exactlyOnce: true, Math.Min(count, 5_000), partitions);

        var ratios = new List<double>();
        var atLeastOnce = new List<double>();
        var exactlyOnce = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            bool[] order = round % 2 == 1 ? [false, true] : [true, false];
            var rates = new Dictionary<bool, double>();
            foreach (var eos in order)
            {
                var rate = await RunOnceAsync(cluster, eos, count, partitions);
                rates[eos] = rate;
                Console.WriteLine($"round {round} {(eos ? "exactly-once " : "at-least-once")} {rate,10:N0} records/s");
            }

            Console.WriteLine($"round {round} ratio {(rates[true] / rates[false]).ToString("0.00", CultureInfo.InvariantCulture)}");

            atLeastOnce.Add(rates[false]);
            exactlyOnce.Add(rates[true]);
            ratios.Add(rates[true] / rates[false]);
        }

        Console.WriteLine();
        Console.WriteLine($"| Mode | records/s (median of {rounds}) |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| at-least-once | {Median(atLeastOnce):N0} |");
        Console.WriteLine($"| exactly-once (TransactionBatchSize 500, TransactionInterval 100 ms) | {Median(exactlyOnce):N0} |");
        Console.WriteLine($"| ratio exactly-once / at-least-once (median of per-round ratios) | {Median(ratios).ToString("0.00", CultureInfo.InvariantCulture)} |");
        return 0;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<double> RunOnceAsync(EmbeddedKafkaCluster cluster, bool exactlyOnce, int count, int partitions)
    {
        var input = "eos-in-" + Guid.NewGuid().ToString("N");
        var output = "eos-out-" + Guid.NewGuid().ToString("N");
        cluster.CreateTopic(input, partitions);
        cluster.CreateTopic(output, partitions);
        var counter = new TransformCounter(output);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        services.AddSingleton(counter);
        services.AddSingleton(new NoOpOrderHandler(int.MaxValue));
        services.AddSingleton(new DelayedCancellationHandler(int.MaxValue, static () => 0, Task.CompletedTask));
        services.AddSingleton(new ProbeCounter(int.MaxValue)); // the store scenarios' handlers, idle here
        services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = cluster.BootstrapServers;
            o.ServiceName = "eos-bench";
            var consumer = new ConsumerOptions { GroupId = input, Topics = { input }, ExactlyOnce = exactlyOnce, CommitInterval = TimeSpan.FromMilliseconds(100) };
            foreach (var (key, value) in ClientSettings.Consumer)
            {
                consumer.Properties[key] = value;
            }

            o.Consumers.Add(consumer);
        }).AddGeneratedHandlers();
        await using var provider = services.BuildServiceProvider();

        var publisher = provider.GetRequiredService<IMessagePublisher>();
        for (var i = 0; i < count; i++)
        {
            publisher.Publish(new TransferRequested(new Guid(i % 1024, 0, 0, new byte[8]), i), input);
        }

        if (publisher.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("input records still outstanding after 60 s");
        }

        var hosted = provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var status = provider.GetRequiredService<IConsumerStatus>();
        var deadline = Stopwatch.StartNew();
        while (status.Groups.Sum(g => g.Partitions.Sum(p => p.Committed ?? 0)) < count)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException($"{(exactlyOnce ? "exactly-once" : "at-least-once")}: {counter.Count} of {count} handled, offsets not all committed after 3 minutes");
            }

            await Task.Delay(5);
        }

        var elapsed = counter.SinceFirst();
        foreach (var service in hosted.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }

        return count / elapsed.TotalSeconds;
    }
}

[KafkaMessage("bench.transfer-requested")]
public sealed partial record TransferRequested([property: MessageKey] Guid Account, long Sequence);

[KafkaMessage("bench.transfer-booked")]
public sealed partial record TransferBooked([property: MessageKey] Guid Account, long Sequence);

/// <summary>Counts the records handled and when the first was.</summary>
public sealed class TransformCounter(string output)
{
    private long _first;
    private int _count;

    public string Output { get; } = output;

    public int Count => Volatile.Read(ref _count);

    public void Handled()
    {
        if (Interlocked.Increment(ref _count) == 1)
        {
            Volatile.Write(ref _first, Stopwatch.GetTimestamp());
        }
    }

    public TimeSpan SinceFirst() => Stopwatch.GetElapsedTime(Volatile.Read(ref _first));
}

/// <summary>The transform: one booking published per request, through the injected publisher (into the group's transaction in an exactly-once group).</summary>
public sealed class TransferHandler(IMessagePublisher publisher, TransformCounter counter) : IHandle<TransferRequested>
{
    public ValueTask HandleAsync(TransferRequested message, MessageContext context, CancellationToken cancellationToken)
    {
        counter.Handled();
        publisher.Publish(new TransferBooked(message.Account, message.Sequence), counter.Output);
        return default;
    }
}
