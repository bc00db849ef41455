using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.IntegrationTests.Messaging;

/// <summary>One log entry of a host, with the structured values of its message template.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, int EventId, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception, DateTime At)
{
    public object? this[string name] => Values.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A logger provider that keeps every entry of one host (register it with <see cref="AddTo"/>), so a test asserts what
/// the runtime logged about a specific record (its event id, topic, partition and offset).
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    /// <summary>Adds the provider to a host's services, capturing KafkaTyped's warnings and errors.</summary>
    public void AddTo(IServiceCollection services) => AddTo(services, LogLevel.Warning);

    /// <summary>Adds the provider to a host's services; <paramref name="minimumLevel"/> applies to KafkaTyped's categories.</summary>
    public void AddTo(IServiceCollection services, LogLevel minimumLevel)
    {
        services.AddSingleton<ILoggerProvider>(this);
        services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(null, "KafkaTyped", minimumLevel, null)));
    }

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public IReadOnlyList<CapturedLog> WithEventId(int eventId) => [.. _entries.Where(e => e.EventId == eventId)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    values[key] = value;
                }
            }

            entries.Enqueue(new CapturedLog(category, logLevel, eventId.Id, formatter(state, exception), values, exception, DateTime.UtcNow));
        }
    }
}
