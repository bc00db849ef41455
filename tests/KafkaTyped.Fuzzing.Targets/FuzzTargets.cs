using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Routing;
using KafkaTyped.Serialization;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Fuzzing;

/// <summary>
/// The fuzz targets, by name. A target returns normally for an input that is read or rejected the documented way and
/// throws anything else: an undocumented exception, or <see cref="AllocationBoundExceededException"/> when one input
/// allocates more than <see cref="AllocationBound"/>. The fuzzer reports what escapes as a crash.
/// </summary>
public static class FuzzTargets
{
    // Declared before All, whose seeds use them.
    private static readonly string[] s_headerNames =
    [
        CloudEventHeaders.SpecVersion, CloudEventHeaders.Id, CloudEventHeaders.Type, CloudEventHeaders.Source,
        CloudEventHeaders.Time, CloudEventHeaders.ContentType, CloudEventHeaders.TraceParent, CloudEventHeaders.TraceState,
    ];

    private static readonly Lazy<IMessageRouteTable> s_routeTable = new(CreateRouteTable);

    /// <summary>
    /// The most one input may allocate: 64 KiB for a rejection plus 48 bytes per input byte (docs/reliability.md#fuzzing;
    /// the same bound as HostileBytesPropertyTests).
    /// </summary>
    public static long AllocationBound(int inputLength) => (64 * 1024) + (48L * inputLength);

    /// <summary>Every target: its name, the code it runs, and valid inputs for the seed corpus.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        Deserializer(new OrderCreated(Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"), "ada lovelace", 123.45m)
        {
            Lines = [new LineItem("sku-1", 2, 3.5m), new LineItem("sku-2", 1, 99m)],
            Note = "leave at the door",
        }),
        Deserializer(new OrderShipped { OrderNumber = "A-17", ShippedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), Cost = new Money { Amount = 4.2m, Currency = "EUR" } }),
        Deserializer(new Everything
        {
            Int32 = -7,
            String = "héllo",
            NullableString = "x",
            Guid = Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"),
            DateTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            Decimal = 1.25m,
            NullableInt = 3,
            Bytes = [1, 2, 3],
            Ints = [1, -1, int.MaxValue],
            Strings = ["a", null],
            Longs = [long.MinValue],
            Guids = [Guid.Empty],
            Doubles = [1.5, double.NaN],
            Counts = new() { ["k"] = 1 },
            Labels = new Dictionary<string, string?> { ["l"] = null },
            OptionalItem = new LineItem("s", 1, 1m),
            Money = new Money { Amount = 1m, Currency = "EUR" },
            OptionalMoney = new Money { Amount = 2m, Currency = "USD" },
            Nested = [new() { ["n"] = null, ["m"] = new LineItem("t", 2, 2m) }],
            Jagged = [[1], [], [2, 3]],
        }),
        Deserializer(new TreeNode { Name = "root", Children = [new TreeNode { Name = "a" }, new TreeNode { Name = "b", Children = [new TreeNode { Name = "c" }] }] }),
        Deserializer(new CustomerV2("ada") { Tags = ["x", "y"], Age = 36 }),
        Deserializer(new InvoiceV2 { Number = 42, Total = 9.99m, Currency = "EUR" }),
        Deserializer(new Blob([1, 2, 3], [1, 2], new() { ["a"] = 1 }, "text")),
        Deserializer(new KeyedByNullableGuid(Guid.Parse("0190a5e4-1c2b-7def-8123-456789abcdef"))),
        Deserializer(new KeyedByBytes { Id = [9, 8, 7] }),
        Deserializer(new Stamped(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))),
        new FuzzTarget("typeid", TypeIdLookup, [.. s_routeTable.Value.Routes.Select(r => Encoding.UTF8.GetBytes(r.TypeId))]),
        new FuzzTarget("headers", HeaderReaders, [EncodeHeaders(
            (CloudEventHeaders.SpecVersion, "1.0"),
            (CloudEventHeaders.Id, "0190a5e4-1c2b-7def-8123-456789abcdef"),
            (CloudEventHeaders.Type, "order-created"),
            (CloudEventHeaders.TraceParent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            (CloudEventHeaders.TraceState, "congo=t61rcWkgMzE"))]),
    ];

    /// <summary>The target of a name, or <see langword="null"/>.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/> and checks the allocation bound.</summary>
    /// <exception cref="AllocationBoundExceededException">The input allocated more than <see cref="AllocationBound"/>.</exception>
    public static void Run(FuzzTarget target, byte[] input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        target.Run(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBound(input.Length))
        {
            throw new AllocationBoundExceededException($"{target.Name}: {allocated} bytes allocated for {input.Length} input bytes");
        }
    }

    private static FuzzTarget Deserializer<T>(T sample)
        where T : IKafkaData<T>
        => new(typeof(T).Name, static input =>
        {
            try
            {
                KafkaSerializer.Deserialize<T>(input);
            }
            catch (MessagePackSerializationException)
            {
                // The documented rejection; the consumer skips such a record as an invalid payload.
            }
        }, [KafkaSerializer.Serialize(sample)]);

    // The consumer's first stage: ce_type bytes to a route. The answer must be the exact match or none.
    private static void TypeIdLookup(byte[] input)
    {
        var table = s_routeTable.Value;
        var index = table.IndexOf(input);
        var expected = -1;
        for (var i = 0; i < table.Routes.Count; i++)
        {
            if (Encoding.UTF8.GetBytes(table.Routes[i].TypeId).AsSpan().SequenceEqual(input))
            {
                expected = i;
            }
        }

        if (index != expected)
        {
            throw new InvalidOperationException($"IndexOf answered {index} where the type id is at {expected}");
        }
    }

    // The envelope readers the consumer runs on every record: ce_type, ce_id, traceparent/tracestate. Header values
    // come from any producer, so none of them may throw.
    private static void HeaderReaders(byte[] input)
    {
        var headers = DecodeHeaders(input);
        if (CloudEventHeaders.TryGetLast(headers, CloudEventHeaders.Type, out var typeId))
        {
            s_routeTable.Value.IndexOf(typeId);
            _ = Encoding.UTF8.GetString(typeId); // what the unknown-type log line shows
        }

        _ = CloudEventHeaders.GetString(headers, CloudEventHeaders.Id);
        _ = CloudEventHeaders.TryGetTraceContext(headers, out ActivityContext _);
    }

    /// <summary>
    /// Headers from bytes: each header is a name byte (an index into the reserved names; 0xFF for a null value of the
    /// next name) followed by a length byte and that many value bytes.
    /// </summary>
    private static Headers DecodeHeaders(ReadOnlySpan<byte> input)
    {
        var headers = new Headers();
        while (input.Length >= 2)
        {
            var nameByte = input[0];
            var length = Math.Min(input[1], input.Length - 2);
            var name = s_headerNames[nameByte % s_headerNames.Length];
            headers.Add(name, nameByte == 0xFF ? null : input.Slice(2, length).ToArray());
            input = input[(2 + length)..];
        }

        return headers;
    }

    private static byte[] EncodeHeaders(params (string Name, string Value)[] headers)
    {
        var bytes = new List<byte>();
        foreach (var (name, value) in headers)
        {
            var encoded = Encoding.UTF8.GetBytes(value);
            bytes.Add((byte)Array.IndexOf(s_headerNames, name));
            bytes.Add((byte)encoded.Length);
            bytes.AddRange(encoded);
        }

        return [.. bytes];
    }

    private static IMessageRouteTable CreateRouteTable()
    {
        var builder = new RouteTableCollector(new ServiceCollection());
        builder.AddGeneratedHandlers();
        return builder.Tables.Single();
    }

    private sealed class RouteTableCollector(IServiceCollection services) : IKafkaTypedBuilder
    {
        public List<IMessageRouteTable> Tables { get; } = [];

        public IServiceCollection Services { get; } = services;

        public IKafkaTypedBuilder AddRouteTable(IMessageRouteTable routeTable)
        {
            Tables.Add(routeTable);
            return this;
        }
    }
}

/// <summary>One fuzz target.</summary>
/// <param name="Name">What the harness is given to select it.</param>
/// <param name="Run">The code under test; it throws only for a finding.</param>
/// <param name="Seeds">Valid inputs, written as the seed corpus.</param>
public sealed record FuzzTarget(string Name, Action<byte[]> Run, IReadOnlyList<byte[]> Seeds);

/// <summary>One input allocated more than the stated bound.</summary>
public sealed class AllocationBoundExceededException(string message) : Exception(message);
