using System.Runtime.InteropServices;

namespace KafkaTyped.Testing.Native;

/// <summary>
/// Source-generated bindings to the few librdkafka functions the embedded cluster needs
/// (<c>rdkafka.h</c> and <c>rdkafka_mock.h</c>, librdkafka 2.16). The library name is resolved by
/// <see cref="LibRdKafkaLoader"/> to the same file Confluent.Kafka loaded.
/// </summary>
/// <remarks>
/// Every function that takes a mock cluster takes the <see cref="MockClusterHandle"/>: the generated
/// marshalling adds a reference for the duration of the call, so a concurrent dispose waits for
/// calls in flight and later calls fail with <see cref="ObjectDisposedException"/>.
/// </remarks>
internal static unsafe partial class LibRdKafka
{
    /// <summary>The logical library name; <see cref="LibRdKafkaLoader"/> maps it to a file.</summary>
    internal const string LibraryName = "librdkafka";

    /// <summary><c>RD_KAFKA_PRODUCER</c>.</summary>
    internal const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c>.</summary>
    internal const int ConfOk = 0;

    // rdkafka.h

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_version")]
    internal static partial int Version();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2str")]
    internal static partial byte* ErrorToString(int error);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    internal static partial nint ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(nint conf);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    internal static partial nint KafkaNew(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    internal static partial void KafkaDestroy(nint rk);

    // rdkafka_mock.h

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void MockClusterDestroy(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial byte* MockClusterBootstraps(MockClusterHandle mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicCreate(MockClusterHandle mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockPartitionSetLeader(MockClusterHandle mcluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int MockBrokerSetDown(MockClusterHandle mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int MockBrokerSetUp(MockClusterHandle mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial int MockBrokerSetRtt(MockClusterHandle mcluster, int brokerId, int rttMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void MockPushRequestErrorsArray(MockClusterHandle mcluster, short apiKey, nuint count, int* errors);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    internal static partial void MockClearRequestErrors(MockClusterHandle mcluster, short apiKey);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_coordinator_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockCoordinatorSet(MockClusterHandle mcluster, string keyType, string key, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(MockClusterHandle mcluster, int delayMs);

    /// <summary>Reads a NUL-terminated UTF-8 string owned by librdkafka (never freed here).</summary>
    internal static string ReadString(byte* value) =>
        value is null ? string.Empty : Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;
}
