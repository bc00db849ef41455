using System.Text.Json;

namespace KafkaTyped.Tool.Tests;

/// <summary>
/// dlq replay against dead letters the real pipeline wrote: the replays reach only the group and handler that failed,
/// a second run replays nothing, a dry run publishes nothing (docs/cli.md).
/// </summary>
public sealed class ReplayTests(ToolCluster cluster)
{
    private const string ReserveStockName = "KafkaTyped.Tool.Tests.ReserveStock";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replayed_dead_letters_reach_only_the_failed_groups_failed_handler_and_a_second_run_replays_nothing()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);
        orders.Book.FailingGroup = null; // the cause is fixed
        var before = orders.Book.Calls.Count;

        var replay = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json");

        Assert.True(replay.ExitCode == 0, replay.ToString());
        var lines = replay.JsonLines();
        var replayed = lines.Where(l => l.GetProperty("event").GetString() == "replayed").ToList();
        Assert.Equal(2, replayed.Count);
        Assert.Equal([$"{orders.Topic}/0/1", $"{orders.Topic}/0/3"], replayed.Select(r => r.GetProperty("replayOf").GetString()));
        Assert.All(replayed, r => Assert.Equal(orders.Billing, r.GetProperty("toGroup").GetString()));
        Assert.All(replayed, r => Assert.Equal(ReserveStockName, r.GetProperty("toHandler").GetString()));
        Assert.Equal([5L, 6L], replayed.Select(r => r.GetProperty("offset").GetInt64()));
        var summary = lines[^1];
        Assert.Equal("summary", summary.GetProperty("event").GetString());
        Assert.Equal(2, summary.GetProperty("replayed").GetInt32());
        Assert.Equal("kafkatyped-replay", summary.GetProperty("cursor").GetString());

        // Both groups read the two replays and commit past them; only billing's ReserveStock runs for them.
        await orders.WaitUntilCommittedAsync(orders.Billing, 7, Ct);
        await orders.WaitUntilCommittedAsync(orders.Audit, 7, Ct);
        var calls = orders.Book.Calls.Skip(before).ToList();
        Assert.Equal(
            [new Call(orders.Billing, nameof(ReserveStock), "o-2", $"{orders.Topic}/0/1"), new Call(orders.Billing, nameof(ReserveStock), "o-4", $"{orders.Topic}/0/3")],
            calls);

        // The replay's position was recorded for its cursor: running it again replays nothing.
        var again = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json");
        Assert.True(again.ExitCode == 0, again.ToString());
        var second = Assert.Single(again.JsonLines());
        Assert.Equal(0, second.GetProperty("replayed").GetInt32());
        Assert.Equal(7, orders.EndOffset(orders.Topic));
        Assert.Equal(2, orders.Committed("kafkatyped-replay", orders.DeadLetterTopic));
        Assert.Empty(orders.Book.Calls.Skip(before + calls.Count));
    }

    [Fact]
    public async Task A_dry_run_publishes_and_records_nothing_and_the_real_run_after_it_replays_everything()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);

        var dry = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "--dry-run", "-b", orders.Servers, "-o", "json");

        Assert.True(dry.ExitCode == 0, dry.ToString());
        var lines = dry.JsonLines();
        Assert.Equal(2, lines.Count(l => l.GetProperty("event").GetString() == "would-replay"));
        Assert.True(lines[^1].GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, lines[^1].GetProperty("wouldReplay").GetInt32());
        Assert.Equal(DeadLetteredOrders.Orders.Length, orders.EndOffset(orders.Topic));
        Assert.True(orders.Committed("kafkatyped-replay", orders.DeadLetterTopic) < 0, "a dry run recorded a position");

        // Table output, for people: what would go where.
        var table = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "--dry-run", "-b", orders.Servers);
        Assert.Contains("Would replay 2 dead letter(s)", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(ReserveStockName, table.Stdout, StringComparison.Ordinal);

        var real = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json");
        Assert.Equal(2, real.JsonLines()[^1].GetProperty("replayed").GetInt32());
        Assert.Equal(DeadLetteredOrders.Orders.Length + 2, orders.EndOffset(orders.Topic));
    }

    [Fact]
    public async Task Filters_and_targets_make_their_own_cursor_and_to_group_addresses_every_handler_of_that_group()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);
        var before = orders.Book.Calls.Count;

        var none = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "--reason", "invalid-payload", "-b", orders.Servers, "-o", "json");
        var toAudit = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "--handler", "ReserveStock", "--to-group", orders.Audit, "-b", orders.Servers, "-o", "json");

        Assert.Equal(0, none.JsonLines()[^1].GetProperty("replayed").GetInt32());
        Assert.Equal(2, none.JsonLines()[^1].GetProperty("filteredOut").GetInt32());
        Assert.Equal("kafkatyped-replay[reason=invalid-payload]", none.JsonLines()[^1].GetProperty("cursor").GetString());
        var summary = toAudit.JsonLines()[^1];
        Assert.Equal(2, summary.GetProperty("replayed").GetInt32());
        Assert.Equal($"kafkatyped-replay[handler=ReserveStock,to-group={orders.Audit}]", summary.GetProperty("cursor").GetString());

        await orders.WaitUntilCommittedAsync(orders.Billing, 7, Ct);
        await orders.WaitUntilCommittedAsync(orders.Audit, 7, Ct);
        var calls = orders.Book.Calls.Skip(before).ToList();
        Assert.All(calls, c => Assert.Equal(orders.Audit, c.Group));
        Assert.Equal(["o-2/ReserveStock", "o-2/SendReceipt", "o-4/ReserveStock", "o-4/SendReceipt"], calls.Select(c => $"{c.OrderId}/{c.Handler}").Order());

        var conflicting = await ToolRun.RunAsync("dlq", "replay", orders.DeadLetterTopic, "--to-all", "--to-group", orders.Audit, "-b", orders.Servers);
        Assert.Equal(ExitCodes.Usage, conflicting.ExitCode);
    }

    [Fact]
    public async Task A_cancelled_replay_exits_130_and_records_nothing_it_did_not_publish()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var replay = await ToolRun.RunAsync(["dlq", "replay", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json"], null, cancelled.Token);

        Assert.Equal(ExitCodes.Cancelled, replay.ExitCode);
        Assert.True(replay.JsonLines()[^1].GetProperty("cancelled").GetBoolean(), replay.ToString());
        Assert.Equal(DeadLetteredOrders.Orders.Length, orders.EndOffset(orders.Topic));
        Assert.True(orders.Committed("kafkatyped-replay", orders.DeadLetterTopic) < 0);
    }
}
