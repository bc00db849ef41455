using KafkaTyped;
using KafkaTyped.PostgreSql;
using KafkaTyped.Sqlite;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Runs the outbox relay of one outbox table until it is killed (or its standard input closes).
// Arguments: sqlite|postgres, connection string, table, bootstrap servers, batch size.
// Prints "relay started" once the relay runs.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: KafkaTyped.OutboxRelayProbe sqlite|postgres <connection string> <table> <bootstrap servers> <batch size>");
    return 2;
}

var (kind, connectionString, table, bootstrapServers, batchSize) = (args[0], args[1], args[2], args[3], int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
IOutboxStore store = kind switch
{
    "sqlite" => new SqliteOutboxStore(connectionString, table),
    "postgres" => new PostgreSqlOutboxStore(connectionString, table),
    _ => throw new ArgumentException($"Unknown store '{kind}'."),
};

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-outbox-relay-probe" });
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddKafkaTyped()
    .UseTestCluster(bootstrapServers)
    .AddOutbox(_ => store, o =>
    {
        o.BatchSize = batchSize;
        o.PollInterval = TimeSpan.FromMilliseconds(20);
    });

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("relay started");
Console.Out.Flush();
await Console.In.ReadToEndAsync();
await host.StopAsync();
return 0;
