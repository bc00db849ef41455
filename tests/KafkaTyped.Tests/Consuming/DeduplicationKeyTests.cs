using KafkaTyped.Routing;

namespace KafkaTyped.Tests.Consuming;

/// <summary>The business key a message declares with [DeduplicationKey], as generated code reads it.</summary>
public sealed class DeduplicationKeyTests
{
    [Fact]
    public void One_member_is_its_value_as_invariant_text()
    {
        Assert.Equal("pay-7", DeduplicationKeys.Of(new KeyedByReference("pay-7", 12.5m)));
        Assert.Null(DeduplicationKeys.Of(new KeyedByReference(null, 12.5m)));
    }

    [Fact]
    public void Several_members_combine_in_declaration_order_and_a_null_value_gives_no_key()
    {
        var order = Guid.Parse("0192f0c8-1111-7000-8000-000000000001");

        Assert.Equal("0192f0c8-1111-7000-8000-000000000001|-3|18446744073709551615", DeduplicationKeys.Of(new KeyedByParts(order, -3, ulong.MaxValue)));
        Assert.Null(DeduplicationKeys.Of(new KeyedByParts(order, -3, null)));
    }

    [Fact]
    public void A_message_without_a_declared_key_has_none()
        => Assert.Null(DeduplicationKeys.Of(new NotKeyed("pay-7")));

    [Fact]
    public void Combined_values_are_escaped_so_that_different_values_never_give_one_key()
    {
        Assert.NotEqual(DeduplicationKeys.Combine("a|b", "c"), DeduplicationKeys.Combine("a", "b|c"));
        Assert.NotEqual(DeduplicationKeys.Combine("a\\", "|b"), DeduplicationKeys.Combine("a\\|", "b"));
        Assert.Equal(@"a\|b|c\\", DeduplicationKeys.Combine("a|b", "c\\"));
        Assert.Null(DeduplicationKeys.Combine("a", null));
    }
}

[KafkaMessage("tests.keyed-by-reference")]
public sealed partial record KeyedByReference([property: DeduplicationKey] string? Reference, decimal Amount);

[KafkaMessage("tests.keyed-by-parts")]
public sealed partial record KeyedByParts([property: DeduplicationKey] Guid OrderId, [property: DeduplicationKey] short Line)
{
    [DeduplicationKey]
    public ulong? Batch { get; init; }

    public KeyedByParts(Guid orderId, short line, ulong? batch)
        : this(orderId, line) => Batch = batch;
}

[KafkaMessage("tests.not-keyed")]
public sealed partial record NotKeyed(string Reference);
