namespace KafkaTyped;

/// <summary>
/// Options of KafkaTyped, bound from the configuration section <c>"KafkaTyped"</c> (see <see cref="SectionName"/>)
/// and then from the delegate given to <c>AddKafkaTyped</c>; validated when the host starts.
/// </summary>
/// <remarks>
/// librdkafka properties are applied in this order, later wins: KafkaTyped's defaults, <see cref="BootstrapServers"/>,
/// <see cref="Properties"/>, then <see cref="PublisherOptions.Properties"/> or <see cref="ConsumerOptions.Properties"/>.
/// </remarks>
public sealed class KafkaTypedOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "KafkaTyped";

    /// <summary>The Kafka bootstrap servers (<c>host:port,host:port</c>); required unless <c>bootstrap.servers</c> is set in <see cref="Properties"/>.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>
    /// The name of this service: the CloudEvents <c>ce_source</c> of published records and the default librdkafka
    /// <c>client.id</c>. Defaults to the host's application name.
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>librdkafka properties applied to the producer and to every consumer (security, timeouts, ...).</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Options of the publisher (<see cref="IMessagePublisher"/>).</summary>
    public PublisherOptions Publisher { get; set; } = new();

    /// <summary>The Schema Registry of Avro messages (<c>KafkaTyped:SchemaRegistry</c>); none when <see cref="KafkaTyped.SchemaRegistry.SchemaRegistryOptions.Url"/> is not set.</summary>
    public KafkaTyped.SchemaRegistry.SchemaRegistryOptions SchemaRegistry { get; set; } = new();

    /// <summary>
    /// The consumer groups this service runs; each gets its own Kafka consumer, poll thread and lanes. Groups can also be
    /// added in code with <see cref="KafkaTypedBuilderExtensions.AddConsumer"/>, which configures on top of a group of the same id here.
    /// </summary>
    public List<ConsumerOptions> Consumers { get; set; } = [];

    // The group ids KafkaTypedBuilderExtensions.AddConsumer configured: true when it added the group, false when it configured
    // one already in Consumers. Validation names those groups by the call. Internal, so configuration never binds it.
    internal Dictionary<string, bool> AddedConsumers { get; } = new(StringComparer.Ordinal);
}
