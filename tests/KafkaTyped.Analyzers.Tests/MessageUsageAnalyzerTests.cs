using Microsoft.CodeAnalysis.Testing;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.MessageUsageAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class MessageUsageAnalyzerTests
{
    [Fact]
    public Task Handled_or_published_messages_report_nothing() => Verify.VerifyAsync(TestSetup.PublisherSource + """

        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        [KafkaMessage("order-shipped")]
        public partial record OrderShipped(Guid OrderId);

        [KafkaMessage("order-paid")]
        public partial record OrderPaid(Guid OrderId);

        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class Shipping(IMessagePublisher publisher)
        {
            public ValueTask ShipAsync(Guid id) => publisher.PublishAsync(new OrderShipped(id));
            public ValueTask PayAsync(Guid id) => publisher.PublishAsync<OrderPaid>(new OrderPaid(id));
        }
        """);

    [Fact]
    public Task Message_without_handler_or_publish_is_reported_on_the_type() => Verify.VerifyAsync(
        TestSetup.PublisherSource + """

        [KafkaMessage("order-created")]
        public partial record {|#0:OrderCreated|}(Guid OrderId);

        public sealed class Other
        {
            // Not IMessagePublisher: not a publish call.
            public ValueTask PublishAsync<T>(T message) => default;
            public ValueTask RunAsync() => PublishAsync(new OrderCreated(Guid.NewGuid()));
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.MessageNeverUsed).WithLocation(0).WithArguments("OrderCreated", "\"order-created\""));
}
