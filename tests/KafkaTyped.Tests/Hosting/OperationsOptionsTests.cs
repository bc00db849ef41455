using System.Reflection;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Tests.Hosting;

/// <summary>docs/operations.md: the health check options validated at start-up and bound from configuration, and the log event ids.</summary>
public sealed partial class OperationsOptionsTests
{
    [Theory]
    [InlineData("StuckRecordLimit")]
    [InlineData("BrokerTimeout")]
    [InlineData("OutboxLagLimit")]
    [InlineData("PollLimit")]
    [InlineData("LiveTag")]
    [InlineData("ReadyTag")]
    public void Each_invalid_health_check_option_fails_start_up_naming_its_key(string key)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            switch (key)
            {
                case "StuckRecordLimit": o.StuckRecordLimit = TimeSpan.Zero; break;
                case "BrokerTimeout": o.BrokerTimeout = TimeSpan.FromSeconds(-1); break;
                case "OutboxLagLimit": o.OutboxLagLimit = TimeSpan.Zero; break;
                case "PollLimit": o.PollLimit = TimeSpan.Zero; break;
                case "LiveTag": o.LiveTag = " "; break;
                case "ReadyTag": o.ReadyTag = ""; break;
            }
        }));
        var failure = Assert.Single(ex.Failures);
        Assert.StartsWith($"KafkaTyped:HealthChecks:{key} must", failure);
    }

    [Fact]
    public void Health_check_options_bind_from_the_KafkaTyped_HealthChecks_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KafkaTyped:HealthChecks:StuckRecordLimit"] = "00:00:30",
            ["KafkaTyped:HealthChecks:PollLimit"] = "00:01:00",
            ["KafkaTyped:HealthChecks:ReadyTag"] = "readiness",
        }).Build();
        var options = Resolve(configure: null, configuration);
        Assert.Equal(TimeSpan.FromSeconds(30), options.StuckRecordLimit);
        Assert.Equal(TimeSpan.FromMinutes(1), options.PollLimit);
        Assert.Equal("readiness", options.ReadyTag);
        Assert.Equal("live", options.LiveTag);
        Assert.Equal(TimeSpan.FromSeconds(2), options.BrokerTimeout);
    }

    [Fact]
    public void Every_log_message_has_its_own_event_id_and_is_listed_in_docs_operations_md()
    {
        var ids = typeof(Log).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => (m.Name, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Name, m.Attribute!.EventId))
            .ToList();
        Assert.True(ids.Count >= 40, $"found only {ids.Count} log messages");
        Assert.Empty(ids.GroupBy(i => i.EventId).Where(g => g.Count() > 1).Select(g => g.Key));

        var listed = TableRow().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md")))
            .ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value);
        foreach (var (name, id) in ids)
        {
            Assert.True(listed.TryGetValue(id, out var documented), $"event {id} ({name}) is not listed in docs/operations.md");
            Assert.Equal(name, documented);
        }

        Assert.Equal(ids.Count, listed.Count);
    }

    [Theory]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    [InlineData(SyslogLevel.Alert, LogLevel.Critical)]
    [InlineData(SyslogLevel.Critical, LogLevel.Critical)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Info, LogLevel.Information)]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    public void Librdkafka_log_levels_map_to_logging_levels(SyslogLevel level, LogLevel expected)
        => Assert.Equal(expected, LibrdkafkaLog.ToLogLevel(level));

    private static KafkaTypedHealthCheckOptions Resolve(Action<KafkaTypedHealthCheckOptions>? configure, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        if (configuration is not null)
        {
            services.AddSingleton(configuration);
        }

        services.AddKafkaTyped(o => o.BootstrapServers = "localhost:9092").AddHealthChecks(configure);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<KafkaTypedHealthCheckOptions>>().Value;
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));

    [GeneratedRegex(@"^\| (\d{3}) \| \w+ \| `(\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
