using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

// KafkaTyped micro-benchmarks (docs/benchmarks.md).
//
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --filter '*'            full BenchmarkDotNet defaults
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --quick --filter '*'    quick: in-process (no rebuild of
//                                                                                           a boilerplate project), tiered
//                                                                                           compilation off, 1 launch, 3
//                                                                                           warm-ups, 8 iterations of ~250 ms
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --quick --filter '*Dispatch*'
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --list flat
//
// Every other argument is BenchmarkDotNet's (--job short, --filter, --runtimes, --exporters ...).
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --alloc-probe
//       prints the bytes allocated per call of each dispatch path (GC.GetAllocatedBytesForCurrentThread), then runs the
//       KafkaTyped path for 10 s so that `dotnet-trace collect --profile gc-verbose -p <pid>` can name the allocations.
if (args.Contains("--alloc-probe"))
{
    KafkaTyped.Benchmarks.Dispatch.DispatchAllocationProbe.Run();
    return 0;
}

var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();

// Quick mode runs in this process. On a starved machine the background tier-1 JIT can lag by seconds, so the first
// benchmarks of a class would be measured on tier-0 code: run the quick mode with tiered compilation off (every method
// fully optimized on first call, the same for every serializer compared), by re-launching this process once.
if (quick && Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") != "0" && Environment.ProcessPath is { } self)
{
    var start = new System.Diagnostics.ProcessStartInfo(self) { UseShellExecute = false };
    if (!Path.GetFileNameWithoutExtension(self).Equals("KafkaTyped.Benchmarks", StringComparison.OrdinalIgnoreCase))
    {
        start.ArgumentList.Add(typeof(Program).Assembly.Location); // launched as `dotnet KafkaTyped.Benchmarks.dll`
    }

    foreach (var arg in args)
    {
        start.ArgumentList.Add(arg);
    }

    start.Environment["DOTNET_TieredCompilation"] = "0";
    using var child = System.Diagnostics.Process.Start(start)!;
    child.WaitForExit();
    return child.ExitCode;
}

// Building BenchmarkDotNet's boilerplate project takes minutes on a busy 2-core machine: allow it.
// Median and Min next to the Mean: on a machine shared with other builds the mean is dragged up by preemption,
// while Min approximates the uncontended cost and Median the typical one.
IConfig config = ManualConfig.Create(DefaultConfig.Instance)
    .WithBuildTimeout(TimeSpan.FromMinutes(10))
    .AddColumn(StatisticColumn.Median, StatisticColumn.Min);
if (quick)
{
    config = config.AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(8)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithId("Quick")
        .AsDefault());
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
return 0;
