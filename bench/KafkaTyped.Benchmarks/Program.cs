using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

// KafkaTyped micro-benchmarks (docs/benchmarks.md).
//
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --filter '*'            full BenchmarkDotNet defaults
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --quick --filter '*'    quick: 1 launch, 3 warm-ups,
//                                                                                           8 iterations of ~250 ms each
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --quick --filter '*Dispatch*'
//   dotnet run -c Release --project bench/KafkaTyped.Benchmarks -- --list flat
//
// Every other argument is BenchmarkDotNet's (--job short, --filter, --runtimes, --exporters ...).
var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();

IConfig config = DefaultConfig.Instance;
if (quick)
{
    config = DefaultConfig.Instance.AddJob(Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(8)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithId("Quick")
        .AsDefault());
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
