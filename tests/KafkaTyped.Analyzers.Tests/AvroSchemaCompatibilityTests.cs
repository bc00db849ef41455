using Microsoft.CodeAnalysis.Testing;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.SchemaCompatibilityAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// The Avro part of the schema lock: an Avro message's change is checked against its locked Avro schema by Avro's
/// resolution rules (KT0045), the new schema reading what the locked one wrote; compatible changes are only noted
/// (KT0043) until the lock is updated.
/// </summary>
public sealed class AvroSchemaCompatibilityTests
{
    private const string LockPath = "kafkatyped.schema.lock";

    private const string Old = """
        namespace Pay;

        public enum Channel { Card, Transfer, Cash }

        [KafkaData]
        public partial record Fee(string Name, decimal Amount);

        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record PaymentTaken(Guid PaymentId, [property: AvroDecimal(18, 4)] decimal Amount, Channel Channel)
        {
            public int Attempts { get; init; }
            public float Rate { get; init; }
            public string Reference { get; init; } = "";
            public string? Note { get; init; }
            public DateTime TakenAt { get; init; }
            public Fee? Fee { get; init; }
            public List<Fee> Fees { get; init; } = [];
        }
        """;

    private static readonly string Lock = "message payment-taken format=avro\n  avro " + AvroSchemaTextTests.SchemaOf(Old, "Pay.PaymentTaken") + "\n";

    [Fact]
    public Task The_locked_schema_itself_reports_nothing() => Verify.VerifyAsync(Old, [(LockPath, Lock)]);

    [Fact]
    public Task A_field_added_without_a_default_is_an_error_on_the_member() => Verify.VerifyAsync(
        Old.Replace("public int Attempts", "public string Operator { get; init; } = \"\";\n    public int Attempts", StringComparison.Ordinal)
            .Replace("public string Operator", "public string {|#0:Operator|}", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'operator'", "is not in the locked schema's records and has no default (a field added without a default; a nullable member defaults to null)"));

    [Fact]
    public Task A_type_change_that_is_not_a_promotion_is_an_error() => Verify.VerifyAsync(
        Old.Replace("public int Attempts", "public string {|#0:Attempts|}", StringComparison.Ordinal).Replace("{|#0:Attempts|} { get; init; }", "{|#0:Attempts|} { get; init; } = \"\";", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'attempts'", "changed type from 'int' to 'string', which is not a promotion Avro allows (int to long, float or double; long to float or double; float to double; string to bytes and back)"));

    [Fact]
    public Task A_narrowing_is_an_error() => Verify.VerifyAsync(
        Old.Replace("public float Rate", "public int {|#0:Rate|}", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'rate'", "changed type from 'float' to 'int', which is not a promotion Avro allows (int to long, float or double; long to float or double; float to double; string to bytes and back)"));

    [Fact]
    public Task An_enum_symbol_removed_is_an_error() => Verify.VerifyAsync(
        Old.Replace("Card, Transfer, Cash", "Card, Transfer", StringComparison.Ordinal).Replace("Channel Channel)", "Channel {|#0:Channel|})", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'channel'", "enum 'Pay.Channel' lost the symbol 'Cash', which the locked schema can write, and has no default symbol"));

    [Fact]
    public Task A_nullable_member_made_non_nullable_loses_the_null_branch() => Verify.VerifyAsync(
        Old.Replace("public string? Note { get; init; }", "public string {|#0:Note|} { get; init; } = \"\";", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'note'", "cannot hold 'null', which the locked schema can write (a union branch was removed, or a nullable member made non-nullable)"));

    [Fact]
    public Task A_renamed_message_type_renames_its_record() => Verify.VerifyAsync(
        Old.Replace("record PaymentTaken(", "record {|#0:PaymentReceived|}(", StringComparison.Ordinal),
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.AvroSchemaIncompatible).WithLocation(0)
            .WithArguments("payment-taken", "PaymentReceived", "backward", "the record", "record 'Pay.PaymentTaken' is now named 'Pay.PaymentReceived', with no alias for the old name"));

    [Fact]
    public Task A_renamed_nested_record_is_an_error_on_the_member_using_it() => Verify.VerifyAsync(
        Old.Replace("record Fee(", "record Charge(", StringComparison.Ordinal)
            .Replace("public Fee? Fee { get; init; }", "public Charge? {|#0:Fee|} { get; init; }", StringComparison.Ordinal)
            .Replace("public List<Fee> Fees", "public List<Charge> {|#1:Fees|}", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'fee'", "record 'Pay.Fee' is now named 'Pay.Charge', with no alias for the old name"),
        Incompatible(1, "field 'fees[]'", "record 'Pay.Fee' is now named 'Pay.Charge', with no alias for the old name"));

    [Fact]
    public Task A_decimal_precision_or_scale_change_is_an_error() => Verify.VerifyAsync(
        Old.Replace("[property: AvroDecimal(18, 4)] decimal Amount", "[property: AvroDecimal(18, 2)] decimal {|#0:Amount|}", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'amount'", "changed its decimal from precision 18, scale 4 to precision 18, scale 2 (the bytes are an unscaled integer: another scale reads another value)"));

    [Fact]
    public Task A_decimal_change_inside_a_nested_record_names_the_field_path() => Verify.VerifyAsync(
        Old.Replace("record Fee(string Name, decimal Amount)", "record Fee(string Name, [property: AvroDecimal(9, 2)] decimal Amount)", StringComparison.Ordinal)
            .Replace("public Fee? Fee", "public Fee? {|#0:Fee|}", StringComparison.Ordinal)
            .Replace("public List<Fee> Fees", "public List<Fee> {|#1:Fees|}", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'fee.amount'", "changed its decimal from precision 29, scale 14 to precision 9, scale 2 (the bytes are an unscaled integer: another scale reads another value)"),
        Incompatible(1, "field 'fees[].amount'", "changed its decimal from precision 29, scale 14 to precision 9, scale 2 (the bytes are an unscaled integer: another scale reads another value)"));

    [Fact]
    public Task A_logical_type_change_is_an_error() => Verify.VerifyAsync(
        Old.Replace("Guid PaymentId", "string {|#0:PaymentId|}", StringComparison.Ordinal)
            .Replace("public DateTime TakenAt", "public long {|#1:TakenAt|}", StringComparison.Ordinal),
        [(LockPath, Lock)],
        Incompatible(0, "field 'paymentId'", "changed its logical type from 'uuid' to none ('string' (uuid) to 'string')"),
        Incompatible(1, "field 'takenAt'", "changed its logical type from 'timestamp-micros' to none ('long' (timestamp-micros) to 'long')"));

    [Fact]
    public Task Compatible_changes_are_only_noted_until_the_lock_is_updated() => Verify.VerifyAsync(
        """
        namespace Pay;

        public enum Channel { Card, Transfer, Cash, Wallet }

        [KafkaData]
        public partial record Fee(string Name, decimal Amount);

        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record {|#0:PaymentTaken|}(Channel Channel, [property: AvroDecimal(18, 4)] decimal Amount, Guid PaymentId)
        {
            public long Attempts { get; init; }
            public double Rate { get; init; }
            public byte[] Reference { get; init; } = [];
            public string? Note { get; init; }
            public DateTimeOffset TakenAt { get; init; }
            public List<Fee> Fees { get; init; } = [];
            public string? Operator { get; init; }
            public int? Retries { get; init; }
        }
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the current Avro schema of message 'payment-taken'"));

    [Fact]
    public Task Fields_added_with_defaults_that_are_not_null_and_renames_with_aliases_are_compatible() => Verify.VerifyAsync(
        """
        namespace Pay;

        [AvroAlias("Channel")]
        public enum Medium { Card, Transfer, Cash }

        [KafkaData]
        [AvroAlias("Fee")]
        public partial record Charge(string Name, decimal Amount);

        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        [AvroAlias("Pay.PaymentTaken")]
        public partial record {|#0:PaymentReceived|}(Guid PaymentId, [property: AvroDecimal(18, 4)] decimal Amount, [property: AvroAlias("channel")] Medium Via)
        {
            [AvroAlias("attempts")]
            public int Tries { get; init; }
            public float Rate { get; init; }
            public string Reference { get; init; } = "";
            public string? Note { get; init; }
            public DateTime TakenAt { get; init; }
            public Charge? Fee { get; init; }
            public List<Charge> Fees { get; init; } = [];
            [AvroDefault(3)]
            public int Retries { get; init; } = 3;
            [AvroDefault("")]
            public string Operator { get; init; } = "";
            [AvroDefault(Medium.Card)]
            public Medium Fallback { get; init; }
            [AvroDefault(true)]
            public bool Settled { get; init; } = true;
        }
        """,
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the current Avro schema of message 'payment-taken'"));

    [Fact]
    public Task Full_compatibility_also_checks_that_the_locked_schema_reads_the_new_records() => VerifyWithOptionsAsync(
        """
        namespace Pay;

        public enum Channel { Card, Transfer, Cash, Wallet }

        [KafkaData]
        public partial record Fee(string Name, decimal Amount);

        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record {|#0:PaymentTaken|}(Guid PaymentId, [property: AvroDecimal(18, 4)] decimal Amount, Channel {|#1:Channel|})
        {
            public long {|#2:Attempts|} { get; init; }
            public string Reference { get; init; } = "";
            public string? Note { get; init; }
            public DateTime TakenAt { get; init; }
            public Fee? Fee { get; init; }
            public List<Fee> Fees { get; init; } = [];
        }
        """,
        "build_property.KafkaTypedAvroCompatibility = Full",
        new DiagnosticResult(DiagnosticDescriptors.AvroSchemaIncompatible).WithLocation(0)
            .WithArguments("payment-taken", "PaymentTaken", "forward", "field 'rate'", "is not in the new schema's records and has no default (a field added without a default; a nullable member defaults to null)"),
        new DiagnosticResult(DiagnosticDescriptors.AvroSchemaIncompatible).WithLocation(1)
            .WithArguments("payment-taken", "PaymentTaken", "forward", "field 'channel'", "enum 'Pay.Channel' lost the symbol 'Wallet', which the new schema can write, and has no default symbol"),
        new DiagnosticResult(DiagnosticDescriptors.AvroSchemaIncompatible).WithLocation(2)
            .WithArguments("payment-taken", "PaymentTaken", "forward", "field 'attempts'", "changed type from 'long' to 'int', which is not a promotion Avro allows (int to long, float or double; long to float or double; float to double; string to bytes and back)"));

    [Fact]
    public Task Backward_is_the_default_and_the_same_change_passes_it() => VerifyWithOptionsAsync(
        """
        namespace Pay;

        public enum Channel { Card, Transfer, Cash, Wallet }

        [KafkaData]
        public partial record Fee(string Name, decimal Amount);

        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record {|#0:PaymentTaken|}(Guid PaymentId, [property: AvroDecimal(18, 4)] decimal Amount, Channel Channel)
        {
            public long Attempts { get; init; }
            public string Reference { get; init; } = "";
            public string? Note { get; init; }
            public DateTime TakenAt { get; init; }
            public Fee? Fee { get; init; }
            public List<Fee> Fees { get; init; } = [];
        }
        """,
        "build_property.KafkaTypedAvroCompatibility = backward",
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the current Avro schema of message 'payment-taken'"));

    [Fact]
    public Task An_unknown_compatibility_setting_is_reported_and_backward_is_checked() => VerifyWithOptionsAsync(
        Old,
        "build_property.KafkaTypedAvroCompatibility = Sideways",
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockInvalid).WithSpan(LockPath, 1, 1, 1, 1)
            .WithArguments("KafkaTypedAvroCompatibility is 'Sideways', not Backward, Forward or Full; Backward is checked"));

    [Fact]
    public Task An_Avro_entry_without_a_schema_line_is_only_out_of_date_and_not_checked_by_position() => Verify.VerifyAsync(
        """
        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record {|#0:PaymentTaken|}(decimal Amount, Guid PaymentId);
        """,
        [(LockPath, "message payment-taken format=avro\n  0 PaymentId: System.Guid\n  1 Amount: decimal\n  2 Note: string?\n")],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the current Avro schema of message 'payment-taken'"));

    [Fact]
    public Task A_MessagePack_entry_turned_Avro_keeps_its_positional_check() => Verify.VerifyAsync(
        """
        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record {|#0:PaymentTaken|}(Guid PaymentId);
        """,
        [(LockPath, "message payment-taken\n  0 PaymentId: System.Guid\n  1 Amount: decimal\n")],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the format of message 'payment-taken' (avro)"),
        new DiagnosticResult(DiagnosticDescriptors.SchemaMemberRemoved).WithLocation(0).WithArguments("Amount", "decimal", 1, "payment-taken"));

    [Fact]
    public Task An_Avro_entry_turned_MessagePack_is_still_read_by_Avro_rules() => Verify.VerifyAsync(
        Old.Replace("Format = MessageFormat.Avro", "Format = MessageFormat.MessagePack", StringComparison.Ordinal)
            .Replace("record PaymentTaken(", "record {|#0:PaymentTaken|}(", StringComparison.Ordinal)
            .Replace("public int Attempts", "public string {|#1:Attempts|}", StringComparison.Ordinal).Replace("{|#1:Attempts|} { get; init; }", "{|#1:Attempts|} { get; init; } = \"\";", StringComparison.Ordinal),
        [(LockPath, Lock)],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the format of message 'payment-taken' (messagepack)"),
        Incompatible(1, "field 'attempts'", "changed type from 'int' to 'string', which is not a promotion Avro allows (int to long, float or double; long to float or double; float to double; string to bytes and back)"));

    [Fact]
    public Task An_unreadable_Avro_line_is_reported_in_the_lock_file() => Verify.VerifyAsync(
        """
        [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
        public partial record {|#0:PaymentTaken|}(Guid PaymentId);
        """,
        [(LockPath, "message payment-taken format=avro\n  avro {\"type\":\"record\",\"name\":\n")],
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockOutdated).WithLocation(0).WithArguments("the current Avro schema of message 'payment-taken'"),
        new DiagnosticResult(DiagnosticDescriptors.SchemaLockInvalid).WithSpan(LockPath, 2, 1, 2, 32)
            .WithArguments("line 2: the Avro schema of 'payment-taken' cannot be read: not valid JSON at character 25: unexpected end"));

    private static DiagnosticResult Incompatible(int location, string where, string rule)
        => new DiagnosticResult(DiagnosticDescriptors.AvroSchemaIncompatible).WithLocation(location)
            .WithArguments("payment-taken", "PaymentTaken", "backward", where, rule);

    private static async Task VerifyWithOptionsAsync(string source, string globalOption, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerVerifier<SchemaCompatibilityAnalyzer>.Test { TestCode = TestSetup.Usings + source };
        test.TestState.AdditionalFiles.Add((LockPath, Lock));
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + globalOption + "\n"));
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(TestContext.Current.CancellationToken);
    }
}
