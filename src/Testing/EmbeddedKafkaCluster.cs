using System.Globalization;
using Confluent.Kafka;
using KafkaTyped.Shared;
using KafkaTyped.Testing.Native;

namespace KafkaTyped.Testing;

/// <summary>
/// A Kafka cluster that runs inside the current process: librdkafka's mock cluster, which speaks
/// the real Kafka protocol on loopback TCP ports, with producers, idempotence, transactions,
/// consumer groups and offset commits. Point any Kafka client at <see cref="BootstrapServers"/>.
/// </summary>
/// <remarks>
/// <para>
/// Start one with <see cref="Start(EmbeddedKafkaClusterOptions?)"/> or a constructor, and dispose it
/// to stop it: disposing closes every listener (clients see connection refused) and frees its
/// memory. Several clusters can live in one process; each has its own ports and data. Every member
/// is thread-safe.
/// </para>
/// <para>
/// Topics are created with <see cref="CreateTopic(string, int)"/>, or created automatically with
/// 4 partitions when a client first asks for them (producers do by default; consumers do when
/// <c>allow.auto.create.topics</c> is true). The cluster has no admin API (CreateTopics,
/// DeleteTopics, configs), keeps at most about 5 MiB per partition (older records are dropped
/// silently), does not check sequence numbers of non-transactional idempotent producers,
/// lets <c>read_committed</c> consumers see aborted records and does not store offsets sent with
/// <c>SendOffsetsToTransaction</c>. Tests of those behaviours need a real broker.
/// </para>
/// <para>
/// Fault injection: <see cref="SetBrokerDown(int)"/> / <see cref="SetBrokerUp(int)"/>,
/// <see cref="PushRequestErrors(KafkaApiKey, ErrorCode[])"/>,
/// <see cref="SetPartitionLeader(string, int, int)"/>,
/// <see cref="SetBrokerRoundTripTime(int, TimeSpan)"/> and
/// <see cref="SetCoordinator(CoordinatorType, string, int)"/>.
/// </para>
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable, IAsyncDisposable
{
    /// <summary>Broker id that addresses every broker of the cluster in the broker-level operations.</summary>
    public const int AllBrokers = -1;

    /// <summary>Broker id that leaves a partition without a leader in <see cref="SetPartitionLeader(string, int, int)"/>.</summary>
    public const int NoLeader = -1;

    /// <summary>Number of partitions of a topic the cluster creates automatically on first use.</summary>
    public const int AutoCreatedTopicPartitions = 4;

    private const int ErrorBufferSize = 512;

    private readonly MockClusterHandle _handle;

    // librdkafka serves mock commands on one thread; calls issued from several threads at once are
    // answered far more slowly (milliseconds each) than the same calls issued one after another.
    private readonly Lock _gate = new();

    /// <summary>Starts a cluster with <see cref="EmbeddedKafkaClusterOptions.DefaultBrokerCount"/> broker(s) and default options.</summary>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded; the message lists the paths tried.</exception>
    public EmbeddedKafkaCluster()
        : this(new EmbeddedKafkaClusterOptions())
    {
    }

    /// <summary>Starts a cluster with <paramref name="brokerCount"/> brokers (ids 1 to <paramref name="brokerCount"/>) and default options.</summary>
    /// <param name="brokerCount">Number of brokers, 1 to <see cref="EmbeddedKafkaClusterOptions.MaxBrokerCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerCount"/> is out of range.</exception>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded; the message lists the paths tried.</exception>
    public EmbeddedKafkaCluster(int brokerCount)
        : this(new EmbeddedKafkaClusterOptions { BrokerCount = brokerCount })
    {
    }

    /// <summary>Starts a cluster with the given options.</summary>
    /// <param name="options">The cluster's settings.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded; the message lists the paths tried.</exception>
    /// <exception cref="KafkaException">librdkafka refused to create the cluster.</exception>
    public EmbeddedKafkaCluster(EmbeddedKafkaClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        LibRdKafkaLoader.EnsureLoaded();

        BrokerCount = options.BrokerCount;
        _handle = CreateCluster(options);
        try
        {
            LibRdKafka.MockGroupInitialRebalanceDelayMs(_handle, (int)options.GroupInitialRebalanceDelay.TotalMilliseconds);
            unsafe
            {
                BootstrapServers = LibRdKafka.ReadString(LibRdKafka.MockClusterBootstraps(_handle));
            }
        }
        catch
        {
            _handle.Dispose();
            throw;
        }

        if (BootstrapServers.Length == 0)
        {
            _handle.Dispose();
            throw new KafkaException(new Error(ErrorCode.Local_Fail, "Embedded Kafka cluster: librdkafka returned no bootstrap servers for the new mock cluster."));
        }
    }

    /// <summary>
    /// The brokers' addresses, a comma-separated <c>host:port</c> list on loopback, for
    /// <c>bootstrap.servers</c>.
    /// </summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The native library file the cluster runs on (for diagnostics), once a cluster started.</summary>
    public static string? NativeLibraryPath => LibRdKafkaLoader.LoadedPath;

    /// <summary>Starts a cluster.</summary>
    /// <param name="options">The cluster's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The running cluster; dispose it to stop it.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded; the message lists the paths tried.</exception>
    public static EmbeddedKafkaCluster Start(EmbeddedKafkaClusterOptions? options = null) =>
        new(options ?? new EmbeddedKafkaClusterOptions());

    /// <summary>
    /// Creates a topic. Unlike a real broker's CreateTopics, this takes effect immediately: the next
    /// metadata request of any client sees it.
    /// </summary>
    /// <param name="name">Topic name.</param>
    /// <param name="partitions">Number of partitions, at least 1.</param>
    /// <param name="replicationFactor">
    /// Replicas per partition, at least 1; values above <see cref="BrokerCount"/> are capped to it.
    /// Each partition's leader is picked at random among its replicas.
    /// </param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    /// <exception cref="KafkaException">The topic already exists (<see cref="ErrorCode.TopicAlreadyExists"/>) or the cluster refused it.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void CreateTopic(string name, int partitions, int replicationFactor)
    {
        ValidateTopicName(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);

        int error;
        lock (_gate)
        {
            ThrowIfDisposed();
            error = LibRdKafka.MockTopicCreate(_handle, name, partitions, replicationFactor);
        }

        ThrowIfError(error, $"cannot create topic '{name}' with {partitions} partition(s) and replication factor {replicationFactor}");
    }

    /// <summary>
    /// Creates a topic with a replication factor of <c>min(3, <see cref="BrokerCount"/>)</c>, the
    /// same as for automatically created topics.
    /// </summary>
    /// <param name="name">Topic name.</param>
    /// <param name="partitions">Number of partitions, at least 1.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    /// <exception cref="KafkaException">The topic already exists (<see cref="ErrorCode.TopicAlreadyExists"/>) or the cluster refused it.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void CreateTopic(string name, int partitions) => CreateTopic(name, partitions, Math.Min(3, BrokerCount));

    /// <summary>
    /// Takes a broker down: its connections are closed and new connections are refused, on the same
    /// port, until <see cref="SetBrokerUp(int)"/>. Partition leadership does not move (use
    /// <see cref="SetPartitionLeader(string, int, int)"/> for that), so partitions it leads are
    /// unavailable meanwhile.
    /// </summary>
    /// <param name="brokerId">Broker id, 1 to <see cref="BrokerCount"/>, or <see cref="AllBrokers"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerId"/> is not a broker of this cluster.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void SetBrokerDown(int brokerId)
    {
        ValidateBrokerId(brokerId, allowAll: true);
        int error;
        lock (_gate)
        {
            ThrowIfDisposed();
            error = LibRdKafka.MockBrokerSetDown(_handle, brokerId);
        }

        ThrowIfError(error, $"cannot take broker {DescribeBroker(brokerId)} down");
    }

    /// <summary>Lets a broker taken down by <see cref="SetBrokerDown(int)"/> accept connections again, on its original port.</summary>
    /// <param name="brokerId">Broker id, 1 to <see cref="BrokerCount"/>, or <see cref="AllBrokers"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerId"/> is not a broker of this cluster.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void SetBrokerUp(int brokerId)
    {
        ValidateBrokerId(brokerId, allowAll: true);
        int error;
        lock (_gate)
        {
            ThrowIfDisposed();
            error = LibRdKafka.MockBrokerSetUp(_handle, brokerId);
        }

        ThrowIfError(error, $"cannot bring broker {DescribeBroker(brokerId)} up");
    }

    /// <summary>
    /// Delays every response of a broker by <paramref name="roundTripTime"/> (added latency), until
    /// set back to <see cref="TimeSpan.Zero"/>.
    /// </summary>
    /// <param name="brokerId">Broker id, 1 to <see cref="BrokerCount"/>, or <see cref="AllBrokers"/>.</param>
    /// <param name="roundTripTime">Delay, zero or positive, whole milliseconds (fractions are truncated).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void SetBrokerRoundTripTime(int brokerId, TimeSpan roundTripTime)
    {
        ValidateBrokerId(brokerId, allowAll: true);
        if (roundTripTime < TimeSpan.Zero || roundTripTime.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(roundTripTime), roundTripTime, "The round-trip time must be zero or positive and fit in int milliseconds.");
        }

        var milliseconds = (int)roundTripTime.TotalMilliseconds;
        int error;
        lock (_gate)
        {
            ThrowIfDisposed();
            error = LibRdKafka.MockBrokerSetRtt(_handle, brokerId, milliseconds);
        }

        ThrowIfError(error, $"cannot set the round-trip time of broker {DescribeBroker(brokerId)}");
    }

    /// <summary>
    /// Makes <paramref name="brokerId"/> the leader of a partition (the leader epoch is bumped, as on
    /// a real leader election). Clients learn it from the next metadata refresh, typically prompted
    /// by a <c>NOT_LEADER_OR_FOLLOWER</c> error from the old leader. If the topic does not exist it
    /// is created with <paramref name="partition"/> + 1 partitions.
    /// </summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="partition">Partition, 0 or more.</param>
    /// <param name="brokerId">New leader, 1 to <see cref="BrokerCount"/>, or <see cref="NoLeader"/> to leave the partition without a leader.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    /// <exception cref="KafkaException">The partition does not exist (<see cref="ErrorCode.UnknownTopicOrPart"/>).</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ValidateTopicName(topic, nameof(topic));
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ValidateBrokerId(brokerId, allowAll: true);
        int error;
        lock (_gate)
        {
            ThrowIfDisposed();
            error = LibRdKafka.MockPartitionSetLeader(_handle, topic, partition, brokerId);
        }

        ThrowIfError(error, $"cannot set the leader of {topic} [{partition}] to {DescribeBroker(brokerId)}");
    }

    /// <summary>
    /// Makes the next <paramref name="errors"/>.Length requests of type <paramref name="apiKey"/>,
    /// to any broker, fail with these errors in order (then requests succeed again). Passing
    /// <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead of
    /// answering. Retriable errors (for example <see cref="ErrorCode.NotEnoughReplicas"/> on
    /// <see cref="KafkaApiKey.Produce"/>) are retried by the client; others surface to the caller.
    /// </summary>
    /// <param name="apiKey">The request type.</param>
    /// <param name="errors">One error per request to fail, at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="errors"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        PushRequestErrors(apiKey, (ReadOnlySpan<ErrorCode>)errors);
    }

    /// <inheritdoc cref="PushRequestErrors(KafkaApiKey, ErrorCode[])"/>
    public unsafe void PushRequestErrors(KafkaApiKey apiKey, params ReadOnlySpan<ErrorCode> errors)
    {
        if (errors.IsEmpty)
        {
            throw new ArgumentException("At least one error is needed.", nameof(errors));
        }

        // ErrorCode is an int-backed enum with librdkafka's rd_kafka_resp_err_t values.
        fixed (ErrorCode* first = errors)
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                LibRdKafka.MockPushRequestErrorsArray(_handle, (short)apiKey, (nuint)errors.Length, (int*)first);
            }
        }
    }

    /// <summary>Removes the errors still pending for <paramref name="apiKey"/> from <see cref="PushRequestErrors(KafkaApiKey, ErrorCode[])"/>.</summary>
    /// <param name="apiKey">The request type.</param>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            LibRdKafka.MockClearRequestErrors(_handle, (short)apiKey);
        }
    }

    /// <summary>
    /// Pins the coordinator of a consumer group or of a transactional id to a broker (otherwise it is
    /// chosen by hashing the key), for example to take the coordinator down.
    /// </summary>
    /// <param name="type">Group or transaction coordinator.</param>
    /// <param name="key">The <c>group.id</c> or <c>transactional.id</c>.</param>
    /// <param name="brokerId">The broker, 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public void SetCoordinator(CoordinatorType type, string key, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ValidateBrokerId(brokerId, allowAll: false);
        var keyType = type switch
        {
            CoordinatorType.Group => "group",
            CoordinatorType.Transaction => "transaction",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown coordinator type."),
        };

        int error;
        lock (_gate)
        {
            ThrowIfDisposed();
            error = LibRdKafka.MockCoordinatorSet(_handle, keyType, key, brokerId);
        }

        ThrowIfError(error, $"cannot set the {keyType} coordinator of '{key}' to broker {brokerId}");
    }

    /// <summary>
    /// A producer configuration for this cluster with the settings recommended for tests
    /// (see <see cref="KafkaTestClientConfig"/>).
    /// </summary>
    /// <returns>A new configuration; change it freely.</returns>
    public ProducerConfig CreateProducerConfig() => KafkaTestClientConfig.ForProducer(BootstrapServers);

    /// <summary>
    /// A consumer configuration for this cluster and <paramref name="groupId"/> with the settings
    /// recommended for tests (see <see cref="KafkaTestClientConfig"/>).
    /// </summary>
    /// <param name="groupId">The consumer group.</param>
    /// <returns>A new configuration; change it freely.</returns>
    public ConsumerConfig CreateConsumerConfig(string groupId) => KafkaTestClientConfig.ForConsumer(BootstrapServers, groupId);

    /// <summary>
    /// Points KafkaTyped's options at this cluster: sets <see cref="KafkaTypedOptions.BootstrapServers"/> and fills in
    /// the client settings recommended for tests (see <see cref="KafkaTestClientConfig"/>) wherever the options leave
    /// them unset, for the publisher and for every consumer group already in <see cref="KafkaTypedOptions.Consumers"/>.
    /// With a service collection, prefer <see cref="KafkaTypedTestingExtensions.UseEmbeddedCluster"/>, which also covers
    /// groups added later.
    /// </summary>
    /// <param name="options">The options to configure.</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <example>
    /// <code>
    /// var options = cluster.Configure(new KafkaTypedOptions());
    /// </code>
    /// </example>
    public KafkaTypedOptions Configure(KafkaTypedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.BootstrapServers = BootstrapServers;
        KafkaTestClientConfig.ApplyDefaults(options, embedded: true);
        return options;
    }

    /// <summary>
    /// Stops the cluster: closes its listeners and connections and frees its data. Safe to call more
    /// than once and from several threads; operations still running finish first, later ones throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>Stops the cluster, as <see cref="Dispose"/>.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"EmbeddedKafkaCluster({BrokerCount} broker(s), {BootstrapServers}{(IsDisposed ? ", disposed" : string.Empty)})");

    private static unsafe MockClusterHandle CreateCluster(EmbeddedKafkaClusterOptions options)
    {
        var errorBuffer = stackalloc byte[ErrorBufferSize];
        var conf = LibRdKafka.ConfNew();
        if (conf == 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail, "Embedded Kafka cluster: rd_kafka_conf_new failed."));
        }

        nint rk;
        try
        {
            SetConf(conf, "client.id", "kafkatyped-embedded-cluster", errorBuffer);
            SetConf(conf, "log_level", options.LogLevel.ToString(CultureInfo.InvariantCulture), errorBuffer);

            rk = LibRdKafka.KafkaNew(LibRdKafka.ProducerType, conf, errorBuffer, ErrorBufferSize);
            if (rk == 0)
            {
                throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Embedded Kafka cluster: rd_kafka_new failed: {LibRdKafka.ReadString(errorBuffer)}"));
            }
        }
        catch
        {
            // rd_kafka_new takes ownership of conf only when it succeeds.
            LibRdKafka.ConfDestroy(conf);
            throw;
        }

        var mockCluster = LibRdKafka.MockClusterNew(rk, options.BrokerCount);
        if (mockCluster == 0)
        {
            LibRdKafka.KafkaDestroy(rk);
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"Embedded Kafka cluster: rd_kafka_mock_cluster_new failed for {options.BrokerCount} broker(s) (could it bind loopback ports?)."));
        }

        return MockClusterHandle.Create(rk, mockCluster);
    }

    private static unsafe void SetConf(nint conf, string name, string value, byte* errorBuffer)
    {
        if (LibRdKafka.ConfSet(conf, name, value, errorBuffer, ErrorBufferSize) != LibRdKafka.ConfOk)
        {
            throw new KafkaException(new Error(ErrorCode.Local_InvalidArg, $"Embedded Kafka cluster: cannot set '{name}={value}': {LibRdKafka.ReadString(errorBuffer)}"));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    private static unsafe void ThrowIfError(int error, string action)
    {
        if (error == 0)
        {
            return;
        }

        var code = (ErrorCode)error;
        var reason = LibRdKafka.ReadString(LibRdKafka.ErrorToString(error));
        throw new KafkaException(new Error(code, $"Embedded Kafka cluster: {action}: {reason} ({code})."));
    }

    private void ValidateBrokerId(int brokerId, bool allowAll)
    {
        if ((allowAll && brokerId == AllBrokers) || (brokerId >= 1 && brokerId <= BrokerCount))
        {
            return;
        }

        throw new ArgumentOutOfRangeException(
            nameof(brokerId),
            brokerId,
            allowAll
                ? $"The cluster has brokers 1 to {BrokerCount}; use one of them or {nameof(EmbeddedKafkaCluster)}.{nameof(AllBrokers)} (-1)."
                : $"The cluster has brokers 1 to {BrokerCount}.");
    }

    private static void ValidateTopicName(string name, string parameterName = "name")
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameterName);
        if (KafkaNames.ValidateTopic(name) is { } problem)
        {
            throw new ArgumentException($"Topic name '{name}' is not a valid Kafka topic name: {problem}.", parameterName);
        }
    }

    private static string DescribeBroker(int brokerId) =>
        brokerId == AllBrokers ? "(all)" : brokerId.ToString(CultureInfo.InvariantCulture);
}
