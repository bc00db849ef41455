using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;
using MessagePack;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// Hostile or broken payloads get a clear <see cref="MessagePackSerializationException"/> that names the type, and a
/// length prefix is never trusted for an allocation: the bytes it claims are checked against the payload first.
/// </summary>
public sealed class HostileBytesTests
{
    private const long AllocationBudget = 64 * 1024; // an exception and its message; the claimed lengths are 2 GiB and more

    public static TheoryData<string, byte[]> HugeLengthPrefixes()
    {
        var data = new TheoryData<string, byte[]>();
        foreach (var length in new uint[] { 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF })
        {
            var prefix = new[] { (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length };
            // Blob is [bin Data, array Numbers, map Map, str Text].
            data.Add($"bin32 {length}", PayloadBuilder.Concat([0x94, 0xc6], prefix, [1, 2, 3]));
            data.Add($"array32 {length}", PayloadBuilder.Concat([0x94, 0xc4, 0x00, 0xdd], prefix, [1, 2, 3]));
            data.Add($"map32 {length}", PayloadBuilder.Concat([0x94, 0xc4, 0x00, 0x90, 0xdf], prefix, [0xa1, 0x61, 1]));
            data.Add($"str32 {length}", PayloadBuilder.Concat([0x94, 0xc4, 0x00, 0x90, 0x80, 0xdb], prefix, [0x61]));
            data.Add($"top-level array32 {length}", PayloadBuilder.Concat([0xdd], prefix, [0xc4, 0x00]));
            data.Add($"skipped str32 {length}", PayloadBuilder.Concat([0x95, 0xc4, 0x00, 0x90, 0x80, 0xa0, 0xdb], prefix, [0x61]));
            data.Add($"skipped array32 {length}", PayloadBuilder.Concat([0x95, 0xc4, 0x00, 0x90, 0x80, 0xa0, 0xdd], prefix, [1]));
            data.Add($"skipped map32 {length}", PayloadBuilder.Concat([0x95, 0xc4, 0x00, 0x90, 0x80, 0xa0, 0xdf], prefix, [1, 1]));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HugeLengthPrefixes))]
    public void AHugeLengthPrefixIsRejectedWithoutAllocatingItsLength(string name, byte[] payload)
    {
        Assert.NotNull(name);
        AssertRejected<Blob>(payload); // warm up: JIT and type loading allocate on first use

        var before = GC.GetAllocatedBytesForCurrentThread();
        var exception = AssertRejected<Blob>(payload);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < AllocationBudget, $"{name}: {allocated} bytes allocated");
        Assert.Contains(typeof(Blob).FullName!, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncationOfAValidPayloadIsRejected()
    {
        var order = new OrderCreated(Guid.NewGuid(), "ada lovelace", 123.45m)
        {
            Lines = [new LineItem("sku-1", 2, 3.5m), new LineItem("sku-2", 1, 99m)],
            Note = "leave at the door",
        };
        var payload = KafkaSerializer.Serialize(order);

        for (var length = 0; length < payload.Length; length++)
        {
            var exception = AssertRejected<OrderCreated>(payload.AsSpan(0, length).ToArray());
            Assert.Contains(nameof(OrderCreated), exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        var payload = PayloadBuilder.Concat(KafkaSerializer.Serialize(new CustomerV1("ada")), [0xc0]);

        var exception = AssertRejected<CustomerV1>(payload);

        Assert.Contains("1 bytes follow", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongTypesAreRejected()
    {
        AssertRejected<CustomerV1>(PayloadBuilder.Build((ref MessagePackWriter w) => w.Write("not an array")));
        AssertRejected<CustomerV1>(PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(1);
            w.Write("Name");
            w.Write("ada");
        }));
        AssertRejected<CustomerV1>(PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(1);
            w.Write(42);
        }));
        AssertRejected<OrderCreated>(PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(1);
            w.Write("not-a-guid-not-a-guid-not-a-guid-xx");
        }));
        AssertRejected<InvoiceV2>(PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(1);
            w.Write("1.2.3");
        }));
        AssertRejected<Everything>([0xc1]); // a code MessagePack never uses
        AssertRejected<Everything>([]);
        AssertRejected<Everything>([0xc0]);
    }

    [Fact]
    public void NilForAMemberThatIsNotNullableNamesTheMember()
    {
        var payload = PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(1);
            w.WriteNil();
        });

        var exception = AssertRejected<CustomerV1>(payload);

        Assert.Contains("CustomerV1.Name", exception.Message, StringComparison.Ordinal);
        Assert.Contains("nil", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADuplicateDictionaryKeyIsRejected()
    {
        var payload = PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write(ReadOnlySpan<byte>.Empty);
            w.WriteArrayHeader(0);
            w.WriteMapHeader(2);
            w.Write("k");
            w.Write(1);
            w.Write("k");
            w.Write(2);
        });

        var exception = AssertRejected<Blob>(payload);

        Assert.Contains("\"k\" occurs twice", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecursionDeeperThanTheLimitIsRejected()
    {
        AssertRejected<TreeNode>(NestedTree(MessagePackPrimitives.MaxDepth + 1));

        // At the limit it reads.
        var node = KafkaSerializer.Deserialize<TreeNode>(NestedTree(MessagePackPrimitives.MaxDepth));
        var depth = 1;
        for (; node.Children.Count > 0; node = node.Children[0])
        {
            depth++;
        }

        Assert.Equal(MessagePackPrimitives.MaxDepth, depth);

        static byte[] NestedTree(int depth)
            => PayloadBuilder.Build((ref MessagePackWriter w) =>
            {
                for (var i = 0; i < depth; i++)
                {
                    w.WriteArrayHeader(2);
                    w.Write("n");
                    w.WriteArrayHeader(i == depth - 1 ? 0 : 1);
                }
            });
    }

    [Fact]
    public void DeeplyNestedUnknownMembersAreRejectedWithoutExhaustingTheStack()
    {
        // A million nested arrays in a member the reader skips: a recursive skip would overflow the stack.
        const int levels = 1_000_000;
        var payload = new byte[2 + levels];
        payload[0] = 0x92;
        payload[1] = 0xa0;
        payload.AsSpan(2, levels - 1).Fill(0x91);
        payload[^1] = 0x90;

        var exception = AssertRejected<CustomerV1>(payload);

        Assert.Contains("deeper than", exception.Message, StringComparison.Ordinal);
    }

    private static MessagePackSerializationException AssertRejected<T>(byte[] payload)
        where T : IKafkaData<T>
    {
        var exception = Assert.Throws<MessagePackSerializationException>(() => KafkaSerializer.Deserialize<T>(payload));
        Assert.Contains(typeof(T).Name, exception.Message, StringComparison.Ordinal);
        return exception;
    }
}
