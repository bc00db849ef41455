using Microsoft.CodeAnalysis.Testing;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.SchemaCompatibilityAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class SchemaCompatibilityAnalyzerTests
{
    private const string LockPath = "kafkatyped.schema.lock";

    private const string Lock = """
        # KafkaTyped schema lock
        message order-created
          0 OrderId: System.Guid
          1 Customer: string
          2 Amount: decimal
          3 Lines: System.Collections.Generic.List<string>
        message order-shipped
          0 Id: System.Guid
          1 Carrier: int?
        """;

    private const string Current = """
        [KafkaMessage("order-created")]
        public partial record OrderCreated([property: MessageKey] Guid OrderId, string Customer, decimal Amount, List<string> Lines);

        [KafkaMessage("order-shipped")]
        public partial class OrderShipped
        {
            public const int Version = 1;
            public static int Count;
            public Guid Id { get; init; }
            public string Display => Id.ToString();
            private int hidden;
            public int? Carrier;
            public int Hidden => hidden;
        }

        """;

    [Fact]
    public Task No_lock_file_means_no_check() => Verify.VerifyAsync(Current);

    [Fact]
    public Task Matching_lock_reports_nothing() => Verify.VerifyAsync(Current, [(LockPath, Lock)]);

    [Fact]
    public Task Members_added_at_the_end_and_new_messages_are_compatible_and_only_noted() => Verify.VerifyAsync(
        """
        [KafkaMessage("order-created")]
        public partial record {|#0:OrderCreated|}(Guid OrderId, string Customer, decimal Amount, List<string> Lines, string? Note)
        {
            public DateTimeOffset? At { get; init; }
        }

        [KafkaMessage("order-shipped")]
        public partial record OrderShipped(Guid Id, int? Carrier);

        [KafkaMessage("order-cancelled")]
        public partial record {|#1:OrderCancelled|}(Guid Id);
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the members 'Note', 'At' of message 'order-created'"),
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(1).WithArguments("message 'order-cancelled' (OrderCancelled)"));

    [Fact]
    public Task A_format_change_is_compatible_and_only_noted_and_a_recorded_format_is_read() => Verify.VerifyAsync(
        """
        [KafkaMessage("order-created", Format = MessageFormat.Json)]
        public partial record {|#0:OrderCreated|}(Guid OrderId, string Customer, decimal Amount, List<string> Lines);

        [KafkaMessage("order-shipped", Format = MessageFormat.JsonEnvelope)]
        public partial record OrderShipped(Guid Id, int? Carrier);
        """,
        [(LockPath, Lock.Replace("message order-shipped", "message order-shipped format=json-envelope", StringComparison.Ordinal))],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the format of message 'order-created' (json)"));

    [Fact]
    public Task Removed_member_is_reported_on_the_type() => Verify.VerifyAsync(
        """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId, string Customer, decimal Amount, List<string> Lines);

        [KafkaMessage("order-shipped")]
        public partial record {|#0:OrderShipped|}(Guid Id);
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberRemoved).WithLocation(0).WithArguments("Carrier", "int?", 1, "order-shipped"));

    [Fact]
    public Task Reordered_members_are_reported_on_the_members() => Verify.VerifyAsync(
        """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId, decimal {|#0:Amount|}, string {|#1:Customer|}, List<string> Lines);

        [KafkaMessage("order-shipped")]
        public partial record OrderShipped(Guid Id, int? Carrier);
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberReordered).WithLocation(1).WithArguments("Customer", "order-created", 1, 2),
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberReordered).WithLocation(0).WithArguments("Amount", "order-created", 2, 1));

    [Fact]
    public Task Changed_member_type_is_reported_on_the_member() => Verify.VerifyAsync(
        """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId, string Customer, double {|#0:Amount|}, List<string> Lines);

        [KafkaMessage("order-shipped")]
        public partial class OrderShipped
        {
            public Guid Id { get; set; }
            public long? {|#1:Carrier|};
        }
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberTypeChanged).WithLocation(0).WithArguments("Amount", "order-created", "double", "decimal"),
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberTypeChanged).WithLocation(1).WithArguments("Carrier", "order-shipped", "long?", "int?"));

    [Fact]
    public Task Changed_nullability_is_a_changed_type() => Verify.VerifyAsync(
        """
        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId, string? {|#0:Customer|}, decimal Amount, List<string?> {|#1:Lines|});

        [KafkaMessage("order-shipped")]
        public partial record OrderShipped(Guid Id, int? Carrier);
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberTypeChanged).WithLocation(0).WithArguments("Customer", "order-created", "string?", "string"),
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberTypeChanged).WithLocation(1).WithArguments("Lines", "order-created", "System.Collections.Generic.List<string?>", "System.Collections.Generic.List<string>"));

    [Fact]
    public Task Unreadable_lock_lines_are_reported_in_the_lock_file() => Verify.VerifyAsync(
        Current,
        [(LockPath, Lock + "\n  7 Oops: int\nsomething else\n")],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockInvalid).WithSpan(LockPath, 10, 1, 10, 14)
            .WithArguments("line 10: member 'Oops' of 'order-shipped' is at position 7, expected 2"),
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockInvalid).WithSpan(LockPath, 11, 1, 11, 15)
            .WithArguments("line 11: expected '  <position> <name>: <type>' or '  avro <schema>', found 'something else'"));

    [Fact]
    public async Task Nothing_is_checked_while_the_lock_is_being_updated()
    {
        var test = new AnalyzerVerifier<SchemaCompatibilityAnalyzer>.Test
        {
            TestCode = TestSetup.Usings + """
                [KafkaMessage("order-created")]
                public partial record OrderCreated(string Customer);
                """,
        };
        test.TestState.AdditionalFiles.Add((LockPath, Lock + "\ngarbage\n"));
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\nbuild_property.KafkaTypedUpdateSchemaLock = true\n"));
        await test.RunAsync(TestContext.Current.CancellationToken);
    }
}
