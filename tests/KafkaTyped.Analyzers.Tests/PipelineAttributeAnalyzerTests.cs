using Microsoft.CodeAnalysis.Testing;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.PipelineAttributeAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class PipelineAttributeAnalyzerTests
{
    private const string Messages = """
        [KafkaMessage("order-created")]
        public partial record OrderCreated([property: MessageKey] Guid OrderId);

        [KafkaMessage("heartbeat")]
        public partial record Heartbeat(DateTimeOffset At);

        """;

    [Fact]
    public Task Sensible_values_report_nothing() => Verify.VerifyAsync(Messages + """
        [Retry(5, BaseDelayMilliseconds = 100, MaxDelayMilliseconds = 100)]
        [Ordering(OrderingMode.Key, MaxConcurrency = 16)]
        [Deduplicate(WindowSeconds = 3600)]
        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Retry(1)]
        [Ordering(OrderingMode.None)]
        [Deduplicate]
        [KafkaMessage("audit")]
        public partial record Audit(string Text);

        [Ordering(OrderingMode.Partition, MaxConcurrency = 0)]
        public sealed class Beat : IHandle<Heartbeat>
        {
            public ValueTask HandleAsync(Heartbeat message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public Task Impossible_retry_values_are_reported_on_the_argument() => Verify.VerifyAsync(
        Messages + """
        [Retry({|#0:0|})]
        public sealed class A : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Retry(maxAttempts: {|KT0030:-3|}, BaseDelayMilliseconds = {|KT0030:-1|})]
        public sealed class B : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Retry(3, BaseDelayMilliseconds = 500, MaxDelayMilliseconds = {|#1:100|})]
        public sealed class C : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Retry(3, BaseDelayMilliseconds = {|KT0030:60_000|})]
        [KafkaMessage("slow")]
        public partial record Slow(string Text);

        [Retry(3, MaxDelayMilliseconds = {|KT0030:-5|})]
        [KafkaMessage("negative")]
        public partial record Negative(string Text);
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidRetry).WithLocation(0)
            .WithArguments("A", "maxAttempts is 0, but it counts the first attempt and must be at least 1 (1 means no retry)"),
        new DiagnosticResult(DiagnosticDescriptors.InvalidRetry).WithLocation(1)
            .WithArguments("C", "MaxDelayMilliseconds 100 is below BaseDelayMilliseconds 500; the maximum delay must be at least the base delay"));

    [Fact]
    public Task Key_ordering_on_a_message_without_key_is_reported() => Verify.VerifyAsync(
        Messages + """
        [Ordering({|#0:OrderingMode.Key|})]
        public sealed class Beat : IHandle<Heartbeat>, IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(Heartbeat message, MessageContext context, CancellationToken cancellationToken) => default;
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Ordering({|KT0031:OrderingMode.Key|})]
        [KafkaMessage("tick")]
        public partial record Tick(long At);
        """,
        new DiagnosticResult(DiagnosticDescriptors.KeyOrderingWithoutKey).WithLocation(0).WithArguments("Beat", "Heartbeat"));

    [Fact]
    public Task Impossible_ordering_and_dedup_values_are_reported() => Verify.VerifyAsync(Messages + """
        [Ordering({|KT0032:(OrderingMode)7|}, MaxConcurrency = {|KT0032:-1|})]
        [Deduplicate(WindowSeconds = {|KT0033:0|})]
        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Deduplicate(WindowSeconds = {|KT0033:-60|})]
        [KafkaMessage("audit")]
        public partial record Audit(string Text);
        """);

    [Fact]
    public Task Attributes_on_other_types_are_reported_as_without_effect() => Verify.VerifyAsync(Messages + """
        [{|KT0034:Retry(3)|}]
        [{|KT0034:Deduplicate|}]
        public sealed class NotAHandler
        {
        }
        """);

    [Fact]
    public Task Non_retryable_types_and_dead_letter_topics_that_are_valid_report_nothing() => Verify.VerifyAsync(Messages + """
        public sealed class CardDeclinedException : InvalidOperationException;

        [Retry(3, NonRetryable = [typeof(CardDeclinedException), typeof(ArgumentException)])]
        [DeadLetterTopic("orders.reserve-stock.failed")]
        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [DeadLetterTopic("audit.dlq")]
        [KafkaMessage("audit")]
        public partial record Audit(string Text);
        """);

    [Fact]
    public Task A_non_retryable_entry_that_is_not_an_exception_is_reported() => Verify.VerifyAsync(
        Messages + """
        [Retry(3, NonRetryable = {|#0:[typeof(ArgumentException), typeof(string)]|})]
        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidRetry).WithLocation(0).WithArguments("ReserveStock", "NonRetryable lists 'string', which is not an exception type"));

    [Fact]
    public Task An_invalid_dead_letter_topic_is_reported_on_the_argument() => Verify.VerifyAsync(
        Messages + """
        [DeadLetterTopic({|#0:"orders failed"|})]
        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [DeadLetterTopic({|KT0035:".."|})]
        [KafkaMessage("audit")]
        public partial record Audit(string Text);

        [{|KT0034:DeadLetterTopic("x.dlq")|}]
        public sealed class NotAHandler
        {
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidDeadLetterTopic).WithLocation(0).WithArguments("ReserveStock", "orders failed", "the character U+0020 is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'"));
}
