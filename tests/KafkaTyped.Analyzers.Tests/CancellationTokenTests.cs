using Microsoft.CodeAnalysis.Testing;
using Fix = KafkaTyped.Analyzers.Tests.CodeFixVerifier<KafkaTyped.Analyzers.HandlerBodyAnalyzer, KafkaTyped.CodeFixes.PassCancellationTokenCodeFixProvider>;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.HandlerBodyAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class CancellationTokenTests
{
    private const string Message = """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        public interface IStock
        {
            Task ReserveAsync(Guid id, CancellationToken cancellationToken = default);
            Task NotifyAsync(Guid id, string? note = null, CancellationToken cancellationToken = default);
            Task SaveAsync(Guid id);
            Task SaveAsync(Guid id, CancellationToken token);
            Task LogAsync(string text);
        }

        public static class StockExtensions
        {
            public static Task CheckAsync(this IStock stock, Guid id) => Task.CompletedTask;
            public static Task CheckAsync(this IStock stock, Guid id, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        """;

    [Fact]
    public Task Handler_passing_its_token_reports_nothing() => Verify.VerifyAsync(Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                await stock.ReserveAsync(message.OrderId, cancellationToken);
                await stock.NotifyAsync(message.OrderId, cancellationToken: cancellationToken);
                await stock.SaveAsync(message.OrderId, cancellationToken);
                await stock.CheckAsync(message.OrderId, cancellationToken);
                await stock.LogAsync("no token to pass");
                await stock.ReserveAsync(message.OrderId, CancellationToken.None); // an explicit choice
                await Task.Delay(10, cancellationToken);
            }
        }

        // Not a handler.
        public sealed class Tool(IStock stock)
        {
            public Task RunAsync(Guid id, CancellationToken cancellationToken) => stock.ReserveAsync(id);
        }
        """);

    [Fact]
    public Task Calls_that_could_take_the_token_are_reported() => Verify.VerifyAsync(
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken)
            {
                await {|#0:stock.ReserveAsync(message.OrderId)|};
                await {|KT0022:stock.NotifyAsync(message.OrderId)|};
                await {|KT0022:stock.SaveAsync(message.OrderId)|};
                await {|KT0022:stock.CheckAsync(message.OrderId)|};
                await {|KT0022:Task.Delay(10)|};
            }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.CancellationTokenNotPassed).WithLocation(0).WithArguments("IStock.ReserveAsync", "cancellationToken"));

    [Fact]
    public Task Fix_passes_the_token_positionally_or_by_name() => Fix.VerifyAsync(
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken ct)
            {
                await {|KT0022:stock.ReserveAsync(message.OrderId)|};
                await {|KT0022:stock.NotifyAsync(message.OrderId)|};
                await {|KT0022:stock.SaveAsync(message.OrderId)|};
                await {|KT0022:stock.CheckAsync(message.OrderId)|};
                await {|KT0022:Task.Delay(10)|};
                await Parallel.ForEachAsync(new[] { 1, 2 }, ct, async (item, token) => await {|KT0022:Task.Delay(item)|});
            }
        }
        """,
        Message + """
        public sealed class ReserveStock(IStock stock) : IHandle<OrderCreated>
        {
            public async ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken ct)
            {
                await stock.ReserveAsync(message.OrderId, ct);
                await stock.NotifyAsync(message.OrderId, cancellationToken: ct);
                await stock.SaveAsync(message.OrderId, ct);
                await stock.CheckAsync(message.OrderId, ct);
                await Task.Delay(10, ct);
                await Parallel.ForEachAsync(new[] { 1, 2 }, ct, async (item, token) => await Task.Delay(item, token));
            }
        }
        """);
}
