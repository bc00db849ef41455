using System.Text;
using Confluent.Kafka;
using KafkaTyped.Consuming;
using KafkaTyped.Diagnostics;
using KafkaTyped.Tests.Support;

namespace KafkaTyped.Tests.Consuming;

/// <summary>What a dead-lettered record carries: its own headers, then the kt-dlq-* headers as UTF-8 text, bounded and free of secrets.</summary>
public sealed class DeadLetterHeadersTests
{
    private static string Text(Headers headers, string key) => Encoding.UTF8.GetString(headers.GetLastBytes(key));

    private static Exception Thrown(string message)
    {
        try
        {
            throw new TimeoutException(message);
        }
        catch (TimeoutException ex)
        {
            return ex;
        }
    }

    [Fact]
    public void Every_header_is_written_after_the_records_own()
    {
        var record = Records.At("orders", 3, 42, new Headers { { "ce_type", "order-placed"u8.ToArray() } }, [1, 2], [9]);
        var headers = DeadLetterHeaders.Create(new DeadLetter
        {
            Topic = "orders.dlq",
            Record = record,
            Reason = DeadLetterReason.HandlerFailed,
            ConsumerGroup = "billing",
            Exception = Thrown("downstream timed out"),
            Handler = "Shop.ReserveStock",
            Attempts = 3,
            Time = new DateTimeOffset(2026, 12, 2, 7, 30, 1, 250, TimeSpan.FromHours(2)),
        });

        Assert.Equal("ce_type", headers[0].Key);
        Assert.Equal("order-placed", Text(headers, "ce_type"));
        Assert.Equal("handler-failed", Text(headers, DeadLetterHeaders.Reason));
        Assert.Equal(typeof(TimeoutException).FullName, Text(headers, DeadLetterHeaders.ExceptionType));
        Assert.Equal("downstream timed out", Text(headers, DeadLetterHeaders.ExceptionMessage));
        Assert.Contains(nameof(Thrown), Text(headers, DeadLetterHeaders.StackTrace), StringComparison.Ordinal);
        Assert.Equal("orders", Text(headers, DeadLetterHeaders.OriginalTopic));
        Assert.Equal("3", Text(headers, DeadLetterHeaders.OriginalPartition));
        Assert.Equal("42", Text(headers, DeadLetterHeaders.OriginalOffset));
        Assert.Equal("billing", Text(headers, DeadLetterHeaders.ConsumerGroup));
        Assert.Equal("Shop.ReserveStock", Text(headers, DeadLetterHeaders.Handler));
        Assert.Equal("3", Text(headers, DeadLetterHeaders.Attempts));
        Assert.Equal("2026-12-02T05:30:01.250Z", Text(headers, DeadLetterHeaders.Time));
        Assert.Single(record.Message.Headers); // the consumed record is not changed
    }

    [Fact]
    public void Poison_input_has_no_handler_or_exception_headers_and_zero_attempts()
    {
        var headers = DeadLetterHeaders.Create(new DeadLetter
        {
            Topic = "orders.dlq",
            Record = Records.At("orders", 0, 1),
            Reason = DeadLetterReason.PayloadTooLarge,
            ConsumerGroup = "billing",
            Time = DateTimeOffset.UnixEpoch,
        });

        Assert.Equal("payload-too-large", Text(headers, DeadLetterHeaders.Reason));
        Assert.Equal("0", Text(headers, DeadLetterHeaders.Attempts));
        Assert.False(headers.TryGetLastBytes(DeadLetterHeaders.Handler, out _));
        Assert.False(headers.TryGetLastBytes(DeadLetterHeaders.ExceptionType, out _));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("é")]
    [InlineData("😀")]
    public void Stack_traces_and_messages_are_cut_to_8_KiB_of_UTF_8(string unit)
    {
        var text = string.Concat(Enumerable.Repeat(unit, 20_000));
        var bounded = DeadLetterHeaders.Bounded(text);
        var bytes = Encoding.UTF8.GetByteCount(bounded);
        Assert.InRange(bytes, DeadLetterHeaders.MaxTextBytes - 8, DeadLetterHeaders.MaxTextBytes);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(bounded)));
        Assert.Equal("short", DeadLetterHeaders.Bounded("short"));
    }

    [Fact]
    public void Configured_secrets_never_reach_a_header()
    {
        var options = new KafkaTypedOptions();
        options.Properties["sasl.password"] = "hunter2-top";
        options.Publisher.Properties["ssl.key.password"] = "keypass-77";
        options.Consumers.Add(new ConsumerOptions { GroupId = "g", Properties = { ["sasl.oauthbearer.client.secret"] = "oauth-s3cret" } });
        var redactor = new SecretRedactor(options);
        var headers = DeadLetterHeaders.Create(
            new DeadLetter
            {
                Topic = "orders.dlq",
                Record = Records.At("orders", 0, 1),
                Reason = DeadLetterReason.HandlerFailed,
                ConsumerGroup = "g",
                Exception = Thrown("login failed with hunter2-top, keypass-77 and oauth-s3cret"),
                Time = DateTimeOffset.UnixEpoch,
            },
            redactor.Redact);

        foreach (var header in headers)
        {
            var value = Encoding.UTF8.GetString(header.GetValueBytes());
            Assert.DoesNotContain("hunter2-top", value, StringComparison.Ordinal);
            Assert.DoesNotContain("keypass-77", value, StringComparison.Ordinal);
            Assert.DoesNotContain("oauth-s3cret", value, StringComparison.Ordinal);
        }

        Assert.Equal("login failed with ***, *** and ***", Text(headers, DeadLetterHeaders.ExceptionMessage));
    }
}
