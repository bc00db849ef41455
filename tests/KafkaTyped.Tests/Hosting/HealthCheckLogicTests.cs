using KafkaTyped.Health;
using KafkaTyped.Outbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KafkaTyped.Tests.Hosting;

/// <summary>
/// The decisions of the liveness and readiness checks on given <see cref="IConsumerStatus"/> snapshots and a fake
/// clock: the bounds that take minutes to reach against a cluster (the integration tests show the rest on the embedded
/// cluster). No producer here, so the readiness check asks no broker.
/// </summary>
public sealed class HealthCheckLogicTests
{
    private static readonly DateTimeOffset s_now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(s_now);

    [Fact]
    public async Task A_poll_loop_silent_for_longer_than_max_poll_interval_is_not_live_and_a_set_poll_limit_wins()
    {
        var status = new FixedStatus(Group("orders", ConsumerMemberState.Assigned, lastPoll: s_now - TimeSpan.FromMinutes(6)));
        var byDefault = await LiveAsync(status, new KafkaTypedHealthCheckOptions());
        Assert.Equal(HealthStatus.Unhealthy, byDefault.Status);
        Assert.Equal("consumer group 'orders' has not polled for 360 s (limit 300 s)", byDefault.Description);

        var generous = await LiveAsync(status, new KafkaTypedHealthCheckOptions { PollLimit = TimeSpan.FromMinutes(10) });
        Assert.Equal(HealthStatus.Healthy, generous.Status);
        Assert.Equal(360.0, generous.Data["orders.last_poll_age_s"]);
    }

    [Fact]
    public async Task A_faulted_group_is_neither_live_nor_ready()
    {
        var status = new FixedStatus(Group("orders", ConsumerMemberState.Faulted, lastPoll: s_now));
        Assert.Equal("consumer group 'orders' stopped on a fatal error", (await LiveAsync(status, new())).Description);
        Assert.Equal("consumer group 'orders' stopped on a fatal error", (await ReadyAsync(status, outbox: null)).Description);
    }

    [Fact]
    public async Task A_member_with_an_empty_assignment_is_ready_and_one_still_joining_is_not()
    {
        Assert.Equal(HealthStatus.Healthy, (await ReadyAsync(new FixedStatus(Group("idle", ConsumerMemberState.Assigned, s_now)), outbox: null)).Status);
        var joining = await ReadyAsync(new FixedStatus(Group("new", ConsumerMemberState.Joining, s_now)), outbox: null);
        Assert.Equal("consumer group 'new' holds no assignment (joining the group)", joining.Description);
    }

    [Fact]
    public async Task An_outbox_relay_that_has_not_drained_the_outbox_within_the_limit_is_not_ready_until_it_catches_up()
    {
        using var outbox = new OutboxRelayStatus(_time);
        var status = new FixedStatus();
        _time.Advance(TimeSpan.FromSeconds(30));
        outbox.BatchPublished(drained: false); // a full batch: more waiting
        Assert.Equal(HealthStatus.Healthy, (await ReadyAsync(status, outbox)).Status);

        _time.Advance(TimeSpan.FromSeconds(31));
        outbox.BatchFailed();
        var behind = await ReadyAsync(status, outbox);
        Assert.Equal(HealthStatus.Unhealthy, behind.Status);
        Assert.Equal("the outbox relay has not caught up for 61 s (limit 60 s, 1 failed batches in a row)", behind.Description);
        Assert.Equal(61.0, behind.Data["outbox.behind_s"]);

        outbox.BatchPublished(drained: true);
        var caughtUp = await ReadyAsync(status, outbox);
        Assert.Equal(HealthStatus.Healthy, caughtUp.Status);
        Assert.Equal(0.0, caughtUp.Data["outbox.behind_s"]);
    }

    private Task<HealthCheckResult> LiveAsync(IConsumerStatus status, KafkaTypedHealthCheckOptions options)
        => new KafkaTypedLivenessCheck(status, () => null, Options.Create(options), _time).CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

    private Task<HealthCheckResult> ReadyAsync(IConsumerStatus status, OutboxRelayStatus? outbox)
        => new KafkaTypedReadinessCheck(status, () => null, outbox, Options.Create(new KafkaTypedHealthCheckOptions()), _time).CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

    private static HealthCheckContext Context() => new()
    {
        Registration = new HealthCheckRegistration("check", _ => throw new InvalidOperationException(), HealthStatus.Unhealthy, ["tag"]),
    };

    private static ConsumerGroupStatus Group(string id, ConsumerMemberState state, DateTimeOffset lastPoll)
        => new(id, state, lastPoll, TimeSpan.FromMinutes(5), InFlight: 0, MaxConcurrency: 1, Partitions: []);

    private sealed class FixedStatus(params ConsumerGroupStatus[] groups) : IConsumerStatus
    {
        public IReadOnlyList<ConsumerGroupStatus> Groups { get; } = groups;
    }
}
