using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.Testing;
using Testcontainers.Kafka;

[assembly: AssemblyFixture(typeof(ClusterFixture))]

namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>
/// The Kafka cluster of this test run, one per run (an xunit assembly fixture: take it as a
/// constructor parameter). Tests isolate themselves with unique topic and group names
/// (<see cref="NewTopicName"/>, <see cref="NewGroupId"/>).
/// </summary>
/// <remarks>
/// <para>The cluster is picked in this order:</para>
/// <list type="number">
/// <item><c>KAFKA_BOOTSTRAP_SERVERS</c> set: that external cluster (<see cref="ClusterKind.External"/>).</item>
/// <item>A Docker daemon answers (<see cref="DockerProbe"/>): a broker started by Testcontainers.Kafka
/// (<see cref="ClusterKind.Testcontainers"/>; image <c>KAFKATYPED_KAFKA_IMAGE</c> or <see cref="DefaultKafkaImage"/>).</item>
/// <item>Otherwise the in-process <see cref="EmbeddedKafkaCluster"/> with 3 brokers (<see cref="ClusterKind.Embedded"/>).</item>
/// </list>
/// <para><c>KAFKATYPED_TEST_CLUSTER=embedded</c> forces the embedded cluster, <c>testcontainers</c> forces Docker.</para>
/// </remarks>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The Kafka image started on the Testcontainers path unless <c>KAFKATYPED_KAFKA_IMAGE</c> names another.</summary>
    public const string DefaultKafkaImage = "confluentinc/cp-kafka:7.5.12";

    /// <summary>Number of brokers of the shared embedded cluster.</summary>
    public const int EmbeddedBrokerCount = 3;

    private EmbeddedKafkaCluster? _embedded;
    private KafkaContainer? _container;

    /// <summary>The cluster's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; private set; } = string.Empty;

    /// <summary>Which kind of cluster this run uses.</summary>
    public ClusterKind Kind { get; private set; }

    /// <summary>Why this kind was picked (for example the Docker probe's answer).</summary>
    public string SelectionReason { get; private set; } = string.Empty;

    /// <summary>The answer of the Docker probe, if one was made.</summary>
    public DockerProbeResult? DockerProbeResult { get; private set; }

    /// <summary>
    /// Fault injection on the shared embedded cluster; on a real broker the calling test is skipped
    /// with the reason. Faults that affect the whole cluster (a broker down, request errors, round-trip
    /// time) disturb every test running in parallel: use them on a cluster of your own from
    /// <see cref="StartEmbeddedCluster"/>. Faults scoped to your own topic (a partition leader) are fine here.
    /// </summary>
    public EmbeddedKafkaCluster Faults
    {
        get
        {
            if (_embedded is null)
            {
                Assert.Skip($"Fault injection needs the embedded cluster; this run uses {Kind} at {BootstrapServers} ({SelectionReason}).");
            }

            return _embedded;
        }
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        var forced = Environment.GetEnvironmentVariable("KAFKATYPED_TEST_CLUSTER")?.Trim().ToUpperInvariant();
        if (!string.IsNullOrWhiteSpace(external) && forced is null or "" or "EXTERNAL")
        {
            Kind = ClusterKind.External;
            BootstrapServers = external.Trim();
            SelectionReason = "KAFKA_BOOTSTRAP_SERVERS is set";
            return;
        }

        if (forced is not "EMBEDDED")
        {
            DockerProbeResult = await DockerProbe.ProbeAsync();
            if (DockerProbeResult.IsAvailable || forced is "TESTCONTAINERS")
            {
                _container = await StartKafkaContainerAsync(CancellationToken.None);
                Kind = ClusterKind.Testcontainers;
                BootstrapServers = ToBootstrapServers(_container.GetBootstrapAddress());
                SelectionReason = DockerProbeResult.Reason;
                return;
            }
        }

        _embedded = new EmbeddedKafkaCluster(EmbeddedBrokerCount);
        Kind = ClusterKind.Embedded;
        BootstrapServers = _embedded.BootstrapServers;
        SelectionReason = forced is "EMBEDDED"
            ? "KAFKATYPED_TEST_CLUSTER=embedded"
            : $"no KAFKA_BOOTSTRAP_SERVERS and {DockerProbeResult?.Reason}";
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts a Kafka broker in Docker with Testcontainers.Kafka (the image is
    /// <c>KAFKATYPED_KAFKA_IMAGE</c> or <see cref="DefaultKafkaImage"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started container; dispose it.</returns>
    public static async Task<KafkaContainer> StartKafkaContainerAsync(CancellationToken cancellationToken)
    {
        var image = Environment.GetEnvironmentVariable("KAFKATYPED_KAFKA_IMAGE") is { Length: > 0 } configured ? configured : DefaultKafkaImage;
        var container = new KafkaBuilder(image).Build();
        await container.StartAsync(cancellationToken);
        return container;
    }

    /// <summary>Turns Testcontainers' <c>plaintext://host:port/</c> address into <c>host:port</c>.</summary>
    /// <param name="address">The container's bootstrap address.</param>
    /// <returns>A <c>bootstrap.servers</c> value.</returns>
    public static string ToBootstrapServers(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Port > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{uri.Host}:{uri.Port}")
            : address;

    /// <summary>
    /// Starts an embedded cluster of the test's own, for faults that would disturb other tests on the
    /// shared cluster. It runs whatever <see cref="Kind"/> is; dispose it at the end of the test.
    /// </summary>
    /// <param name="brokerCount">Number of brokers.</param>
    /// <returns>The running cluster.</returns>
    public static EmbeddedKafkaCluster StartEmbeddedCluster(int brokerCount = 3) => new(brokerCount);

    /// <summary>A topic name unique to this run: <paramref name="prefix"/> (up to 100 characters), a dash and 32 random hex digits.</summary>
    /// <param name="prefix">Readable part, for example the test's name; characters Kafka rejects become '_'.</param>
    /// <returns>The name.</returns>
    public static string NewTopicName(string prefix) => $"{Sanitize(prefix)}-{Guid.NewGuid():N}";

    /// <summary>A consumer group id unique to this run.</summary>
    /// <param name="prefix">Readable part.</param>
    /// <returns>The id.</returns>
    public static string NewGroupId(string prefix) => $"{Sanitize(prefix)}-group-{Guid.NewGuid():N}";

    /// <summary>Creates a topic and waits until every partition has a leader.</summary>
    /// <param name="name">Topic name (see <see cref="NewTopicName"/>).</param>
    /// <param name="partitions">Number of partitions.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the topic can be used.</returns>
    public async Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken = default)
    {
        if (_embedded is not null)
        {
            _embedded.CreateTopic(name, partitions);
            return;
        }

        using var admin = new AdminClientBuilder(AdminConfig()).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var replication = (short)Math.Min(3, metadata.Brokers.Count);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = replication }]);
        await Wait.UntilAsync(
            () =>
            {
                var topic = admin.GetMetadata(name, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == name);
                return topic is { Error.IsError: false } && topic.Partitions.Count == partitions && topic.Partitions.All(p => p.Leader >= 0);
            },
            TimeSpan.FromSeconds(30),
            $"topic {name} to have {partitions} partitions with leaders",
            cancellationToken);
    }

    /// <summary>A producer configuration for this cluster with the test settings of <see cref="KafkaTestClientConfig"/>.</summary>
    /// <returns>A new configuration.</returns>
    public ProducerConfig ProducerConfig() => KafkaTestClientConfig.ForProducer(BootstrapServers);

    /// <summary>A consumer configuration for this cluster with the test settings of <see cref="KafkaTestClientConfig"/>.</summary>
    /// <param name="groupId">The consumer group (see <see cref="NewGroupId"/>).</param>
    /// <returns>A new configuration.</returns>
    public ConsumerConfig ConsumerConfig(string groupId) => KafkaTestClientConfig.ForConsumer(BootstrapServers, groupId);

    /// <summary>An admin client configuration for this cluster.</summary>
    /// <returns>A new configuration.</returns>
    public AdminClientConfig AdminConfig() => KafkaTestClientConfig.ForAdmin(BootstrapServers);

    /// <inheritdoc />
    public override string ToString() => $"{Kind} cluster at {BootstrapServers} ({SelectionReason})";

    private static string Sanitize(string prefix)
    {
        var builder = new StringBuilder(Math.Min(prefix.Length, 100));
        foreach (var c in prefix.AsSpan(0, Math.Min(prefix.Length, 100)))
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        return builder.Length == 0 ? "test" : builder.ToString();
    }
}
