using System.Diagnostics;

namespace KafkaTyped.Benchmarks.Dispatch;

/// <summary>Bytes allocated per dispatch, measured directly, and a steady KafkaTyped dispatch loop to attach a tracer to.</summary>
internal static class DispatchAllocationProbe
{
    public static void Run()
    {
        var bench = new DispatchBenchmarks();
        bench.Setup();
        Console.WriteLine($"pid {Environment.ProcessId}");
        Measure("hand-written", () => bench.HandWritten());
        Measure("KafkaTyped MessageProcessor.ProcessAsync", () => bench.KafkaTyped());
        Measure("ce_type header + route binding lookup", () => bench.RouteLookupOnly());
        Measure("MessageContext creation", () => bench.ContextOnly());

        for (var round = 0; round < 3; round++)
        {
            Time("dispatch hand-written", () => bench.HandWritten());
            Time("dispatch KafkaTyped", () => bench.KafkaTyped());
            Time("ce_type header + route binding lookup only", () => bench.RouteLookupOnly());
            Time("deserialize only", () => bench.DeserializeOnly());
        }

        // What a clock read and a UUIDv7 cost on this machine (system calls on some virtual machines).
        long sink = 0;
        Time("Stopwatch.GetTimestamp()", () => (int)Stopwatch.GetTimestamp());
        Time("DateTime.UtcNow", () => DateTime.UtcNow.Second);
        Time("Guid.CreateVersion7()", () => Guid.CreateVersion7().GetHashCode());
        GC.KeepAlive(sink);

        var serializers = new KafkaTyped.Benchmarks.Serialization.SerializerBenchmarks();
        serializers.Setup();
        for (var round = 0; round < 3; round++)
        {
            Time("deserialize generated (direct)", () => serializers.Deserialize_Generated().LineCount);
            Time("deserialize generated (KafkaSerializer)", () => serializers.Deserialize_GeneratedHelper().LineCount);
            Time("deserialize StandardResolver", () => serializers.Deserialize_Standard().LineCount);
        }

        var stopwatch = Stopwatch.StartNew();
        long calls = 0;
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(30))
        {
            calls += bench.KafkaTyped();
        }

        Console.WriteLine($"{calls:N0} KafkaTyped dispatches in 30 s");
        bench.Cleanup();
    }

    private static void Time(string name, Func<int> call)
    {
        const int Calls = 100_000;
        for (var i = 0; i < 10_000; i++)
        {
            call();
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < Calls; i++)
        {
            call();
        }

        Console.WriteLine($"{name,-45} {Stopwatch.GetElapsedTime(started).TotalNanoseconds / Calls,8:N0} ns/call");
    }

    private static void Measure(string name, Func<int> call)
    {
        const int Calls = 200_000;
        for (var i = 0; i < 10_000; i++)
        {
            call(); // warm up past tiering
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            call();
        }

        var bytes = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
        Console.WriteLine($"{name,-45} {bytes,8:N1} B/call");
    }
}
