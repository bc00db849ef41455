using System.Runtime.InteropServices;

namespace KafkaTyped.Testing.Native;

/// <summary>
/// Owns one <c>rd_kafka_mock_cluster_t</c> and the <c>rd_kafka_t</c> it was created on. Releasing
/// destroys the mock cluster first (closing its listeners) and then the client handle.
/// </summary>
internal sealed class MockClusterHandle : SafeHandle
{
    private nint _kafkaHandle;

    /// <summary>Creates an invalid handle; the generated marshallers and <see cref="Create"/> fill it.</summary>
    public MockClusterHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>Wraps a mock cluster created on <paramref name="kafkaHandle"/>; this handle then owns both.</summary>
    internal static MockClusterHandle Create(nint kafkaHandle, nint mockCluster)
    {
        var result = new MockClusterHandle { _kafkaHandle = kafkaHandle };
        result.SetHandle(mockCluster);
        return result;
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        LibRdKafka.MockClusterDestroy(handle);
        if (_kafkaHandle != 0)
        {
            LibRdKafka.KafkaDestroy(_kafkaHandle);
            _kafkaHandle = 0;
        }

        return true;
    }
}
