using CsCheck;
using KafkaTyped.Serialization;
using static KafkaTyped.Generators.Tests.HostileBytesPropertyTests;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// The bounded fuzzing run of CI for Avro (docs/reliability.md#fuzzing): for every sample type, random bytes and valid
/// Avro bodies with 1 to 4 mutations (bit flips, truncations, deletions, inserted varints claiming huge lengths) go to
/// the generated Avro decoder. Each input must read or be rejected with <see cref="AvroSerializationException"/>, and
/// allocate at most <see cref="AllocationBound"/> for its length (the bound of the MessagePack and JSON runs).
/// </summary>
public sealed class AvroHostileBytesPropertyTests
{
    // Iterations per target and generator: the class runs in a few seconds on a loaded two-core machine.
    private const int Iterations = 600;

    /// <summary>
    /// Zig-zag varints an attacker would write as a length or a count: the largest long, a negative block count (a block
    /// with a byte size follows), a huge positive one, and an over-long varint of eleven bytes.
    /// </summary>
    internal static readonly byte[][] HugeVarints =
    [
        [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        [0xff, 0xff, 0xff, 0xff, 0x0f],
        [0xfe, 0xff, 0xff, 0xff, 0x0f],
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        [0x01], [0x02],
    ];

    internal static readonly Gen<Mutation> AvroMutation = Gen.OneOf(
        Mutation.Gen,
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, HugeVarints.Length - 1], (at, varint) => (Mutation)new Insert(at, HugeVarints[varint])));

    [Theory]
    [MemberData(nameof(TargetNames), MemberType = typeof(HostileBytesPropertyTests))]
    public void ValidAvroReadsBack(string name)
    {
        // What the mutations start from is valid: every generated value's Avro body reads.
        var target = Targets.Single(t => t.Name == name);
        target.ValidAvro.Sample(bytes => target.DeserializeAvro(bytes), iter: 100, threads: 1);
    }

    [Theory]
    [MemberData(nameof(TargetNames), MemberType = typeof(HostileBytesPropertyTests))]
    public void RandomBytesAreReadOrRejected(string name)
    {
        var target = WarmedUpAvro(name);
        Gen.Byte.Array[0, 256].Sample(bytes => AssertReadOrRejected<AvroSerializationException>(name, target.DeserializeAvro, bytes), iter: Iterations, threads: 1);
    }

    [Theory]
    [MemberData(nameof(TargetNames), MemberType = typeof(HostileBytesPropertyTests))]
    public void MutatedValidAvroIsReadOrRejected(string name)
    {
        var target = WarmedUpAvro(name);
        Gen.Select(target.ValidAvro, AvroMutation.Array[1, 4], (valid, mutations) => mutations.Aggregate(valid, (bytes, mutate) => mutate.Apply(bytes)))
            .Sample(bytes => AssertReadOrRejected<AvroSerializationException>(name, target.DeserializeAvro, bytes), iter: Iterations, threads: 1);
    }

    private static Target WarmedUpAvro(string name)
    {
        var target = Targets.Single(t => t.Name == name);
        target.DeserializeAvro(target.ValidAvro.Single());
        Assert.Throws<AvroSerializationException>(() => target.DeserializeAvro([]));
        return target;
    }
}
