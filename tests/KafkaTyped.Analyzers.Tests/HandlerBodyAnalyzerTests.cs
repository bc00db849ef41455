using Microsoft.CodeAnalysis.Testing;
using Fix = KafkaTyped.Analyzers.Tests.CodeFixVerifier<KafkaTyped.Analyzers.HandlerBodyAnalyzer, KafkaTyped.CodeFixes.BlockingCallCodeFixProvider>;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.HandlerBodyAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class HandlerBodyAnalyzerTests
{
    private const string Message = """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public interface IStock
        {
            Task<int> CountAsync(Guid id);
            Task ReserveAsync(Guid id, CancellationToken cancellationToken = default);
            ValueTask<bool> ExistsAsync(Guid id, CancellationToken cancellationToken);
        }

        """;

    [Fact]
    public Task Awaiting_handler_reports_nothing() => Verify.VerifyAsync(Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                var count = await stock.CountAsync(message.OrderId).ConfigureAwait(false);
                await stock.ReserveAsync(message.OrderId, cancellationToken);
                await Task.Delay(count, cancellationToken);
            }
        }

        // Not a handler: blocking here is someone else's business.
        public sealed class Tool(IStock stock)
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                Thread.Sleep(1);
                return new ValueTask(stock.CountAsync(message.OrderId).Result > 0 ? Task.CompletedTask : Task.CompletedTask);
            }
        }
        """);

    [Fact]
    public Task Each_blocking_form_is_reported_at_the_call() => Verify.VerifyAsync(Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                var count = {|KT0021:stock.CountAsync(message.OrderId).Result|};
                {|KT0021:stock.ReserveAsync(message.OrderId, cancellationToken).Wait()|};
                var exists = {|KT0021:stock.ExistsAsync(message.OrderId, cancellationToken).GetAwaiter().GetResult()|};
                {|KT0021:Thread.Sleep(count)|};
                {|KT0021:Task.WaitAll(stock.ReserveAsync(message.OrderId, cancellationToken))|};
                Action later = () => {|KT0021:stock.ReserveAsync(message.OrderId, cancellationToken).Wait(100)|};
                return default;
            }
        }
        """);

    [Fact]
    public Task Explicit_interface_implementation_is_checked() => Verify.VerifyAsync(
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            ValueTask IHandle<OrderCreated>.HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                _ = {|#0:stock.CountAsync(message.OrderId).Result|};
                return default;
            }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.BlockingCallInHandler).WithLocation(0).WithArguments("stock.CountAsync(message.OrderId).Result", "ReserveStock"));

    [Fact]
    public Task Fix_awaits_in_an_async_handler() => Fix.VerifyAsync(
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                var count = {|KT0021:stock.CountAsync(message.OrderId).Result|} + 1;
                await Task.Yield();
            }
        }
        """,
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                var count = (await stock.CountAsync(message.OrderId)) + 1;
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Fix_makes_the_handler_async_and_drops_the_completed_task_return() => Fix.VerifyAsync(
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                if (message.OrderId == Guid.Empty)
                {
                    return ValueTask.CompletedTask;
                }

                {|KT0021:stock.ReserveAsync(message.OrderId, cancellationToken).Wait()|};
                return ValueTask.CompletedTask;
            }
        }
        """,
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                if (message.OrderId == Guid.Empty)
                {
                    return;
                }

                await stock.ReserveAsync(message.OrderId, cancellationToken);
            }
        }
        """);

    [Fact]
    public Task Fix_replaces_GetResult_with_await() => Fix.VerifyAsync(
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                var exists = {|KT0021:stock.ExistsAsync(message.OrderId, cancellationToken).GetAwaiter().GetResult()|};
            }
        }
        """,
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                var exists = await stock.ExistsAsync(message.OrderId, cancellationToken);
            }
        }
        """);

    [Fact]
    public Task Fix_replaces_Thread_Sleep_with_a_cancellable_delay() => Fix.VerifyAsync(
        Message + """
        public sealed class Slow : IHandle<OrderCreated>
        {
            ValueTask IHandle<OrderCreated>.HandleAsync(OrderCreated message, MessageContext context, CancellationToken ct)
            {
                {|KT0021:Thread.Sleep(TimeSpan.FromMilliseconds(50))|};
                return default;
            }
        }
        """,
        Message + """
        public sealed class Slow : IHandle<OrderCreated>
        {
            async ValueTask IHandle<OrderCreated>.HandleAsync(OrderCreated message, MessageContext context, CancellationToken ct)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            }
        }
        """);

    [Fact]
    public async Task No_fix_when_the_handler_returns_a_task_it_did_not_complete()
    {
        var source = TestSetup.Usings + Message + """
            public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
            {
                public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
                {
                    {|KT0021:Thread.Sleep(5)|};
                    return new ValueTask(stock.ReserveAsync(message.OrderId, cancellationToken));
                }
            }
            """;
        await new Fix.Test { TestCode = source, FixedCode = source }.RunAsync(TestContext.Current.CancellationToken);
    }
}
