using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = KafkaTyped.Analyzers.Tests.AnalyzerVerifier<KafkaTyped.Analyzers.MessageDeclarationAnalyzer>;

namespace KafkaTyped.Analyzers.Tests;

public sealed class MessageDeclarationAnalyzerTests
{
    [Fact]
    public Task Valid_message_declarations_report_nothing() => Verify.VerifyAsync("""
        [KafkaMessage("order-created", Topic = "shop.orders_v2-EU")]
        public partial record OrderCreated([property: MessageKey] Guid OrderId, string Customer);

        [KafkaMessage("com.example.order/shipped:v1")]
        public partial class OrderShipped { [MessageKey] public string? Id { get; set; } }

        [KafkaMessage("k1")] public partial record K1([property: MessageKey] int Key);
        [KafkaMessage("k2")] public partial record K2([property: MessageKey] long Key);
        [KafkaMessage("k3")] public partial record K3([property: MessageKey] byte[] Key);
        [KafkaMessage("k4")] public partial record K4([property: MessageKey] Guid? Key);
        [KafkaMessage("k5")] public partial record K5([property: MessageKey] long? Key);
        [KafkaMessage("k6")] public partial struct K6 { [MessageKey] public int Key; }
        """);

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\"order created\"")]
    [InlineData("\"tab\\there\"")]
    [InlineData("null")]
    public Task Empty_or_malformed_type_id_is_reported_on_the_argument(string literal) => Verify.VerifyAsync($$"""
        [KafkaMessage({|KT0010:{{literal}}|})]
        public partial record OrderCreated(Guid OrderId);
        """);

    [Fact]
    public Task Type_id_longer_than_255_characters_is_reported() => Verify.VerifyAsync($$"""
        [KafkaMessage({|KT0010:"{{new string('a', 256)}}"|})]
        public partial record OrderCreated(Guid OrderId);
        """);

    [Fact]
    public Task Type_id_message_names_the_type_and_the_reason() => Verify.VerifyAsync(
        """
        [KafkaMessage("")]
        public partial record OrderCreated(Guid OrderId);
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidTypeId)
            .WithSpan(6, 15, 6, 17)
            .WithArguments("\"\"", "OrderCreated", "a type id must not be empty or whitespace"));

    // The topic rule's cases are tested once, in SharedRules/KafkaNamesTests; this checks the analyzer applies it.
    [Theory]
    [InlineData("\"orders/eu\"")]
    [InlineData("\"..\"")]
    public Task Invalid_topic_is_reported_on_the_argument(string literal) => Verify.VerifyAsync($$"""
        [KafkaMessage("order-created", Topic = {|KT0011:{{literal}}|})]
        public partial record OrderCreated(Guid OrderId);
        """);

    [Fact]
    public Task Key_types_are_left_to_the_generator() => Verify.VerifyAsync("""
        [KafkaMessage("order-created")]
        public partial record OrderCreated([property: MessageKey] decimal Total);
        """);

    [Fact]
    public Task Float_and_double_members_of_json_messages_are_reported_wherever_they_are_nested() => Verify.VerifyAsync(
        """
        [KafkaMessage("reading-taken", Format = MessageFormat.Json)]
        public partial record ReadingTaken(string Sensor, double {|#0:Value|}, List<float?> {|#1:History|}, long Sequence, decimal Price);

        [KafkaMessage("batch-taken", Format = MessageFormat.JsonEnvelope)]
        public partial record {|#2:BatchTaken|}(Probe[] Probes);

        [KafkaData]
        public partial record Probe(string Name, double Level);

        [KafkaMessage("reading-packed")]
        public partial record ReadingPacked(double Value);
        """,
        new DiagnosticResult(DiagnosticDescriptors.JsonUnrepresentableMember).WithLocation(0).WithArguments("Value", "ReadingTaken", "double", "Json", "NaN and Infinity have no JSON number, so publishing one fails"),
        new DiagnosticResult(DiagnosticDescriptors.JsonUnrepresentableMember).WithLocation(1).WithArguments("History", "ReadingTaken", "float", "Json", "NaN and Infinity have no JSON number, so publishing one fails"),
        new DiagnosticResult(DiagnosticDescriptors.JsonUnrepresentableMember).WithLocation(2).WithArguments("Probe.Level", "BatchTaken", "double", "JsonEnvelope", "NaN and Infinity have no JSON number, so publishing one fails"));
}
