using System.Globalization;
using KafkaTyped.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.FaultRunner;

/// <summary>
/// A consumer-group member in a process of its own, built with the public API as a service would be (AddKafkaTyped,
/// AddConsumer, IHandle&lt;T&gt;, AddGeneratedHandlers). It runs until its standard input closes (a graceful stop) or it is
/// killed; it prints "member started" once its host runs.
/// </summary>
public static class Member
{
    /// <summary>The environment variable that plants the "commit before handling" bug (docs/reliability.md).</summary>
    public const string PlantedBugVariable = "KAFKATYPED_FAULTS_PLANTED_BUG";

    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args);
        var bootstrap = a.Required("--bootstrap");
        var ledgerPath = a.Required("--ledger");
        var run = a.Required("--run");
        var group = a.Required("--group");
        var topic = a.Required("--topic");
        var assignor = a.Text("--assignor") ?? "cooperative-sticky";
        var workMs = (int)a.Number("--work-ms", 0);
        var maxPayload = (int)a.Number("--max-payload", 1024 * 1024);
        var sessionMs = a.Number("--session-ms", 2000);
        var inbox = a.Text("--inbox");
        a.RejectUnknown();

        using var ledger = Ledger.Open(ledgerPath);
        var planted = Environment.GetEnvironmentVariable(PlantedBugVariable);
        var state = new MemberState(run, workMs, planted == "commit-before-handling", planted == "effect-outside-inbox" && inbox is not null ? ScenarioRun.OutsidePath(inbox) : null);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-fault-member" });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(new GroupEventLogger(ledger, state));
        builder.Services.AddSingleton(ledger).AddSingleton(state);
        builder.Services.AddKafkaTyped()
            .UseTestCluster(bootstrap)
            .AddConsumer(group, o =>
            {
                o.Topics.Add(topic);
                o.CommitInterval = TimeSpan.FromMilliseconds(500);
                o.DeadLetterUnknownTypes = true;
                o.MaxPayloadBytes = maxPayload;
                if (assignor == "consumer")
                {
                    o.Properties["group.protocol"] = "consumer";
                }
                else
                {
                    o.Properties["partition.assignment.strategy"] = assignor;
                    // Short, as the embedded cluster's own settings (docs/embedded-cluster.md): its coordinator keeps
                    // a member that was killed until its session expires.
                    o.Properties["session.timeout.ms"] = sessionMs.ToString(CultureInfo.InvariantCulture);
                    o.Properties["heartbeat.interval.ms"] = (sessionMs / 10).ToString(CultureInfo.InvariantCulture);
                }
            })
            .AddGeneratedHandlers();
        if (inbox is not null)
        {
            // The deduplication scenario: DeduplicatedRecordHandler's marks and effects in one SQLite file.
            builder.Services.AddKafkaTyped().AddSqliteDeduplication(new SqliteConnectionStringBuilder { DataSource = inbox, DefaultTimeout = 60 }.ToString());
        }

        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        await host.StartAsync();
        ledger.RecordEvent(run, RunnerEvents.Started, "started");
        Console.WriteLine("member started");
        Console.Out.Flush();
        if (planted == "crash")
        {
            // The runner's own check: a member that dies of a signal the runner did not send fails the run, with the
            // crashing thread's stack from the runtime's crash report.
            _ = Task.Run(async () =>
            {
                await Task.Delay(1000);
                System.Runtime.InteropServices.Marshal.WriteInt32(unchecked((nint)0x1000_0000_0000), 1);
            });
        }

        var input = Console.In.ReadToEndAsync();
        var stopping = Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping);
        var first = await Task.WhenAny(input, stopping);
        var stoppedByItself = first == stopping;
        await host.StopAsync();
        ledger.RecordEvent(run, RunnerEvents.Stopped, stoppedByItself ? "stopped by itself" : "stopped");
        if (stoppedByItself)
        {
            Console.Error.WriteLine("member stopped by itself (a fatal error of its consumer group)");
            return 3;
        }

        return 0;
    }
}

/// <summary>Event ids the runner records beside the framework's own (docs/diagnostics).</summary>
public static class RunnerEvents
{
    public const int Started = 1;
    public const int Stopped = 2;
    public const int PartitionsAssigned = 202;
    public const int PartitionsRevoked = 203;
    public const int PartitionsLost = 204;
    public const int DeadLettered = 231;
    public const int ConsumerFatal = 212;
    public const int LaneFailed = 217;
    public const int OffsetWentBack = 223;
    public const int CommitFailed = 210;
    public const int CommitRetrying = 224;
    public const int MembershipUnconfirmed = 225;
    public const int MembershipConfirmed = 226;
    public const int MembershipRejoining = 227;
    public const int ClientLog = 302;
}

/// <summary>What one member process shares between its handler and its log provider.</summary>
public sealed class MemberState(string run, int workMs, bool plantedBug, string? effectOutsideInbox = null)
{
    private int _generation;

    public string Run { get; } = run;

    public int WorkMilliseconds { get; } = workMs;

    /// <summary>Commit before handling: the handler returns at once and records the handling later, in the background.</summary>
    public bool PlantedBug { get; } = plantedBug;

    /// <summary>
    /// The planted bug of the deduplication scenario: the SQLite file (beside the inbox) the deduplicating handler writes
    /// its effect to on a connection of its own, committed at once rather than with the mark, before its work.
    /// </summary>
    public string? EffectOutsideInbox { get; } = effectOutsideInbox;

    /// <summary>Counts the assignment changes this process saw; handlings in one generation are one uninterrupted run.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public void NextGeneration() => Interlocked.Increment(ref _generation);
}

/// <summary>The handler: records the handling in the ledger, inside its handling, then returns.</summary>
public sealed class FaultRecordHandler(Ledger ledger, MemberState state) : IHandle<FaultRecord>
{
    public async ValueTask HandleAsync(FaultRecord message, MessageContext context, CancellationToken cancellationToken)
    {
        var generation = state.Generation;
        var start = DateTime.UtcNow.Ticks;
        if (state.WorkMilliseconds > 0)
        {
            await Task.Delay(state.WorkMilliseconds, cancellationToken);
        }

        if (state.PlantedBug)
        {
            // The planted bug: the offset is committed once this returns, before the record was really handled.
            var (partition, offset) = (context.Partition, context.Offset);
            _ = Task.Run(async () =>
            {
                await Task.Delay(1000, CancellationToken.None);
                ledger.RecordHandled(message, partition, offset, state.Run, generation, start, DateTime.UtcNow.Ticks);
            }, CancellationToken.None);
            return;
        }

        ledger.RecordHandled(message, context.Partition, context.Offset, state.Run, generation, start, DateTime.UtcNow.Ticks);
    }
}

/// <summary>
/// Turns the consumer group's log events into ledger rows (assignments, revocations, losses, dead letters, fatal
/// errors) and starts a new generation on every change of assignment. Errors also go to standard error.
/// </summary>
public sealed class GroupEventLogger(Ledger ledger, MemberState state) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState scopeState) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState logState, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        switch (eventId.Id)
        {
            case RunnerEvents.PartitionsAssigned or RunnerEvents.PartitionsRevoked or RunnerEvents.PartitionsLost:
                state.NextGeneration();
                ledger.RecordEvent(state.Run, eventId.Id, formatter(logState, exception));
                break;
            case RunnerEvents.DeadLettered or RunnerEvents.ConsumerFatal or RunnerEvents.LaneFailed or RunnerEvents.OffsetWentBack
                or RunnerEvents.CommitFailed or RunnerEvents.CommitRetrying
                or RunnerEvents.MembershipUnconfirmed or RunnerEvents.MembershipConfirmed or RunnerEvents.MembershipRejoining:
                ledger.RecordEvent(state.Run, eventId.Id, formatter(logState, exception));
                break;
            case RunnerEvents.ClientLog when formatter(logState, exception) is var text && text.Contains("offset reset", StringComparison.Ordinal):
                // librdkafka moved a partition's position (offset out of range: the log no longer holds it).
                ledger.RecordEvent(state.Run, eventId.Id, text);
                break;
        }

        if (logLevel >= LogLevel.Error && eventId.Id is not 232 and not 207)
        {
            Console.Error.WriteLine($"[{state.Run}] {logLevel} {eventId.Id}: {formatter(logState, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
        }
    }

    public void Dispose()
    {
    }
}

/// <summary>
/// The handler of the deduplication scenario: records the handling in the ledger (every delivery that reaches it) and
/// writes its effect, one row in the <c>effects</c> table, in the inbox transaction that also holds the message's
/// deduplication mark. The consumer commits both when this returns, so an effect may be written once per message only.
/// </summary>
[Deduplicate(WindowSeconds = 3600)]
public sealed class DeduplicatedRecordHandler(Ledger ledger, MemberState state, IInbox inbox) : IHandle<DeduplicatedRecord>
{
    public async ValueTask HandleAsync(DeduplicatedRecord message, MessageContext context, CancellationToken cancellationToken)
    {
        var generation = state.Generation;
        var start = DateTime.UtcNow.Ticks;
        if (state.EffectOutsideInbox is { } path)
        {
            // The planted bug: the effect commits on its own, and the mark only after the work that follows.
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 60 }.ToString());
            await connection.OpenAsync(cancellationToken);
            await using var effect = connection.CreateCommand();
            effect.CommandText = "INSERT INTO effects (id, run, partition, offset) VALUES ($id, $run, $p, $o)";
            effect.Parameters.Add(new SqliteParameter("$id", message.Id));
            effect.Parameters.Add(new SqliteParameter("$run", state.Run));
            effect.Parameters.Add(new SqliteParameter("$p", context.Partition));
            effect.Parameters.Add(new SqliteParameter("$o", context.Offset));
            await effect.ExecuteNonQueryAsync(cancellationToken);
            await Task.Delay(Math.Max(state.WorkMilliseconds, 20), cancellationToken);
            ledger.RecordHandled(message.AsFaultRecord(), context.Partition, context.Offset, state.Run, generation, start, DateTime.UtcNow.Ticks);
            return;
        }

        if (state.WorkMilliseconds > 0)
        {
            await Task.Delay(state.WorkMilliseconds, cancellationToken);
        }

        await using (var command = inbox.Connection.CreateCommand())
        {
            command.Transaction = inbox.Transaction;
            command.CommandText = "INSERT INTO effects (id, run, partition, offset) VALUES ($id, $run, $p, $o)";
            command.Parameters.Add(new SqliteParameter("$id", message.Id));
            command.Parameters.Add(new SqliteParameter("$run", state.Run));
            command.Parameters.Add(new SqliteParameter("$p", context.Partition));
            command.Parameters.Add(new SqliteParameter("$o", context.Offset));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        ledger.RecordHandled(message.AsFaultRecord(), context.Partition, context.Offset, state.Run, generation, start, DateTime.UtcNow.Ticks);
    }
}
