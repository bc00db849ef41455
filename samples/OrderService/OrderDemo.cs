using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using KafkaTyped;

namespace OrderService;

/// <summary>The <c>--count</c> demo: publishes orders, waits until every message was handled, and summarises.</summary>
internal static class OrderDemo
{
    private static readonly string[] Customers = ["ada", "grace", "linus", "barbara", "ken"];

    public sealed record Result(bool Succeeded, string Summary);

    /// <summary>The demo waits for its own messages to be handled, so this service must consume the orders topic.</summary>
    public static bool IsConsumed(KafkaTypedOptions options, [NotNullWhen(false)] out string? problem)
    {
        if (options.Consumers.Exists(c => c.Topics.Contains(Topics.Orders)))
        {
            problem = null;
            return true;
        }

        problem = $"--count needs a consumer group of this service that reads '{Topics.Orders}': configure one in KafkaTyped:Consumers (see appsettings.json).";
        return false;
    }

    public static async Task<Result> RunAsync(IMessagePublisher publisher, InMemoryOrderBook orders, int count, TimeSpan timeout, CancellationToken stopping)
    {
        // Completes once every published message was handled; checked whenever the order book changes.
        var allHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (orders.Handled(OrderStatus.Placed) >= count && orders.Handled(OrderStatus.Paid) >= count && orders.Handled(OrderStatus.Shipped) >= count)
            {
                allHandled.TrySetResult();
            }
        }

        orders.Changed += Check;
        try
        {
            var stopwatch = Stopwatch.StartNew();

            // PublishAsync completes when the broker acknowledged the record (acks=all). Starting every call and awaiting
            // them together lets the client batch records (linger.ms); the producer is idempotent, so records of one
            // key (one order) stay in publish order on their partition.
            var published = new List<Task>(count * 3);
            for (var i = 0; i < count; i++)
            {
                var orderId = Guid.CreateVersion7();
                var lines = new[]
                {
                    new OrderLine($"SKU-{i % 97:000}", 1 + (i % 3), 9.99m),
                    new OrderLine("SKU-GIFTWRAP", 1, 2.50m),
                };
                var placed = new OrderPlaced(orderId, Customers[i % Customers.Length], lines, DateTimeOffset.UtcNow);
                published.Add(publisher.PublishAsync(placed, stopping));
                published.Add(publisher.PublishAsync(new PaymentCaptured(orderId, placed.Total, $"PAY-{i:000000}"), stopping));
                published.Add(publisher.PublishAsync(new OrderShipped(orderId, "PostNL", $"TRACK-{i:000000}"), stopping));
            }

            var publishElapsed = TimeSpan.Zero;
            try
            {
                await Task.WhenAll(published);
                publishElapsed = stopwatch.Elapsed;

                // Wait for the handlers: a condition with a deadline, not a sleep.
                Check();
                await allHandled.Task.WaitAsync(timeout, stopping);
            }
            catch (TimeoutException)
            {
                return new Result(false, Summarize(orders, count, publishElapsed, stopwatch.Elapsed,
                    $"FAILED: not every message was handled within {timeout.TotalSeconds:0} s (--timeout)."));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return new Result(false, Summarize(orders, count, publishElapsed, stopwatch.Elapsed,
                    "STOPPED before every message was handled."));
            }

            return new Result(true, Summarize(orders, count, publishElapsed, stopwatch.Elapsed, headline: null));
        }
        finally
        {
            orders.Changed -= Check;
        }
    }

    private static string Summarize(InMemoryOrderBook orders, int count, TimeSpan publishElapsed, TimeSpan elapsed, string? headline)
    {
        var published = count * 3L;
        var handled = orders.Handled(OrderStatus.Placed) + orders.Handled(OrderStatus.Paid) + orders.Handled(OrderStatus.Shipped);
        var summary = new StringBuilder();
        if (headline is not null)
        {
            summary.AppendLine(headline);
        }

        var c = CultureInfo.InvariantCulture;
        summary.AppendLine(c, $"Published        {published,8} messages ({count} orders x 3) in {publishElapsed.TotalSeconds:0.00} s");
        summary.AppendLine(c, $"Handled          {handled,8} messages");
        summary.AppendLine(c, $"  order-placed     {orders.Handled(OrderStatus.Placed),8}");
        summary.AppendLine(c, $"  payment-captured {orders.Handled(OrderStatus.Paid),8}");
        summary.AppendLine(c, $"  order-shipped    {orders.Handled(OrderStatus.Shipped),8}");
        summary.AppendLine(c, $"Out of order     {orders.OutOfOrder,8}");
        summary.AppendLine(c, $"Elapsed          {elapsed.TotalSeconds,8:0.00} s (publish + handle)");
        summary.Append(c, $"Throughput       {handled / elapsed.TotalSeconds,8:0} messages/s");
        return summary.ToString();
    }
}
