using KafkaTyped.Shared;

namespace KafkaTyped.Analyzers.Tests.SharedRules;

/// <summary>
/// The topic-name and type-id rules of src/Shared/KafkaNames.cs, tested once here. The analyzers (KT0010, KT0011), the
/// options validator and the embedded cluster compile the same file; their own tests only check that they apply it.
/// </summary>
public sealed class KafkaNamesTests
{
    [Theory]
    [InlineData("orders")]
    [InlineData("Orders.EU_2-dlq")]
    [InlineData("...")]
    [InlineData(".orders")]
    [InlineData("a")]
    public void Valid_topic_names(string topic) => Assert.Null(KafkaNames.ValidateTopic(topic));

    [Theory]
    [InlineData(null, "a topic name must not be empty")]
    [InlineData("", "a topic name must not be empty")]
    [InlineData(".", "'.' and '..' are reserved")]
    [InlineData("..", "'.' and '..' are reserved")]
    [InlineData("orders topic", "the character U+0020 is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'")]
    [InlineData("orders/eu", "the character '/' is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'")]
    [InlineData("ordérs", "the character 'é' is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'")]
    [InlineData("tab\there", "the character U+0009 is not allowed; use only a-z, A-Z, 0-9, '.', '_' and '-'")]
    public void Invalid_topic_names_say_why(string? topic, string reason) => Assert.Equal(reason, KafkaNames.ValidateTopic(topic));

    [Fact]
    public void A_topic_name_has_at_most_249_characters()
    {
        Assert.Null(KafkaNames.ValidateTopic(new string('t', KafkaNames.MaxTopicLength)));
        Assert.Equal("it is 250 characters long, at most 249 are allowed", KafkaNames.ValidateTopic(new string('t', 250)));
    }

    [Theory]
    [InlineData("order-created")]
    [InlineData("Shop.Orders.OrderCreated/v2")]
    [InlineData("ordér")]
    public void Valid_type_ids(string typeId) => Assert.Null(KafkaNames.ValidateTypeId(typeId));

    [Theory]
    [InlineData(null, "a type id must not be null")]
    [InlineData("", "a type id must not be empty or whitespace")]
    [InlineData("   ", "a type id must not be empty or whitespace")]
    [InlineData("order created", "the character U+0020 is not allowed; type ids contain no whitespace or control characters")]
    [InlineData("order\u0001", "the character U+0001 is not allowed; type ids contain no whitespace or control characters")]
    public void Invalid_type_ids_say_why(string? typeId, string reason) => Assert.Equal(reason, KafkaNames.ValidateTypeId(typeId));

    [Fact]
    public void A_type_id_has_at_most_255_characters()
    {
        Assert.Null(KafkaNames.ValidateTypeId(new string('t', KafkaNames.MaxTypeIdLength)));
        Assert.Equal("it is 256 characters long, at most 255 are allowed", KafkaNames.ValidateTypeId(new string('t', 256)));
    }
}
