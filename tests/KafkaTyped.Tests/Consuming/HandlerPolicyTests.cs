using KafkaTyped.Consuming;
using KafkaTyped.Diagnostics;
using KafkaTyped.Routing;

namespace KafkaTyped.Tests.Consuming;

/// <summary>One source of each setting: the handler's options, else the declaration the generator read, else the group's.</summary>
public sealed class HandlerPolicyTests
{
    private sealed class CardDeclinedException(string message) : InvalidOperationException(message);

    private sealed class ChargeCard;

    [Fact]
    public void Without_declarations_or_overrides_the_groups_settings_apply()
    {
        var options = new ConsumerOptions { GroupId = "billing", MaxHandlerAttempts = 4, DeadLetterTopic = "billing.dlq" };

        var policy = HandlerPolicy.Resolve(options, typeof(ChargeCard), declared: null);

        Assert.Equal(4, policy.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(RetryAttribute.DefaultBaseDelayMilliseconds), policy.BaseDelay);
        Assert.Equal("billing.dlq", policy.DeadLetterTopic);
        Assert.False(policy.IsLast(1, new InvalidOperationException()));
        Assert.True(policy.IsLast(1, new PermanentFailureException("bad")));
        Assert.True(policy.IsLast(4, new InvalidOperationException()));
    }

    [Fact]
    public void A_declared_non_retryable_type_ends_the_attempts_for_it_and_types_derived_from_it()
    {
        var declared = new RetryPolicy(5) { IsNonRetryable = static e => e is InvalidOperationException };

        var policy = HandlerPolicy.Resolve(new ConsumerOptions { GroupId = "billing" }, typeof(ChargeCard), declared);

        Assert.True(policy.IsLast(1, new InvalidOperationException()));
        Assert.True(policy.IsLast(1, new CardDeclinedException("declined")));
        Assert.False(policy.IsLast(1, new TimeoutException()));
        Assert.True(policy.IsLast(5, new TimeoutException()));
    }

    [Fact]
    public void Configured_names_add_to_the_declared_types_and_match_base_types()
    {
        var options = new ConsumerOptions { GroupId = "billing", NonRetryableExceptions = ["System.FormatException"] };
        options.Handlers[typeof(ChargeCard).FullName!] = new HandlerFailureOptions { NonRetryableExceptions = ["System.InvalidOperationException"] };
        var declared = new RetryPolicy(5) { IsNonRetryable = static e => e is ArgumentException };

        var policy = HandlerPolicy.Resolve(options, typeof(ChargeCard), declared);
        var other = HandlerPolicy.Resolve(options, typeof(HandlerPolicyTests), declared: null);

        Assert.True(policy.IsLast(1, new ArgumentNullException("x")));               // declared, derived
        Assert.True(policy.IsLast(1, new FormatException()));                        // the group's
        Assert.True(policy.IsLast(1, new CardDeclinedException("declined")));        // the handler's, by a base type
        Assert.False(policy.IsLast(1, new TimeoutException()));
        Assert.True(other.IsLast(1, new FormatException()));
        Assert.False(other.IsLast(1, new InvalidOperationException()));
    }

    [Fact]
    public void The_dead_letter_topic_is_the_handlers_option_else_the_declared_one_else_the_groups()
    {
        var options = new ConsumerOptions { GroupId = "billing", DeadLetterTopic = "billing.dlq" };
        Assert.Equal("payments.failed", HandlerPolicy.Resolve(options, typeof(ChargeCard), null, "payments.failed").DeadLetterTopic);

        options.Handlers[nameof(ChargeCard)] = new HandlerFailureOptions { DeadLetterTopic = "charge.failed" };
        Assert.Equal("charge.failed", HandlerPolicy.Resolve(options, typeof(ChargeCard), null, "payments.failed").DeadLetterTopic);
    }

    [Fact]
    public void An_invalid_declared_dead_letter_topic_fails_naming_the_handler_and_the_topic()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => HandlerPolicy.Resolve(new ConsumerOptions { GroupId = "g" }, typeof(ChargeCard), null, "orders failed"));

        Assert.Contains(typeof(ChargeCard).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'orders failed'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exception_holding_a_configured_secret_is_logged_masked_and_any_other_as_itself()
    {
        var options = new KafkaTypedOptions();
        options.Properties["sasl.password"] = "hunter2-very-secret";
        options.Consumers.Add(new ConsumerOptions { GroupId = "g", Properties = { ["sasl.oauthbearer.client.secret"] = "oauth-s3cr3t" } });
        var redactor = new SecretRedactor(options);
        var leaking = new InvalidOperationException("login as app:hunter2-very-secret failed, token oauth-s3cr3t");
        var harmless = new InvalidOperationException("no route to host");

        var logged = redactor.ForLog(leaking);

        Assert.Same(harmless, redactor.ForLog(harmless));
        Assert.DoesNotContain("hunter2", logged.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("oauth-s3cr3t", logged.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", logged.Message, StringComparison.Ordinal);
        Assert.Contains("login as app:*** failed, token ***", logged.ToString(), StringComparison.Ordinal);
        Assert.Contains(typeof(InvalidOperationException).FullName!, logged.Message, StringComparison.Ordinal);
        Assert.Same(leaking, SecretRedactor.None.ForLog(leaking));
    }
}
