using KafkaTyped;
using KafkaTyped.StartupProbe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Starts a service with one consumer group against the bootstrap servers in args[0], waits until librdkafka reported
// something through KafkaTyped's client log and error handlers (the callbacks that once crashed the process while the
// clients were being built), then stops it. Exit codes: 0 stopped normally, 2 no client log within the deadline.
var bootstrapServers = args.Length > 0 ? args[0] : "127.0.0.1:1";
var clientLogs = new ClientLogSignal();

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-startup-probe" });
builder.Logging.AddProvider(clientLogs);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddKafkaTyped(options =>
    {
        options.BootstrapServers = bootstrapServers;
        options.Properties["reconnect.backoff.ms"] = "10";
        options.Properties["reconnect.backoff.max.ms"] = "100";
        options.Publisher.FlushTimeout = TimeSpan.Zero;
        options.Consumers.Add(new ConsumerOptions { GroupId = "startup-probe", Topics = { "startup-probe" } });
    })
    .AddGeneratedHandlers();

using var host = builder.Build();
await host.StartAsync();
var seen = await clientLogs.First.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
await host.StopAsync();
Console.WriteLine(seen ? "stopped after a client log" : "stopped without a client log");
return seen ? 0 : 2;

namespace KafkaTyped.StartupProbe
{
    [KafkaMessage("startup-probe.ping", Topic = "startup-probe")]
    public sealed partial record Ping([property: MessageKey] string Id);

    public sealed class PingHandler : IHandle<Ping>
    {
        public ValueTask HandleAsync(Ping message, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>Completes <see cref="First"/> on the first librdkafka log or error KafkaTyped forwards (event ids 301, 302).</summary>
    internal sealed class ClientLogSignal : ILoggerProvider, ILogger
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task First => _first.Task;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id is 301 or 302)
            {
                _first.TrySetResult();
            }
        }

        public void Dispose()
        {
        }
    }
}
