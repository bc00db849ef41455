namespace KafkaTyped.Testing;

/// <summary>
/// Kafka protocol request types (API keys), for injecting request errors with
/// <see cref="EmbeddedKafkaCluster.PushRequestErrors(KafkaApiKey, Confluent.Kafka.ErrorCode[])"/>.
/// The values are the protocol's own numbers.
/// </summary>
public enum KafkaApiKey : short
{
    /// <summary>ProduceRequest (0).</summary>
    Produce = 0,

    /// <summary>FetchRequest (1).</summary>
    Fetch = 1,

    /// <summary>ListOffsetsRequest (2).</summary>
    ListOffsets = 2,

    /// <summary>MetadataRequest (3).</summary>
    Metadata = 3,

    /// <summary>OffsetCommitRequest (8).</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetchRequest (9).</summary>
    OffsetFetch = 9,

    /// <summary>FindCoordinatorRequest (10).</summary>
    FindCoordinator = 10,

    /// <summary>JoinGroupRequest (11).</summary>
    JoinGroup = 11,

    /// <summary>HeartbeatRequest (12).</summary>
    Heartbeat = 12,

    /// <summary>LeaveGroupRequest (13).</summary>
    LeaveGroup = 13,

    /// <summary>SyncGroupRequest (14).</summary>
    SyncGroup = 14,

    /// <summary>DescribeGroupsRequest (15).</summary>
    DescribeGroups = 15,

    /// <summary>ListGroupsRequest (16).</summary>
    ListGroups = 16,

    /// <summary>SaslHandshakeRequest (17).</summary>
    SaslHandshake = 17,

    /// <summary>ApiVersionsRequest (18).</summary>
    ApiVersions = 18,

    /// <summary>CreateTopicsRequest (19); the embedded cluster does not implement it.</summary>
    CreateTopics = 19,

    /// <summary>DeleteTopicsRequest (20); the embedded cluster does not implement it.</summary>
    DeleteTopics = 20,

    /// <summary>DeleteRecordsRequest (21).</summary>
    DeleteRecords = 21,

    /// <summary>InitProducerIdRequest (22).</summary>
    InitProducerId = 22,

    /// <summary>OffsetForLeaderEpochRequest (23).</summary>
    OffsetForLeaderEpoch = 23,

    /// <summary>AddPartitionsToTxnRequest (24).</summary>
    AddPartitionsToTxn = 24,

    /// <summary>AddOffsetsToTxnRequest (25).</summary>
    AddOffsetsToTxn = 25,

    /// <summary>EndTxnRequest (26).</summary>
    EndTxn = 26,

    /// <summary>TxnOffsetCommitRequest (28).</summary>
    TxnOffsetCommit = 28,

    /// <summary>SaslAuthenticateRequest (36).</summary>
    SaslAuthenticate = 36,

    /// <summary>ConsumerGroupHeartbeatRequest (68), the KIP-848 consumer group protocol.</summary>
    ConsumerGroupHeartbeat = 68,
}
