using KafkaTyped.Generators.Tests.Messages;
using KafkaTyped.Serialization;
using MessagePack;

namespace KafkaTyped.Generators.Tests;

/// <summary>Adding members at the end is compatible in both directions (docs/serialization.md, "Compatibility").</summary>
public sealed class CompatibilityTests
{
    [Fact]
    public void ANewerReaderDefaultsMembersAnOlderWriterDidNotKnow()
    {
        var payload = KafkaSerializer.Serialize(new CustomerV1("ada"));

        var customer = KafkaSerializer.Deserialize<CustomerV2>(payload);

        Assert.Equal("ada", customer.Name);
        Assert.Equal("eu", customer.Region); // the positional parameter's default value
        Assert.Equal(["new"], customer.Tags); // the property initializer
        Assert.Null(customer.Age);
    }

    [Fact]
    public void AnOlderReaderSkipsMembersANewerWriterAdded()
    {
        var payload = KafkaSerializer.Serialize(new CustomerV2("grace", "us") { Tags = ["vip", "beta"], Age = 42 });

        var customer = KafkaSerializer.Deserialize<CustomerV1>(payload);

        Assert.Equal("grace", customer.Name);
    }

    [Fact]
    public void AnOlderReaderSkipsNestedAndLengthPrefixedMembersItDoesNotKnow()
    {
        var payload = PayloadBuilder.Build((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5);
            w.Write("linus");
            w.WriteMapHeader(1);
            w.Write("k");
            w.WriteArrayHeader(2);
            w.Write(1);
            w.Write("x");
            w.Write(new byte[] { 1, 2, 3 });
            w.Write(DateTime.UnixEpoch);
            w.WriteNil();
        });

        Assert.Equal("linus", KafkaSerializer.Deserialize<CustomerV1>(payload).Name);
    }

    [Fact]
    public void ClassesKeepInitializersAndARequiredMemberMissingFromThePayloadGetsItsDefault()
    {
        var payload = KafkaSerializer.Serialize(new InvoiceV1 { Number = 7, Total = 9.99m });

        var invoice = KafkaSerializer.Deserialize<InvoiceV2>(payload);

        Assert.Equal(7, invoice.Number);
        Assert.Equal(9.99m, invoice.Total);
        Assert.Null(invoice.Currency);
        Assert.Equal(new DateOnly(2030, 1, 1), invoice.DueOn);

        var back = KafkaSerializer.Deserialize<InvoiceV1>(KafkaSerializer.Serialize(new InvoiceV2 { Number = 8, Total = 1m, Currency = "EUR" }));
        Assert.Equal((8L, 1m), (back.Number, back.Total));
    }

    [Fact]
    public void AnEmptyArrayReadsAsAllDefaults()
    {
        var payload = PayloadBuilder.Build((ref MessagePackWriter w) => w.WriteArrayHeader(0));

        var customer = KafkaSerializer.Deserialize<CustomerV2>(payload);

        Assert.Equal((null!, "eu"), (customer.Name, customer.Region));
    }

    [Fact]
    public void EncodingsMatchMessagePackCSharpsStandardResolver()
    {
        var options = MessagePackSerializerOptions.Standard;
        var ct = TestContext.Current.CancellationToken;
        var guid = Guid.NewGuid();
        var offset = new DateTimeOffset(2024, 2, 29, 23, 59, 58, 123, TimeSpan.FromHours(-5.5));

        Assert.Equal(MessagePackSerializer.Serialize(guid, options, ct), Write((ref MessagePackWriter w) => MessagePackPrimitives.WriteGuid(ref w, guid)));
        Assert.Equal(MessagePackSerializer.Serialize(-1234.5678m, options, ct), Write((ref MessagePackWriter w) => MessagePackPrimitives.WriteDecimal(ref w, -1234.5678m)));
        Assert.Equal(MessagePackSerializer.Serialize(decimal.MinValue, options, ct), Write((ref MessagePackWriter w) => MessagePackPrimitives.WriteDecimal(ref w, decimal.MinValue)));
        Assert.Equal(MessagePackSerializer.Serialize(offset, options, ct), Write((ref MessagePackWriter w) => MessagePackPrimitives.WriteDateTimeOffset(ref w, offset)));

        // What the generated code writes for the other types, compared with the standard resolver through a whole message.
        var everything = new Everything
        {
            TimeSpan = TimeSpan.FromMilliseconds(-1500),
            DateOnly = new DateOnly(1999, 12, 31),
            TimeOnly = new TimeOnly(13, 14, 15),
            DateTime = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc),
            Char = 'é',
            Priority = Priority.High,
            Money = new Money { Currency = "EUR" },
        };
        var reader = new MessagePackReader(KafkaSerializer.Serialize(everything));
        var count = reader.ReadArrayHeader();
        Assert.Equal(45, count);
        var members = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            members.Add(System.Buffers.BuffersExtensions.ToArray(reader.ReadRaw()));
        }

        Assert.Equal(MessagePackSerializer.Serialize('é', options, ct), members[9]);
        Assert.Equal(MessagePackSerializer.Serialize(everything.DateTime, options, ct), members[17]);
        Assert.Equal(MessagePackSerializer.Serialize(everything.TimeSpan, options, ct), members[19]);
        Assert.Equal(MessagePackSerializer.Serialize(everything.DateOnly, options, ct), members[20]);
        Assert.Equal(MessagePackSerializer.Serialize(everything.TimeOnly, options, ct), members[21]);
        Assert.Equal(MessagePackSerializer.Serialize(Priority.High, options, ct), members[23]);
    }

    [Fact]
    public void MessagePackCSharpObjectsReadAndWriteTheSameBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var order = new OrderCreated(Guid.NewGuid(), "ada", 12.75m) { Lines = [new LineItem("sku-1", 3, 0.5m)], Note = null };
        var ours = KafkaSerializer.Serialize(order);

        var theirs = MessagePackSerializer.Deserialize<MpOrderCreated>(ours, MessagePackSerializerOptions.Standard, ct);
        Assert.Equal((order.OrderId, order.Customer, order.Amount, order.Note), (theirs.OrderId, theirs.Customer, theirs.Amount, theirs.Note));
        Assert.Equal(("sku-1", 3, 0.5m), (theirs.Lines[0].Sku, theirs.Lines[0].Quantity, theirs.Lines[0].Price));

        Assert.Equal(ours, MessagePackSerializer.Serialize(theirs, MessagePackSerializerOptions.Standard, ct));
    }

    private static byte[] Write(PayloadBuilder.Write write) => PayloadBuilder.Build(write);
}
