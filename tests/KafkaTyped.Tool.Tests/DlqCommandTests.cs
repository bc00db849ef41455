using System.Text.Json;
using KafkaTyped.Serialization;

namespace KafkaTyped.Tool.Tests;

/// <summary>dlq list, dlq show, tail and lag against dead letters the real pipeline wrote (docs/cli.md).</summary>
public sealed class DlqCommandTests(ToolCluster cluster)
{
    private const string ReserveStockName = "KafkaTyped.Tool.Tests.ReserveStock";

    /// <summary>What <c>dotnet build -p:KafkaTypedUpdateSchemaLock=true</c> writes for <see cref="OrderPlaced"/> (docs/schema-lock.md).</summary>
    private const string SchemaLockText = """
        # KafkaTyped schema lock: the wire shape of every message, members in wire order.
        message tool.avro-note format=avro
          avro {"type":"record","name":"AvroNote","namespace":"KafkaTyped.Tool.Tests","fields":[{"name":"text","type":"string"}]}
        message tool.order-placed
          0 OrderId: string
          1 Amount: decimal
          2 Customer: string
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dlq_list_groups_the_dead_letters_by_reason_type_group_and_handler_with_count_and_times_and_filters_them()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);

        var all = await ToolRun.RunAsync("dlq", "list", orders.DeadLetterTopic, "-b", orders.Servers, "--output", "json");

        Assert.True(all.ExitCode == 0, all.ToString());
        var group = Assert.Single(all.JsonLines());
        Assert.Equal("handler-failed", group.GetProperty("reason").GetString());
        Assert.Equal("tool.order-placed", group.GetProperty("type").GetString());
        Assert.Equal(orders.Billing, group.GetProperty("group").GetString());
        Assert.Equal(ReserveStockName, group.GetProperty("handler").GetString());
        Assert.Equal(2, group.GetProperty("count").GetInt32());
        var first = group.GetProperty("first").GetDateTimeOffset();
        var last = group.GetProperty("last").GetDateTimeOffset();
        Assert.True(first <= last, $"first {first} after last {last}");
        Assert.InRange(first, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        var matching = await ToolRun.RunAsync("dlq", "list", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json", "--group", orders.Billing, "--reason", "handler-failed", "--handler", "ReserveStock", "--since", "1h");
        Assert.Equal(2, Assert.Single(matching.JsonLines()).GetProperty("count").GetInt32());
        foreach (var filter in new[] { new[] { "--group", orders.Audit }, ["--reason", "invalid-payload"], ["--type", "tool.other"], ["--since", "2099-01-01T00:00:00Z"] })
        {
            var none = await ToolRun.RunAsync(["dlq", "list", orders.DeadLetterTopic, "-b", orders.Servers, "-o", "json", .. filter], null, Ct);
            Assert.True(none.ExitCode == 0 && none.JsonLines().Count == 0, $"{string.Join(' ', filter)}: {none}");
        }

        var table = await ToolRun.RunAsync("dlq", "list", orders.DeadLetterTopic, "-b", orders.Servers);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(ReserveStockName, table.Stdout, StringComparison.Ordinal);
        Assert.Contains($"2 dead letters in {orders.DeadLetterTopic}", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dlq_show_prints_every_header_the_payload_decoded_with_the_schema_lock_or_generically_and_the_bytes_in_hex()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);
        var lockFile = Path.Combine(Path.GetTempPath(), ToolCluster.Unique("kafkatyped") + ".schema.lock");
        await File.WriteAllTextAsync(lockFile, SchemaLockText, Ct);
        try
        {
            var shown = await ToolRun.RunAsync("dlq", "show", orders.DeadLetterTopic, "--offset", "1", "-b", orders.Servers, "-o", "json", "--schema", lockFile);

            Assert.True(shown.ExitCode == 0, shown.ToString());
            Assert.DoesNotContain("not a schema lock line", shown.Stderr, StringComparison.Ordinal);
            var record = Assert.Single(shown.JsonLines());
            Assert.Equal(1, record.GetProperty("offset").GetInt64());
            Assert.Equal("o-4", record.GetProperty("key").GetString());
            var headers = record.GetProperty("headers").EnumerateArray().ToDictionary(h => h.GetProperty("key").GetString()!, h => h.GetProperty("value").GetString());
            Assert.Equal("tool.order-placed", headers["ce_type"]);
            Assert.True(Guid.TryParse(headers["ce_id"], out _));
            Assert.Equal("handler-failed", headers[DeadLetterHeaders.Reason]);
            Assert.Equal(typeof(PermanentFailureException).FullName, headers[DeadLetterHeaders.ExceptionType]);
            Assert.Equal("order o-4 has no amount", headers[DeadLetterHeaders.ExceptionMessage]);
            Assert.Equal(orders.Topic, headers[DeadLetterHeaders.OriginalTopic]);
            Assert.Equal("3", headers[DeadLetterHeaders.OriginalOffset]);
            Assert.Equal(orders.Billing, headers[DeadLetterHeaders.ConsumerGroup]);
            Assert.Equal(ReserveStockName, headers[DeadLetterHeaders.Handler]);
            Assert.Contains(DeadLetterHeaders.StackTrace, headers.Keys);
            Assert.Contains(DeadLetterHeaders.Time, headers.Keys);

            Assert.Equal("schema", record.GetProperty("decodedAs").GetString());
            Assert.Equal("""{"OrderId":"o-4","Amount":0,"Customer":"dee"}""", record.GetProperty("payload").GetRawText());
            Assert.Equal(Convert.ToHexStringLower(KafkaSerializer.Serialize(DeadLetteredOrders.Orders[3])), record.GetProperty("value").GetString());

            // Without the lock: MessagePack shown generically, members by position.
            var generic = Assert.Single((await ToolRun.RunAsync("dlq", "show", orders.DeadLetterTopic, "--offset", "0", "--partition", "0", "-b", orders.Servers, "-o", "json")).JsonLines());
            Assert.Equal("messagepack", generic.GetProperty("decodedAs").GetString());
            Assert.Equal("""["o-2","0","bob"]""", generic.GetProperty("payload").GetRawText());

            // For people: headers, the decoded payload, then the hex dump.
            var table = await ToolRun.RunAsync("dlq", "show", orders.DeadLetterTopic, "--offset", "1", "-b", orders.Servers, "--schema", lockFile);
            Assert.Equal(0, table.ExitCode);
            var payloadAt = table.Stdout.IndexOf("\"Customer\": \"dee\"", StringComparison.Ordinal);
            var hexAt = table.Stdout.IndexOf("00000000  ", StringComparison.Ordinal);
            Assert.True(table.Stdout.IndexOf(DeadLetterHeaders.Reason, StringComparison.Ordinal) is var reasonAt && reasonAt >= 0 && reasonAt < payloadAt && payloadAt < hexAt, table.Stdout);
        }
        finally
        {
            File.Delete(lockFile);
        }
    }

    [Fact]
    public async Task Dlq_show_of_a_missing_offset_or_topic_exits_with_not_found_and_says_what_is_missing()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);

        var offset = await ToolRun.RunAsync("dlq", "show", orders.DeadLetterTopic, "--offset", "99", "-b", orders.Servers);
        var topic = await ToolRun.RunAsync("dlq", "show", "no-such-topic", "--offset", "0", "-b", orders.Servers);
        var noServers = await ToolRun.RunAsync("dlq", "list", orders.DeadLetterTopic);

        Assert.Equal(ExitCodes.NotFound, offset.ExitCode);
        Assert.Contains("No record at offset 99", offset.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, topic.ExitCode);
        Assert.Contains("Topic 'no-such-topic' does not exist", topic.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, noServers.ExitCode);
        Assert.Contains("--bootstrap-servers", noServers.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_prints_decoded_records_one_a_line_from_the_beginning_or_from_a_groups_committed_offsets()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);
        var lockFile = Path.Combine(Path.GetTempPath(), ToolCluster.Unique("kafkatyped") + ".schema.lock");
        await File.WriteAllTextAsync(lockFile, SchemaLockText, Ct);
        try
        {
            var all = await ToolRun.RunAsync("tail", orders.Topic, "--from-beginning", "--limit", "5", "-b", orders.Servers, "-o", "json", "--schema", lockFile);

            Assert.True(all.ExitCode == 0, all.ToString());
            var lines = all.JsonLines();
            Assert.Equal(DeadLetteredOrders.Orders.Select(o => o.OrderId), lines.Select(l => l.GetProperty("key").GetString()));
            Assert.All(lines, l => Assert.Equal("tool.order-placed", l.GetProperty("type").GetString()));
            Assert.Equal("""{"OrderId":"o-1","Amount":10.50,"Customer":"ada"}""", lines[0].GetProperty("payload").GetRawText());

            // From the audit group's committed offsets (the end; the service is stopped so they stay): only what came after.
            await orders.Host.StopAsync(Ct);
            await orders.ProduceRawAsync(new OrderPlaced("o-6", 1m, "fay"));
            var line = await ToolRun.RunAsync("tail", orders.Topic, "--group", orders.Audit, "--limit", "1", "-b", orders.Servers);
            Assert.True(line.ExitCode == 0, line.ToString());
            var text = Assert.Single(line.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"{orders.Topic}[0]@5 ", text, StringComparison.Ordinal);
            Assert.Contains("tool.order-placed key=o-6 [\"o-6\",\"1\",\"fay\"]", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(lockFile);
        }
    }

    [Fact]
    public async Task Lag_shows_per_partition_the_committed_offset_the_end_and_the_lag_with_the_servers_from_the_environment()
    {
        await using var orders = await DeadLetteredOrders.StartAsync(cluster, Ct);
        var environment = new Dictionary<string, string> { ["KafkaTyped__BootstrapServers"] = orders.Servers };

        var lag = await ToolRun.RunAsync(["lag", "--group", orders.Audit, "-o", "json"], environment, Ct);
        var unknown = await ToolRun.RunAsync(["lag", "--group", ToolCluster.Unique("nobody")], environment, Ct);

        Assert.True(lag.ExitCode == 0, lag.ToString());
        var row = Assert.Single(lag.JsonLines());
        Assert.Equal(orders.Topic, row.GetProperty("topic").GetString());
        Assert.Equal(0, row.GetProperty("partition").GetInt32());
        Assert.Equal(5, row.GetProperty("committed").GetInt64());
        Assert.Equal(5, row.GetProperty("end").GetInt64());
        Assert.Equal(0, row.GetProperty("lag").GetInt64());
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);

        await orders.Host.StopAsync(Ct);
        await orders.ProduceRawAsync(new OrderPlaced("o-6", 1m, "fay"));

        var behind = Assert.Single((await ToolRun.RunAsync(["lag", "--group", orders.Audit, "--topic", orders.Topic, "-o", "json"], environment, Ct)).JsonLines());
        Assert.Equal(1, behind.GetProperty("lag").GetInt64());
    }
}
