using Microsoft.CodeAnalysis.Testing;
using Fix = KafkaTyped.Analyzers.Tests.CodeFixVerifier<KafkaTyped.Analyzers.HandlerDeclarationAnalyzer, KafkaTyped.CodeFixes.AddKafkaMessageCodeFixProvider>;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.HandlerDeclarationAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class HandlerDeclarationAnalyzerTests
{
    [Fact]
    public Task Handler_of_a_message_reports_nothing() => Verify.VerifyAsync("""
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        // Implements the contract by hand: the runtime accepts it, so the handler is fine.
        public sealed record HandMade(Guid Id) : IKafkaMessage<HandMade>
        {
            public static string TypeId => "hand-made";
            public static ReadOnlySpan<byte> TypeIdUtf8 => "hand-made"u8;
            public static string? DefaultTopic => null;
            public static bool HasKey => false;
            public static MessageFormat Format => MessageFormat.MessagePack;
            public static byte[]? SerializeKey(HandMade message) => null;
            public static KafkaTyped.Serialization.KafkaTypeInfo<HandMade> TypeInfo => null!;
        }

        public sealed class HandMadeHandler : IHandle<HandMade>
        {
            public ValueTask HandleAsync(HandMade message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public abstract class GenericHandler<T> : IHandle<T>
        {
            public ValueTask HandleAsync(T message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task Handler_of_a_plain_type_is_reported_on_the_base_type() => Verify.VerifyAsync(
        """
        public record OrderCreated(Guid OrderId);

        public sealed class ReserveStock : IDisposable, {|#0:IHandle<OrderCreated>|}
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
            public void Dispose() { }
        }

        public sealed class Everything : {|#1:IHandle<string>|}
        {
            public ValueTask HandleAsync(string message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.HandlerOfNonMessage).WithLocation(0).WithArguments("ReserveStock", "OrderCreated"),
        new DiagnosticResult(DiagnosticDescriptors.HandlerOfNonMessage).WithLocation(1).WithArguments("Everything", "string"));

    [Fact]
    public Task Fix_declares_the_record_as_a_message() => Fix.VerifyAsync(
        """
        public record OrderCreated(Guid OrderId);

        public sealed class ReserveStock : {|KT0020:IHandle<OrderCreated>|}
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task Fix_adds_the_using_and_keeps_existing_attributes() => Fix.VerifyAsync(
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Shop
        {
            /// <summary>An order was paid.</summary>
            [Serializable]
            sealed class HTTPOrderPaid
            {
                public Guid Id { get; init; }
            }

            public sealed class Handler : {|KT0020:KafkaTyped.IHandle<HTTPOrderPaid>|}
            {
                ValueTask KafkaTyped.IHandle<HTTPOrderPaid>.HandleAsync(HTTPOrderPaid message, KafkaTyped.MessageContext context, CancellationToken cancellationToken) => default;
            }
        }
        """,
        """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using KafkaTyped;

        namespace Shop
        {
            /// <summary>An order was paid.</summary>
            [KafkaMessage("http-order-paid")]
            [Serializable]
            sealed partial class HTTPOrderPaid
            {
                public Guid Id { get; init; }
            }

            public sealed class Handler : KafkaTyped.IHandle<HTTPOrderPaid>
            {
                ValueTask KafkaTyped.IHandle<HTTPOrderPaid>.HandleAsync(HTTPOrderPaid message, KafkaTyped.MessageContext context, CancellationToken cancellationToken) => default;
            }
        }
        """,
        addUsings: false);

    [Fact]
    public async Task No_fix_for_a_type_from_metadata()
    {
        var source = TestSetup.Usings + """
            public sealed class Everything : {|KT0020:IHandle<string>|}
            {
                public ValueTask HandleAsync(string message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """;
        var test = new Fix.Test { TestCode = source, FixedCode = source };
        await test.RunAsync(TestContext.Current.CancellationToken);
    }
}
