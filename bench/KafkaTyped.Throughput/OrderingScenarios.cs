using System.Diagnostics;
using System.Globalization;
using KafkaTyped.Benchmarks.Messages;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Throughput;

/// <summary>
/// Ordering modes with a handler that awaits (docs/benchmarks.md#ordering-modes), on one partition of the embedded cluster:
/// <list type="bullet">
/// <item>Parallel Consumer's scenario: 10,000 records, 1,000 keys, a handler awaiting a uniform 0-5 ms, in
/// <c>Partition</c>, <c>Key</c> and <c>None</c> order;</item>
/// <item>scaling: a handler awaiting <c>Task.Delay(1)</c> with <c>MaxConcurrency</c> 1, 8, 32 and 128 (unordered).</item>
/// </list>
/// Every figure is the time from the first handler call to the last one's end; records are published before the consumer starts.
/// </summary>
internal static class OrderingScenarios
{
    private static int s_laneCapacity;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var laneIndex = Array.IndexOf(args, "--lane-capacity");
        s_laneCapacity = laneIndex >= 0 && laneIndex + 1 < args.Length ? int.Parse(args[laneIndex + 1], CultureInfo.InvariantCulture) : new ConsumerOptions().LaneCapacity;
        var only = args.Contains("--scaling") ? "scaling" : args.Contains("--modes") ? "modes" : args.Contains("--memory") ? "memory" : null;
        var records = quick ? 2_000 : 10_000;
        await using var cluster = new EmbeddedKafkaCluster();
        Console.WriteLine($"Ordering modes: 1 partition, {Environment.ProcessorCount} cores, embedded cluster at {cluster.BootstrapServers}");

        Console.WriteLine($"LaneCapacity {s_laneCapacity}");
        if (only is null or "modes")
        {
            await ModesAsync(cluster, records);
        }

        if (only is null or "scaling")
        {
            await ScalingAsync(cluster, quick);
        }

        if (only is null or "memory")
        {
            await MemoryAsync(cluster);
        }

        return 0;
    }

    /// <summary>
    /// A blocked handler facing ten times what the lanes may hold (6 partitions x LaneCapacity x 10 records published
    /// first): the process's working set and managed heap while every partition is paused, against before the consumer
    /// started; then the handler is released and every record must be handled.
    /// </summary>
    private static async Task MemoryAsync(EmbeddedKafkaCluster cluster)
    {
        const int partitions = 6;
        var count = partitions * s_laneCapacity * 10;
        var name = "ordering-memory-" + Guid.NewGuid().ToString("N");
        cluster.CreateTopic(name, partitions);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelayedCancellationHandler(count, static () => 0, gate.Task);
        await using var provider = Build(cluster, name, handler, OrderingMode.Partition, maxConcurrency: 64);
        Publish(provider, name, count, keys: 10_000);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var status = provider.GetRequiredService<IConsumerStatus>();
        var hosted = provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        long peak = before, heapPeak = heapBefore;
        var held = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
            var group = status.Groups[0];
            held = group.Partitions.Sum(p => p.Buffered + p.InFlight);
            if (group.Partitions.Count == partitions && group.Partitions.All(p => p.Paused) && watch.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }
        }

        gate.SetResult();
        var seconds = await handler.Done.WaitAsync(TimeSpan.FromMinutes(5));
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        var recordBytes = KafkaTyped.Serialization.KafkaSerializer.Serialize(new OrderCancelled(Guid.NewGuid(), "bench")).Length;
        Console.WriteLine();
        Console.WriteLine($"Memory: a blocked handler, {count:N0} records published on {partitions} partitions (10x LaneCapacity {s_laneCapacity} per partition), values of {recordBytes} B");
        Console.WriteLine($"records held while blocked: {held:N0} (bound: {partitions * s_laneCapacity:N0} plus a fetch per partition)");
        Console.WriteLine($"working set: {before / 1048576.0:0.0} MiB before the consumer started, peak {peak / 1048576.0:0.0} MiB while blocked (+{(peak - before) / 1048576.0:0.0} MiB)");
        Console.WriteLine($"managed heap: {heapBefore / 1048576.0:0.0} MiB before, peak {heapPeak / 1048576.0:0.0} MiB while blocked (+{(heapPeak - heapBefore) / 1048576.0:0.0} MiB)");
        Console.WriteLine($"after release: all {count:N0} handled ({handler.Count:N0} calls) in {seconds:0.0} s");
    }

    private static async Task ModesAsync(EmbeddedKafkaCluster cluster, int records)
    {
        Console.WriteLine();
        Console.WriteLine($"Parallel Consumer's scenario: {records:N0} records, 1,000 keys, handler awaiting a uniform 0-5 ms, MaxConcurrency 128");
        Console.WriteLine("| mode | seconds | records/s | most at once |");
        Console.WriteLine("|---|---:|---:|---:|");
        var byMode = new Dictionary<OrderingMode, double>();
        foreach (var mode in new[] { OrderingMode.Partition, OrderingMode.Key, OrderingMode.None })
        {
            var run = await RunAsync(cluster, mode, records, keys: 1_000, maxConcurrency: 128, static () => Random.Shared.Next(0, 6));
            byMode[mode] = run.Seconds;
            Console.WriteLine($"| {mode} | {run.Seconds:0.00} | {records / run.Seconds:N0} | {run.MostAtOnce} |");
        }

        Console.WriteLine($"key order {byMode[OrderingMode.Partition] / byMode[OrderingMode.Key]:0.0}x faster than partition order, unordered {byMode[OrderingMode.Partition] / byMode[OrderingMode.None]:0.0}x");
    }

    private static async Task ScalingAsync(EmbeddedKafkaCluster cluster, bool quick)
    {
        Console.WriteLine();
        Console.WriteLine("Scaling: handler awaiting Task.Delay(1), unordered, by MaxConcurrency");
        Console.WriteLine("| MaxConcurrency | records | records/s | per lane vs 1 | most at once |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        double? single = null;
        foreach (var concurrency in new[] { 1, 8, 32, 128 })
        {
            var count = Math.Max(quick ? 1_000 : 2_000, (quick ? 60 : 200) * concurrency);
            var run = await RunAsync(cluster, OrderingMode.None, count, keys: 1_000, concurrency, static () => 1);
            var rate = count / run.Seconds;
            single ??= rate;
            Console.WriteLine($"| {concurrency} | {count:N0} | {rate:N0} | {rate / (single.Value * concurrency):0.00} | {run.MostAtOnce} |");
        }
    }

    private static async Task<Run> RunAsync(EmbeddedKafkaCluster cluster, OrderingMode mode, int count, int keys, int maxConcurrency, Func<int> delayMilliseconds)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"ordering-{mode}-{maxConcurrency}-{Guid.NewGuid():N}");
        cluster.CreateTopic(name, 1);
        var handler = new DelayedCancellationHandler(count, delayMilliseconds);
        await using var provider = Build(cluster, name, handler, mode, maxConcurrency);
        Publish(provider, name, count, keys);
        var hosted = provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            var seconds = await handler.Done.WaitAsync(TimeSpan.FromMinutes(5));
            return new Run(seconds, handler.MostAtOnce);
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }

    private static ServiceProvider Build(EmbeddedKafkaCluster cluster, string name, DelayedCancellationHandler handler, OrderingMode mode, int maxConcurrency)
    {
        var services = new ServiceCollection();
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("KAFKATYPED_BENCH_LOG"), out var configured) ? configured : LogLevel.Warning;
        services.AddLogging(b => b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(level));
        services.AddSingleton(handler);
        services.AddSingleton(new NoOpOrderHandler(int.MaxValue));
        services.AddSingleton(new TransformCounter(output: "unused")); // the exactly-once scenario's, idle here
        services.AddSingleton(new ProbeCounter(int.MaxValue)); // the store scenarios' handlers, idle here
        services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = cluster.BootstrapServers;
            o.ServiceName = "ordering";
            var consumer = new ConsumerOptions { GroupId = name, Topics = { name }, Ordering = mode, MaxConcurrency = maxConcurrency, LaneCapacity = s_laneCapacity };
            foreach (var (key, value) in ClientSettings.Consumer)
            {
                consumer.Properties[key] = value;
            }

            foreach (var extra in (Environment.GetEnvironmentVariable("KAFKATYPED_BENCH_CONSUMER") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var pair = extra.Split('=', 2);
                consumer.Properties[pair[0]] = pair[1];
            }

            o.Consumers.Add(consumer);
        }).AddGeneratedHandlers();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static void Publish(ServiceProvider provider, string name, int count, int keys)
    {
        var publisher = provider.GetRequiredService<IMessagePublisher>();
        var orders = Enumerable.Range(0, keys).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();
        for (var i = 0; i < count; i++)
        {
            publisher.Publish(new OrderCancelled(orders[i % keys], "bench"), name);
        }

        if (publisher.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("records still outstanding after 60 s");
        }
    }

    private readonly record struct Run(double Seconds, int MostAtOnce);
}

/// <summary>The handler of the ordering scenarios: awaits a delay per record and reports the span from the first call to the last end.</summary>
public sealed class DelayedCancellationHandler : IHandle<OrderCancelled>
{
    private readonly int _expected;
    private readonly Func<int> _delayMilliseconds;
    private readonly Task? _gate;
    private readonly TaskCompletionSource<double> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _first;
    private int _count;
    private int _running;
    private int _mostAtOnce;

    public DelayedCancellationHandler()
        : this(int.MaxValue, static () => 0)
    {
    }

    public DelayedCancellationHandler(int expected, Func<int> delayMilliseconds, Task? gate = null)
    {
        _expected = expected;
        _delayMilliseconds = delayMilliseconds;
        _gate = gate;
    }

    public int Count => Volatile.Read(ref _count);

    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    internal Task<double> Done => _done.Task;

    public async ValueTask HandleAsync(OrderCancelled message, MessageContext context, CancellationToken cancellationToken)
    {
        Interlocked.CompareExchange(ref _first, Stopwatch.GetTimestamp(), 0);
        var running = Interlocked.Increment(ref _running);
        for (var most = Volatile.Read(ref _mostAtOnce); running > most; most = Volatile.Read(ref _mostAtOnce))
        {
            if (Interlocked.CompareExchange(ref _mostAtOnce, running, most) == most)
            {
                break;
            }
        }

        try
        {
            if (_gate is not null)
            {
                await _gate.WaitAsync(cancellationToken);
            }

            var delay = _delayMilliseconds();
            if (delay > 0)
            {
                await Task.Delay(delay, cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }

        if (Interlocked.Increment(ref _count) == _expected)
        {
            _done.TrySetResult(Stopwatch.GetElapsedTime(Volatile.Read(ref _first)).TotalSeconds);
        }
    }
}
