using KafkaTyped.Fuzzing;
using SharpFuzz;

// Usage:
//   KafkaTyped.Fuzzing list                     the target names
//   KafkaTyped.Fuzzing seeds <target> <dir>     writes the seed corpus (valid encodings)
//   KafkaTyped.Fuzzing afl <target>             one afl-fuzz child (run under afl-fuzz, see fuzz.sh)
//   KafkaTyped.Fuzzing replay <target> <path>…  runs files or directories of inputs once each: a regression check
if (args is ["afl", var name])
{
    // Nothing instrumented may run before the fuzzer has set up its coverage map: the target is found, and warmed up
    // (JIT and type loading allocate on first use), inside the first run.
    FuzzTarget? selected = null;
    Fuzzer.OutOfProcess.Run(stream =>
    {
        if (selected is null)
        {
            selected = FuzzTargets.Find(name) ?? throw new ArgumentException($"no target {name}");
            selected.Run(selected.Seeds[0]);
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        FuzzTargets.Run(selected, buffer.ToArray());
    });
    return 0;
}

if (args is ["list"])
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine(t.Name);
    }

    return 0;
}

if (args.Length < 2 || FuzzTargets.Find(args[1]) is not { } target)
{
    Console.Error.WriteLine("usage: KafkaTyped.Fuzzing list | seeds <target> <dir> | afl <target> | replay <target> <path>...");
    Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
    return 2;
}

switch (args[0])
{
    case "seeds" when args.Length == 3:
        Directory.CreateDirectory(args[2]);
        for (var i = 0; i < target.Seeds.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(args[2], $"seed-{i}"), target.Seeds[i]);
        }

        return 0;
    case "replay":
        FuzzTargets.Run(target, target.Seeds[0]);
        var count = 0;
        foreach (var path in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]))
        {
            FuzzTargets.Run(target, File.ReadAllBytes(path));
            count++;
        }

        Console.WriteLine($"{target.Name}: {count} inputs read or rejected within the bounds");
        return 0;
    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}
