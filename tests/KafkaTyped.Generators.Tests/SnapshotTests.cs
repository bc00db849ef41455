namespace KafkaTyped.Generators.Tests;

/// <summary>Generated output for representative inputs, compared with checked-in snapshots and compiled warning-free.</summary>
public sealed class SnapshotTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using System.Threading;
        using System.Threading.Tasks;
        using KafkaTyped;

        """;

    [Fact]
    public void Records() => Verify("""
        namespace Shop.Orders;

        [KafkaMessage("order-created", Topic = "orders")]
        public partial record OrderCreated([property: MessageKey] Guid OrderId, string Customer, decimal Amount, string Channel = "web")
        {
            public List<string> Tags { get; init; } = [];

            public string? Note { get; set; }

            public int TagCount => Tags.Count;
        }

        [KafkaData]
        public partial record Address
        {
            public required string Street { get; init; }

            public string? City { get; init; }
        }
        """);

    [Fact]
    public void JsonFormats() => Verify("""
        using System.Text.Json.Serialization;

        namespace Seed;

        // The seed services' typed envelope, with a member renamed for JSON and camelCase names otherwise.
        [KafkaMessage("ordercreated", Format = MessageFormat.JsonEnvelope)]
        public partial record OrderCreated([property: MessageKey] Guid OrderId, decimal Amount, [property: JsonPropertyName("customer_id")] string Customer)
        {
            [JsonPropertyName("URL")]
            public string? ReceiptUrl { get; init; }

            public DateTimeOffset PlacedAt { get; init; }

            public byte[]? Signature { get; init; }
        }

        [KafkaMessage("orderpaid", Format = MessageFormat.Json)]
        public partial record OrderPaid(Guid OrderId, Dictionary<string, decimal> Amounts, TimeOnly At, char Grade);
        """);

    [Fact]
    public void AvroFormat() => Verify("""
        namespace Payments;

        public enum Channel { Card, Transfer = 5, Wire = 5 }

        // An Avro message: logical types, a declared decimal, unions for what may be null, a nested record and enum.
        [KafkaMessage("payment-taken", Topic = "payments", Format = MessageFormat.Avro)]
        public partial record PaymentTaken([property: MessageKey] Guid PaymentId, [property: AvroDecimal(18, 4)] decimal Amount, Channel Channel)
        {
            public DateTimeOffset TakenAt { get; init; }

            public DateOnly Day { get; init; }

            public TimeOnly? Time { get; init; }

            public Fee? Fee { get; init; }

            public ImmutableArray<Fee> Fees { get; init; }

            public IReadOnlyDictionary<string, string?> Labels { get; init; } = new Dictionary<string, string?>();
        }

        [KafkaData]
        public partial record Fee(string Name, decimal Amount, Channel Channel);
        """);

    [Fact]
    public void Classes() => Verify("""
        namespace Shop.Billing;

        [KafkaMessage("invoice-issued")]
        public sealed partial class InvoiceIssued
        {
            [MessageKey]
            public required string InvoiceNumber { get; init; }

            public long CustomerId { get; set; }

            public double Discount;

            public DateTime IssuedAt { get; private set; }

            internal TimeSpan PaymentTerm { get; set; }

            public int Computed => 42;

            public static string Ignored { get; set; } = "";
        }

        [KafkaData]
        public partial class WithConstructor
        {
            public WithConstructor(int value) => Value = value;

            public int Value { get; set; }
        }
        """);

    [Fact]
    public void Structs() => Verify("""
        namespace Geo;

        [KafkaData]
        public readonly partial struct Position
        {
            public readonly double Latitude;

            public readonly double Longitude;

            public DateTimeOffset At { get; init; }
        }

        [KafkaMessage("vehicle-moved")]
        public partial record struct VehicleMoved([property: MessageKey] int VehicleId, Position Position, Position? Previous);

        [KafkaMessage("tick")]
        public partial struct Tick
        {
            [MessageKey]
            public long Sequence { get; set; }

            public TimeOnly At { get; set; }

            public DateOnly Day { get; set; }
        }
        """);

    [Fact]
    public void NestedData() => Verify("""
        namespace Shop;

        public static partial class Contracts
        {
            [KafkaMessage("cart-checked-out")]
            public partial record CartCheckedOut(string CartId, Line[] Lines, Line? Highlight, Totals Totals, Totals? Previous);

            [KafkaData]
            public partial record Line(string Sku, int Quantity);

            [KafkaData]
            public partial struct Totals
            {
                public decimal Net { get; set; }

                public decimal Tax { get; set; }
            }
        }
        """);

    [Fact]
    public void Collections() => Verify("""
        namespace Catalog;

        [KafkaData]
        public partial record LineItem(string Sku, int Quantity);

        [KafkaMessage("catalog-changed")]
        public partial record CatalogChanged
        {
            public byte[] Checksum { get; init; } = [];
            public byte[]? Signature { get; init; }
            public int[] Ids { get; init; } = [];
            public string?[]? Aliases { get; init; }
            public List<long> Versions { get; init; } = [];
            public IReadOnlyList<Guid> Owners { get; init; } = [];
            public ImmutableArray<double> Weights { get; init; }
            public Dictionary<string, int> Stock { get; init; } = [];
            public IReadOnlyDictionary<string, string?> Labels { get; init; } = new Dictionary<string, string?>();
            public List<Dictionary<string, LineItem?>> Batches { get; init; } = [];
            public int[][] Matrix { get; init; } = [];
        }
        """);

    [Fact]
    public void Enums() => Verify("""
        namespace Tickets;

        public enum Priority : byte { Low, High = 200 }

        public enum Status { Open, Closed }

        public enum Balance : long { Negative = -5_000_000_000 }

        [KafkaMessage("ticket-updated")]
        public partial record TicketUpdated(Priority Priority, Status? Status, Balance Balance, List<Status> History, Priority? Escalation = Priority.High);
        """);

    [Fact]
    public void KeysOfEachKind() => Verify("""
        namespace Keys;

        [KafkaMessage("string-key")]
        public partial record StringKey([property: MessageKey] string? Id);

        [KafkaMessage("guid-key")]
        public partial record GuidKey([property: MessageKey] Guid Id);

        [KafkaMessage("nullable-guid-key")]
        public partial record NullableGuidKey([property: MessageKey] Guid? Id);

        [KafkaMessage("int-key")]
        public partial record IntKey([property: MessageKey] int Id);

        [KafkaMessage("nullable-long-key")]
        public partial record NullableLongKey([property: MessageKey] long? Id);

        [KafkaMessage("bytes-key")]
        public partial record BytesKey([property: MessageKey] byte[] Id);

        [KafkaMessage("no-key")]
        public partial record NoKey(string Text);
        """);

    [Fact]
    public void SeveralHandlersForOneType() => Verify("""
        namespace Shop;

        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        [KafkaMessage("never-handled")]
        public partial record NeverHandled(int Value);

        public sealed class SendEmail : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class ReserveStock : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        internal sealed class Audit : IHandle<OrderCreated>
        {
            ValueTask IHandle<OrderCreated>.HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public abstract class NotConcrete : IHandle<OrderCreated>
        {
            public abstract ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken);
        }

        public sealed record RecordHandler(string Name) : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public class GenericHandler<T> : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public static class Container
        {
            private sealed class Hidden : IHandle<OrderCreated>
            {
                public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
            }
        }

        public partial class SplitHandler : IHandle<OrderCreated>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public partial class SplitHandler : IDisposable
        {
            public void Dispose() { }
        }
        """);

    [Fact]
    public void DeclaredFailurePolicies() => Verify("""
        namespace Shop;

        [KafkaMessage("payment-requested")]
        [Retry(3, BaseDelayMilliseconds = 50)]
        [DeadLetterTopic("payments.failed")]
        public partial record PaymentRequested(Guid OrderId, decimal Amount);

        public sealed class InvalidCardException(string message) : Exception(message);

        /// <summary>Inherits the message's [Retry] and [DeadLetterTopic].</summary>
        public sealed class AuditPayment : IHandle<PaymentRequested>
        {
            public ValueTask HandleAsync(PaymentRequested message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        /// <summary>Its own [Retry] wins whole (non-retryable types included); the message's topic still applies.</summary>
        [Retry(5, MaxDelayMilliseconds = 1000, NonRetryable = [typeof(InvalidCardException), typeof(ArgumentException), typeof(InvalidCardException)])]
        public sealed class ChargeCard : IHandle<PaymentRequested>
        {
            public ValueTask HandleAsync(PaymentRequested message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        /// <summary>Its own topic wins; the message's [Retry] applies.</summary>
        [DeadLetterTopic("payments.notify.failed")]
        public sealed class NotifyCustomer : IHandle<PaymentRequested>
        {
            public ValueTask HandleAsync(PaymentRequested message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public void OneHandlerForSeveralTypes() => Verify("""
        namespace Shop;

        [KafkaMessage("order-created")]
        public partial record OrderCreated(Guid OrderId);

        [KafkaMessage("order-cancelled")]
        public partial record OrderCancelled(Guid OrderId, string Reason);

        [KafkaMessage("oc")]
        public partial record OrderCompacted(Guid OrderId);

        public sealed record NotAMessage(int Value);

        public sealed class OrderProjection : IHandle<OrderCreated>, IHandle<OrderCancelled>, IHandle<OrderCompacted>, IHandle<NotAMessage>
        {
            public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;

            public ValueTask HandleAsync(OrderCancelled message, MessageContext context, CancellationToken cancellationToken) => default;

            public ValueTask HandleAsync(OrderCompacted message, MessageContext context, CancellationToken cancellationToken) => default;

            public ValueTask HandleAsync(NotAMessage message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public void HandlersDeclaringTheirOrdering() => Verify("""
        namespace Shop;

        [KafkaMessage("order-placed")]
        [Ordering(OrderingMode.Key)]
        public partial record OrderPlaced([property: MessageKey] Guid OrderId);

        [KafkaMessage("page-viewed")]
        public partial record PageViewed(string Url);

        public sealed class Billing : IHandle<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Ordering(OrderingMode.Partition)]
        public sealed class Ledger : IHandle<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        [Ordering(OrderingMode.None, MaxConcurrency = 16)]
        public sealed class Analytics : IHandle<PageViewed>
        {
            public ValueTask HandleAsync(PageViewed message, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class Unordered : IHandle<PageViewed>
        {
            public ValueTask HandleAsync(PageViewed message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public void DeduplicatingByABusinessKey() => Verify("""
        namespace Payments;

        /// <summary>One member: the key is its value.</summary>
        [KafkaMessage("payment-captured")]
        public partial record PaymentCaptured([property: MessageKey] Guid OrderId, [property: DeduplicationKey] string PaymentReference, decimal Amount);

        /// <summary>Several members, of each kind of type: combined in declaration order.</summary>
        [KafkaMessage("refund-issued")]
        public partial record RefundIssued([property: DeduplicationKey] Guid OrderId, [property: DeduplicationKey] int RefundNumber, long Amount)
        {
            [DeduplicationKey]
            public ulong? Batch { get; init; }
        }

        /// <summary>A struct message with a nullable Guid key.</summary>
        [KafkaMessage("chargeback-opened")]
        public partial record struct ChargebackOpened([property: DeduplicationKey] Guid? CaseId, string Reason);

        [Deduplicate(WindowSeconds = 86400)]
        public sealed class RecordPayment : IHandle<PaymentCaptured>, IHandle<RefundIssued>, IHandle<ChargebackOpened>
        {
            public ValueTask HandleAsync(PaymentCaptured message, MessageContext context, CancellationToken cancellationToken) => default;

            public ValueTask HandleAsync(RefundIssued message, MessageContext context, CancellationToken cancellationToken) => default;

            public ValueTask HandleAsync(ChargebackOpened message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """);

    [Fact]
    public void TypesFromAReferencedAssembly()
    {
        var contracts = GeneratorHarness.CompileLibrary(
            Usings + """
            namespace Shared.Contracts;

            [KafkaMessage("payment-received", Topic = "payments")]
            public partial record PaymentReceived([property: MessageKey] string PaymentId, decimal Amount);

            [KafkaData]
            public partial record Money(decimal Amount, string Currency);
            """,
            "Shared.Contracts");

        Verify(
            """
            namespace Billing;

            [KafkaMessage("refund-issued")]
            public partial record RefundIssued(string PaymentId, Shared.Contracts.Money Refund, List<Shared.Contracts.PaymentReceived> Payments);

            public sealed class PaymentHandler : IHandle<Shared.Contracts.PaymentReceived>
            {
                public ValueTask HandleAsync(Shared.Contracts.PaymentReceived message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """,
            contracts);
    }

    [Fact]
    public void NoHandlersNoRoutingFile()
    {
        var run = GeneratorHarness.Run(Usings + """
            [KafkaMessage("lonely")]
            public partial record Lonely(int Value);
            """);

        run.AssertCompilesCleanly();
        Assert.Equal(["Lonely.g.cs"], run.Sources.Select(s => s.HintName));
    }

    [Fact]
    public void GeneratedCodeUsesNoReflection()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Shop;

            [KafkaMessage("order-created")]
            public partial record OrderCreated(Guid OrderId, List<Dictionary<string, int?>> Lines);

            public sealed class H : IHandle<OrderCreated>
            {
                public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """);

        run.AssertCompilesCleanly();
        foreach (var source in run.Sources)
        {
            var text = source.SourceText.ToString();
            Assert.StartsWith("// <auto-generated/>\n#nullable enable", text, StringComparison.Ordinal);
            foreach (var banned in new[] { "System.Reflection", "Activator", "Type.GetType", "MakeGenericType", "GetCustomAttributes" })
            {
                Assert.DoesNotContain(banned, text, StringComparison.Ordinal);
            }
        }
    }

    private static void Verify(string source, Microsoft.CodeAnalysis.MetadataReference? reference = null, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var run = reference is null ? GeneratorHarness.Run(Usings + source) : GeneratorHarness.Run(Usings + source, reference);
        run.AssertCompilesCleanly();
        Assert.NotEmpty(run.Sources);
        Snapshot.Verify(run, test);
    }
}
