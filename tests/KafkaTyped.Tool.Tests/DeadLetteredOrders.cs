using System.Diagnostics;
using Confluent.Kafka;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Tool.Tests;

/// <summary>
/// A service with two consumer groups on one topic, both running ReserveStock and SendReceipt: in the "billing" group
/// ReserveStock refuses orders without an amount (a permanent failure), so the real pipeline dead-letters them to
/// <c>&lt;topic&gt;.dlq</c>; the "audit" group handles everything. The host keeps running, so replays reach it.
/// </summary>
public sealed class DeadLetteredOrders : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The orders published, in order; <see cref="Refused"/> of them have no amount.</summary>
    public static readonly OrderPlaced[] Orders =
    [
        new("o-1", 10.50m, "ada"),
        new("o-2", 0m, "bob"),
        new("o-3", 7m, "cyd"),
        new("o-4", 0m, "dee"),
        new("o-5", 3.25m, "eve"),
    ];

    public static readonly string[] Refused = ["o-2", "o-4"];

    private DeadLetteredOrders(ToolCluster cluster, string topic, string billing, string audit, IHost host, OrderBook book)
    {
        Cluster = cluster;
        Topic = topic;
        Billing = billing;
        Audit = audit;
        Host = host;
        Book = book;
    }

    public ToolCluster Cluster { get; }

    public string Topic { get; }

    public string DeadLetterTopic => Topic + ".dlq";

    public string Billing { get; }

    public string Audit { get; }

    public IHost Host { get; }

    public OrderBook Book { get; }

    public string Servers => Cluster.BootstrapServers;

    public static async Task<DeadLetteredOrders> StartAsync(ToolCluster cluster, CancellationToken cancellationToken)
    {
        var topic = ToolCluster.Unique("orders");
        var billing = ToolCluster.Unique("billing");
        var audit = ToolCluster.Unique("audit");
        cluster.Cluster.CreateTopic(topic, 1);
        cluster.Cluster.CreateTopic(topic + ".dlq", 1);
        var book = new OrderBook { FailingGroup = billing };

        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-tool-tests" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(book);
        var kafka = builder.Services.AddKafkaTyped().UseTestCluster(cluster.BootstrapServers);
        builder.Services.Configure<KafkaTypedOptions>(options =>
        {
            options.Consumers.Add(Group(billing, topic));
            options.Consumers.Add(Group(audit, topic));
        });
        kafka.AddGeneratedHandlers();
        var host = builder.Build();

        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        foreach (var order in Orders)
        {
            await publisher.PublishAsync(order, topic, headers: null, cancellationToken);
        }

        await host.StartAsync(cancellationToken);
        var scenario = new DeadLetteredOrders(cluster, topic, billing, audit, host, book);
        await scenario.WaitUntilCommittedAsync(billing, Orders.Length, cancellationToken);
        await scenario.WaitUntilCommittedAsync(audit, Orders.Length, cancellationToken);
        await WaitUntilAsync(() => scenario.EndOffset(scenario.DeadLetterTopic) == Refused.Length, $"{Refused.Length} dead letters", cancellationToken);
        return scenario;
    }

    /// <summary>Writes an order to the topic with a plain producer (key, MessagePack value, ce_type): for when the service is stopped.</summary>
    public async Task ProduceRawAsync(OrderPlaced order)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(KafkaTestClientConfig.ForProducer(Servers)).Build();
        await producer.ProduceAsync(Topic, new Message<byte[], byte[]>
        {
            Key = System.Text.Encoding.UTF8.GetBytes(order.OrderId),
            Value = KafkaTyped.Serialization.KafkaSerializer.Serialize(order),
            Headers = new Headers { { "ce_type", "tool.order-placed"u8.ToArray() }, { "ce_id", System.Text.Encoding.UTF8.GetBytes(Guid.CreateVersion7().ToString()) } },
        });
    }

    /// <summary>The end offset (high watermark) of partition 0 of <paramref name="topic"/>.</summary>
    public long EndOffset(string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClientConfig.ForConsumer(Servers, "tool-tests-watermarks")).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
    }

    public long Committed(string group, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClientConfig.ForConsumer(Servers, group)).Build();
        return consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }

    public Task WaitUntilCommittedAsync(string group, long offset, CancellationToken cancellationToken)
        => WaitUntilAsync(() => Committed(group, Topic) >= offset, $"group {group} to commit {Topic} up to {offset}", cancellationToken);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > Deadline)
            {
                Assert.Fail($"Timed out after {Deadline.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }

    private static ConsumerOptions Group(string id, string topic) => new()
    {
        GroupId = id,
        Topics = { topic },
        CommitInterval = TimeSpan.FromMilliseconds(200),
        Properties =
        {
            // The embedded cluster keeps a closed member until its session expires: short sessions keep tests quick.
            ["session.timeout.ms"] = "2000",
            ["heartbeat.interval.ms"] = "200",
        },
    };
}
