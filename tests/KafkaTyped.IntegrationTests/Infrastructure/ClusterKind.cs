namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>Which Kafka cluster the integration tests of this run talk to.</summary>
public enum ClusterKind
{
    /// <summary>An existing cluster named by the <c>KAFKA_BOOTSTRAP_SERVERS</c> environment variable.</summary>
    External,

    /// <summary>A Kafka broker in a Docker container started by Testcontainers.Kafka.</summary>
    Testcontainers,

    /// <summary>The in-process <see cref="KafkaTyped.Testing.EmbeddedKafkaCluster"/> (librdkafka's mock cluster).</summary>
    Embedded,
}
