using Microsoft.CodeAnalysis.Testing;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.MessageUsageAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// IMessagePublisher.PublishAsync requires T : IKafkaMessage&lt;T&gt;, which the generator implements, so these tests
/// run the real generator alongside the analyzer.
/// </summary>
public sealed class MessageUsageAnalyzerTests
{
    [Fact]
    public Task Handled_or_published_messages_report_nothing() => VerifyWithGeneratorAsync("""
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        [KafkaMessage("order-shipped")]
        public partial record OrderShipped(Guid OrderId);

        [KafkaMessage("order-paid")]
        public partial record OrderPaid(Guid OrderId);

        [KafkaMessage("order-audited")]
        public partial record OrderAudited(Guid OrderId);

        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class Shipping(IMessagePublisher publisher)
        {
            public Task ShipAsync(Guid id) => publisher.PublishAsync(new OrderShipped(id));
            public Task PayAsync(Guid id) => publisher.PublishAsync<OrderPaid>(new OrderPaid(id), "payments");
            public void Audit(Guid id) => publisher.Publish(new OrderAudited(id));
        }
        """);

    [Fact]
    public Task Message_without_handler_or_publish_is_reported_on_the_type() => VerifyWithGeneratorAsync(
        """
        [KafkaMessage("order-created")]
        public partial record {|#0:OrderCreated|}(Guid OrderId);

        public sealed class Other
        {
            // Not IMessagePublisher: not a publish call.
            public Task PublishAsync<T>(T message) => Task.CompletedTask;
            public Task RunAsync() => PublishAsync(new OrderCreated(Guid.NewGuid()));
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.MessageNeverUsed).WithLocation(0).WithArguments("OrderCreated", "\"order-created\""));

    private static async Task VerifyWithGeneratorAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerVerifier<MessageUsageAnalyzer>.Test { TestCode = TestSetup.Usings + source, RunGenerator = true, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(TestContext.Current.CancellationToken);
    }
}
