// OrderService: a KafkaTyped service on a slim ASP.NET Core host, with /live and /ready and OpenTelemetry.
//
//   dotnet run --project samples/OrderService                    consumes "orders" until Ctrl+C; serves /live and /ready
//   dotnet run --project samples/OrderService -- --count 1000    publishes 1000 orders (3 messages each), waits until
//                                                                every message was handled, prints a summary, exits
//
// With no bootstrap servers configured (KafkaTyped:BootstrapServers in appsettings.json, or the environment variable
// KafkaTyped__BootstrapServers) it starts an embedded Kafka cluster in the process, so it runs on a machine with
// nothing but the .NET SDK. Telemetry:Exporter (none, console or otlp) chooses where traces and metrics go.
using KafkaTyped;
using KafkaTyped.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderService;

// Configuration (appsettings.json) is read from beside the executable, so the service runs from any directory.
// CreateSlimBuilder is the NativeAOT-friendly host: Kestrel, configuration, console logging, nothing reflective.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

if (!DemoSettings.TryRead(builder.Configuration, out var demo, out var error) || !Telemetry.TryRead(builder.Configuration, out var exporter, out error))
{
    Console.Error.WriteLine(error);
    return 2;
}

// The demo serves nothing anyone calls: it listens on a port the system picks, so it never clashes with a running service.
if (demo.Count is not null && string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:0");
}

// No Kafka configured: start one in this process (librdkafka's mock cluster, real Kafka protocol on loopback TCP).
// Disposed after the host, when the program ends.
await using var cluster = EmbeddedOrders.StartIfNotConfigured(builder.Configuration);

// The service: the order book the handlers write to, and KafkaTyped. AddKafkaTyped binds the "KafkaTyped" section
// (bootstrap servers, consumer groups, librdkafka properties) and validates it at start-up; UseEmbeddedCluster
// (KafkaTyped.Testing) points it at the embedded cluster when one was started; AddGeneratedHandlers is generated at
// compile time in this assembly and registers every IHandle<T> with the routing table over them; AddHealthChecks adds
// the liveness and readiness checks mapped below.
builder.Services.AddSingleton<InMemoryOrderBook>();
builder.Services.AddSingleton<IOrderBook>(sp => sp.GetRequiredService<InMemoryOrderBook>());
var kafka = builder.Services.AddKafkaTyped();
if (cluster is not null)
{
    kafka.UseEmbeddedCluster(cluster);
}

kafka.AddGeneratedHandlers().AddHealthChecks();
Telemetry.Add(builder.Services, exporter);

await using var app = builder.Build();
app.MapHealthChecks("/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live"), ResponseWriter = HealthJson.WriteAsync });
app.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = HealthJson.WriteAsync });

var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrderService");
if (cluster is not null)
{
    EmbeddedOrders.LogStarted(logger, cluster);
}

try
{
    if (demo.Count is not { } count)
    {
        // A service: consume until stopped (Ctrl+C, SIGTERM).
        await app.RunAsync();
        return 0;
    }

    // The demo: start the host (consumers join their group), publish, wait until everything was handled, stop.
    return await RunDemoAsync(app, count, demo.Timeout);
}
catch (OptionsValidationException ex)
{
    // Misconfiguration stops the service at start-up; every failure names its setting.
    Console.Error.WriteLine($"Invalid configuration: {string.Join(" ", ex.Failures)}");
    return 1;
}

static async Task<int> RunDemoAsync(IHost host, int count, TimeSpan timeout)
{
    if (!OrderDemo.IsConsumed(host.Services.GetRequiredService<IOptions<KafkaTypedOptions>>().Value, out var problem))
    {
        Console.Error.WriteLine(problem);
        return 1;
    }

    await host.StartAsync();
    var result = await OrderDemo.RunAsync(
        host.Services.GetRequiredService<IMessagePublisher>(),
        host.Services.GetRequiredService<InMemoryOrderBook>(),
        count,
        timeout,
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
    await host.StopAsync();

    Console.WriteLine(result.Summary);
    return result.Succeeded ? 0 : 1;
}
