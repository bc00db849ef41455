using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.HandlerDeclarationAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>KT0023: a handler the generator does not find, because its own base list does not name IHandle&lt;T&gt;.</summary>
public sealed class HandlerDiscoveryAnalyzerTests
{
    [Fact]
    public Task Handlers_that_name_the_interface_report_nothing() => Verify.VerifyAsync("""
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public abstract class HandlerBase : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class Named : HandlerBase, IHandle<OrderCreated> { }

        public sealed class Qualified : KafkaTyped.IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task A_handler_through_a_base_class_is_reported() => Verify.VerifyAsync("""
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public abstract class HandlerBase : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class {|#0:Inherited|} : HandlerBase { }
        """,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(DiagnosticDescriptors.HandlerNotDiscovered)
            .WithLocation(0)
            .WithArguments("Inherited", "OrderCreated", "its base class 'HandlerBase'"));

    [Fact]
    public Task A_handler_through_a_using_alias_is_reported() => Verify.VerifyAsync("""
        using OrderHandler = KafkaTyped.IHandle<OrderCreated>;

        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public sealed class {|#0:Aliased|} : OrderHandler
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(DiagnosticDescriptors.HandlerNotDiscovered)
            .WithLocation(0)
            .WithArguments("Aliased", "OrderCreated", "a using alias"));
}
