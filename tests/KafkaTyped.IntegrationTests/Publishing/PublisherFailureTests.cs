using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaTyped.IntegrationTests.Infrastructure;
using KafkaTyped.IntegrationTests.Messaging;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Publishing;

/// <summary>Every publish ends in a report, also when the service stops before Kafka answered or the producer goes fatal.</summary>
public sealed class PublisherFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Disposing_the_host_with_every_broker_down_faults_awaited_publishes_and_reports_batched_ones()
    {
        // Nothing listens at the address and records would wait for minutes (message.timeout.ms); the flush on
        // dispose gives up after 200 ms. What is left then must still be reported, not dropped with the producer.
        var failures = new FailureRecorder();
        var host = KafkaTypedTestHost.Build(
            "127.0.0.1:1",
            new HandlingRecorder(),
            o =>
            {
                o.Publisher.FlushTimeout = TimeSpan.FromMilliseconds(200);
                o.Publisher.Properties["message.timeout.ms"] = "600000";
            },
            services => services.AddSingleton<IDeliveryFailureHandler>(failures));
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();

        var awaited = publisher.PublishAsync(new OrderPlaced("order-1", 1, "customer"), "orders", cancellationToken: Ct);
        publisher.Publish(new OrderPlaced("order-2", 2, "customer"), "orders");
        await host.StopAsync(Ct);
        host.Dispose();

        var error = await Assert.ThrowsAsync<PublishException>(() => awaited.WaitAsync(Deadline, Ct));
        Assert.Equal(MessageContract.TypeIdOf<OrderPlaced>(), error.TypeId);
        Assert.True(error.Error.IsLocalError, error.Message);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal(MessageContract.TypeIdOf<OrderPlaced>(), failure.TypeId);
        Assert.Equal("order-2"u8.ToArray(), failure.Key);
    }

    [Fact]
    public async Task A_fatal_producer_error_is_logged_as_critical_and_stops_the_application()
    {
        // librdkafka fails an idempotent producer for good when the broker answers the head-of-line ProduceRequest with
        // OUT_OF_ORDER_SEQUENCE_NUMBER (rdkafka_request.c: "sequence desynchronization"): every later produce fails with
        // that fatal error. The request error is injected on a cluster of this test's own.
        await using var kafka = ClusterFixture.StartEmbeddedCluster(1);
        var topic = ClusterFixture.NewTopicName("producer-fatal");
        kafka.CreateTopic(topic, 1);
        var logs = new LogCapture();
        using var host = KafkaTypedTestHost.Build(kafka.BootstrapServers, new HandlingRecorder(), _ => { }, logs: logs);
        await host.StartAsync(Ct);
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await publisher.PublishAsync(new OrderPlaced("order-1", 1, "customer"), topic, cancellationToken: Ct);

        kafka.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.OutOfOrderSequenceNumber);
        var failed = await Assert.ThrowsAsync<PublishException>(() => publisher.PublishAsync(new OrderPlaced("order-1", 2, "customer"), topic, cancellationToken: Ct).WaitAsync(Deadline, Ct));
        TestContext.Current.SendDiagnosticMessage($"publish on the fatal producer: {failed.Message}");

        await Wait.UntilAsync(() => stopping.IsCancellationRequested, Deadline, "the fatal producer error to stop the application", Ct);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Critical && e.EventId == 105);
        var later = await Assert.ThrowsAsync<PublishException>(() => publisher.PublishAsync(new OrderPlaced("order-1", 3, "customer"), topic, cancellationToken: Ct).WaitAsync(Deadline, Ct));
        TestContext.Current.SendDiagnosticMessage($"later publish: {later.Message}");
        await host.StopAsync(Ct);
    }

    private sealed class FailureRecorder : IDeliveryFailureHandler
    {
        public ConcurrentQueue<DeliveryFailure> Failures { get; } = [];

        public void OnDeliveryFailed(DeliveryFailure failure) => Failures.Enqueue(failure);
    }
}
