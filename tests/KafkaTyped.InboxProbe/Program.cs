using System.Data.Common;
using KafkaTyped;
using KafkaTyped.InboxProbe;
using KafkaTyped.PostgreSql;
using KafkaTyped.Sqlite;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

// Consumes one topic with a deduplicating handler that writes a payment row and adds to a balance through its IInbox,
// until it is killed (or its standard input closes). Arguments: sqlite|postgres, connection string, table prefix,
// bootstrap servers, topic, group, session timeout (ms), mode. The tables <prefix>_dedup (the store's, created on start),
// <prefix>_payments and <prefix>_accounts (the test's) live in the one database. Modes:
//   normal                     offsets committed as usual;
//   stop-before-inbox-commit   after the handler returned, before the inbox transaction commits, prints
//                              "handler returned, inbox not committed" and waits there until killed;
//   hold-offsets               the inbox commits, the offsets are not committed before a shutdown (a day's interval).
// Prints "started" once consuming, "handling <id> attempt <n>" when the handler runs, "skipped duplicate <id>" when the
// deduplication stage refuses a message it handled already.
if (args.Length != 8)
{
    Console.Error.WriteLine("usage: KafkaTyped.InboxProbe sqlite|postgres <connection string> <table prefix> <bootstrap servers> <topic> <group> <session timeout ms> normal|stop-before-inbox-commit|hold-offsets");
    return 2;
}

var settings = new ProbeSettings(args[2], args[7]);
var (kind, connectionString, bootstrapServers, topic, group, sessionTimeout) = (args[0], args[1], args[3], args[4], args[5], args[6]);
if (settings.Mode is not ("normal" or ProbeSettings.StopBeforeInboxCommit or "hold-offsets"))
{
    Console.Error.WriteLine($"Unknown mode '{settings.Mode}'.");
    return 2;
}

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-inbox-probe" });
builder.Logging.AddConsole().AddProvider(new DuplicateSignal()).SetMinimumLevel(LogLevel.Debug);
builder.Logging.AddFilter<ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
builder.Services.AddSingleton(settings);
builder.Services.AddScoped<HandlerReturned>();
var kafka = builder.Services.AddKafkaTyped(o => o.Consumers.Add(new ConsumerOptions
    {
        GroupId = group,
        Topics = { topic },
        CommitInterval = settings.Mode == "hold-offsets" ? TimeSpan.FromDays(1) : TimeSpan.FromMilliseconds(100),
        Properties =
        {
            ["session.timeout.ms"] = sessionTimeout,
            ["heartbeat.interval.ms"] = (int.Parse(sessionTimeout, System.Globalization.CultureInfo.InvariantCulture) / 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    }))
    .UseTestCluster(bootstrapServers);
_ = kind switch
{
    "sqlite" => kafka.AddDeduplication(_ => new SqliteDeduplicationStore(connectionString, tableName: settings.DedupTable), static (s, ct) => s.InitializeAsync(ct)),
    "postgres" => kafka.AddDeduplication(_ => new PostgreSqlDeduplicationStore(connectionString, tableName: settings.DedupTable), static (s, ct) => s.InitializeAsync(ct)),
    _ => throw new ArgumentException($"Unknown store '{kind}'."),
};
kafka.AddGeneratedHandlers();

using var host = builder.Build();
await host.StartAsync();
Signal.Line("started");
await Console.In.ReadToEndAsync();
await host.StopAsync();
return 0;

namespace KafkaTyped.InboxProbe
{
    /// <summary>The test's payment, as <c>InboxKillTests</c> publishes it (the same type id and members).</summary>
    [KafkaMessage("it.inbox-payment")]
    public sealed partial record InboxPayment([property: MessageKey] string PaymentId, long Amount);

    /// <summary>The tables and the mode of this run.</summary>
    public sealed record ProbeSettings(string TablePrefix, string Mode)
    {
        public const string StopBeforeInboxCommit = "stop-before-inbox-commit";

        public string DedupTable => TablePrefix + "_dedup";

        public string PaymentsTable => TablePrefix + "_payments";

        public string AccountsTable => TablePrefix + "_accounts";
    }

    /// <summary>
    /// Writes a payment row and adds its amount to the account's balance, both in the inbox transaction: effects that a
    /// second handling would visibly repeat (the payments table has no key, the balance is not idempotent).
    /// </summary>
    [Deduplicate(WindowSeconds = 3600)]
    public sealed class RecordPayment(IInbox inbox, ProbeSettings settings, HandlerReturned returned) : IHandle<InboxPayment>
    {
        public async ValueTask HandleAsync(InboxPayment message, MessageContext context, CancellationToken cancellationToken)
        {
            _ = returned; // taken only to be created in the attempt's scope, whose disposal after this method is the signal point
            Signal.Line($"handling {message.PaymentId} attempt {context.Attempt}");
            await ExecuteAsync($"INSERT INTO {settings.PaymentsTable} (id, amount) VALUES (@id, @amount)", message, cancellationToken);
            await ExecuteAsync($"UPDATE {settings.AccountsTable} SET balance = balance + @amount WHERE id = 'probe'", message, cancellationToken);
        }

        private async Task ExecuteAsync(string sql, InboxPayment message, CancellationToken cancellationToken)
        {
            await using var command = inbox.Connection.CreateCommand();
            command.Transaction = inbox.Transaction;
            command.CommandText = sql;
            Add(command, "@id", message.PaymentId);
            Add(command, "@amount", message.Amount);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private static void Add(DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>
    /// A scoped service of the handler's attempt: the consumer disposes the attempt's scope after the handler returned
    /// and before it commits the inbox transaction, so its disposal is the point between the two. In the mode
    /// <c>stop-before-inbox-commit</c> it signals and never returns there, leaving the handler's rows and the claim
    /// uncommitted in an open transaction until the process is killed.
    /// </summary>
    public sealed class HandlerReturned(ProbeSettings settings) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (settings.Mode == ProbeSettings.StopBeforeInboxCommit)
            {
                Signal.Line("handler returned, inbox not committed");
                await Task.Delay(Timeout.Infinite);
            }
        }
    }

    internal static class Signal
    {
        private static readonly Lock s_lock = new();

        public static void Line(string line)
        {
            lock (s_lock)
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }
    }

    /// <summary>Prints a line for each duplicate the deduplication stage skipped (its debug log, event id 233).</summary>
    internal sealed class DuplicateSignal : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 233 && state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(v => v.Key == "MessageId").Value is string messageId)
            {
                Signal.Line($"skipped duplicate {messageId}");
            }
        }

        public void Dispose()
        {
        }
    }
}
