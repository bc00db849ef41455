using System.Text;
using System.Text.Json;
using CsCheck;
using static KafkaTyped.Generators.Tests.HostileBytesPropertyTests;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// The bounded fuzzing run of CI for JSON (docs/reliability.md#fuzzing): for every sample type, JSON-shaped token soup,
/// random bytes behind a JSON opening, and valid JSON encodings with 1 to 4 mutations (byte changes, truncations,
/// deletions, insertions of hostile JSON tokens) go to the generated JSON deserializer; for every message, the same
/// for the typed envelope <c>{"type":...,"payload":{...}}</c> through <c>DeserializeMessage</c>. Each input must read
/// or be rejected with <see cref="JsonException"/>, and allocate at most <see cref="AllocationBound"/> for its length
/// (the bound of the MessagePack run).
/// </summary>
public sealed class JsonHostileBytesPropertyTests
{
    // Iterations per target and generator: the class runs in a few seconds on a loaded two-core machine.
    private const int Iterations = 600;

    /// <summary>Pieces of JSON: structure, the member names of the sample types, and values of every kind, hostile ones among them.</summary>
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ":", ",", " ", "\"", "\\", "null", "true", "false", "0", "-1", "1.5e3", "-0", "1e999", "-1e-999",
        "99999999999999999999999999999", "255", "256", "-129", "65536", "2147483648", "9223372036854775808", "79228162514264337593543950336",
        "\"\"", "\"x\"", "\"\\u00e9\"", "\"\\ud800\"", "\"\\uDC00\\uD800\"", "\"\\u0000\"", "\"AQID\"", "\"AQI\"", "\"====\"",
        "\"2026-01-02T03:04:05Z\"", "\"2026-01-02T03:04:05+02:00\"", "\"9999-12-31T23:59:59.9999999-14:00\"", "\"2026-01-02\"",
        "\"0190a5e4-1c2b-7def-8123-456789abcdef\"", "\"00:00:01\"", "\"High\"", "\"Negative\"",
        "\"name\"", "\"children\"", "\"customer\"", "\"orderId\"", "\"amount\"", "\"lines\"", "\"note\"", "\"sku\"", "\"quantity\"",
        "\"price\"", "\"currency\"", "\"cost\"", "\"shippedAt\"", "\"orderNumber\"", "\"id\"", "\"at\"", "\"tenant\"", "\"number\"",
        "\"total\"", "\"tags\"", "\"age\"", "\"data\"", "\"numbers\"", "\"map\"", "\"text\"", "\"ints\"", "\"strings\"", "\"bytes\"",
        "\"guids\"", "\"doubles\"", "\"counts\"", "\"labels\"", "\"nested\"", "\"jagged\"", "\"money\"", "\"type\"", "\"payload\"",
    ];

    private static readonly byte[][] TokenBytes = [.. Tokens.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Up to 60 tokens, mostly starting with an object as every value does.</summary>
    private static readonly Gen<byte[]> TokenSoup = Gen.Select(Gen.Bool, Gen.Int[0, TokenBytes.Length - 1].Array[0, 60], (open, tokens) =>
        (byte[])[.. open ? "{"u8 : [], .. tokens.SelectMany(i => TokenBytes[i])]);

    /// <summary>Random bytes, up to 200, behind the start of an object, of a property or of a string.</summary>
    private static readonly Gen<byte[]> RandomTail = Gen.Select(Gen.Int[0, 3], Gen.Byte.Array[0, 200], (head, tail) =>
        (byte[])[.. Encoding.UTF8.GetBytes(new[] { "{", "{\"name\":", "{\"lines\":[", "{\"payload\":\"" }[head]), .. tail]);

    private static readonly Gen<Mutation> JsonMutation = Gen.OneOf(
        Mutation.Gen,
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, TokenBytes.Length - 1], (at, token) => (Mutation)new Insert(at, TokenBytes[token])),
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 300], (at, depth) => (Mutation)new Insert(at, Encoding.UTF8.GetBytes(new string('[', depth)))));

    public static TheoryData<string> MessageNames() => [.. Targets.Where(t => t.DeserializeEnvelope is not null).Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(TargetNames), MemberType = typeof(HostileBytesPropertyTests))]
    public void JsonTokenSoupAndRandomBytesAreReadOrRejected(string name)
    {
        var target = WarmedUpJson(name);
        Gen.OneOf(TokenSoup, RandomTail).Sample(bytes => AssertReadOrRejected<JsonException>(name, target.DeserializeJson, bytes, JsonText), iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(TargetNames), MemberType = typeof(HostileBytesPropertyTests))]
    public void MutatedValidJsonIsReadOrRejected(string name)
    {
        var target = WarmedUpJson(name);
        Gen.Select(target.ValidJson, JsonMutation.Array[1, 4], (valid, mutations) => mutations.Aggregate(valid, (bytes, mutate) => mutate.Apply(bytes)))
            .Sample(bytes => AssertReadOrRejected<JsonException>(name, target.DeserializeJson, bytes, JsonText), iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void MutatedEnvelopesAreReadOrRejected(string name)
    {
        var target = WarmedUpJson(name);
        var read = target.DeserializeEnvelope!;
        read(target.ValidEnvelope!.Single());
        Gen.OneOf(
                Gen.Select(target.ValidEnvelope!, JsonMutation.Array[1, 4], (valid, mutations) => mutations.Aggregate(valid, (bytes, mutate) => mutate.Apply(bytes))),
                TokenSoup.Select(soup => (byte[])[.. "{\"type\":"u8, .. soup]))
            .Sample(bytes => AssertReadOrRejected<JsonException>(name, read, bytes, JsonText), iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(TargetNames), MemberType = typeof(HostileBytesPropertyTests))]
    public void ValidJsonReadsBack(string name)
    {
        // What the mutations start from is valid: every generated value's JSON reads.
        var target = Targets.Single(t => t.Name == name);
        target.ValidJson.Sample(bytes => target.DeserializeJson(bytes), iter: 100, threads: 1);
    }

    private static Target WarmedUpJson(string name)
    {
        var target = Targets.Single(t => t.Name == name);
        target.DeserializeJson(target.ValidJson.Single());
        Assert.Throws<JsonException>(() => target.DeserializeJson("{\"x\":["u8.ToArray()));
        return target;
    }

    /// <summary>A JSON input as text and hex.</summary>
    private static string JsonText(byte[] bytes) => $"{Encoding.UTF8.GetString(bytes)} ({Convert.ToHexString(bytes)})";
}
