using KafkaTyped.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Consuming;

/// <summary>What the stages of one consumer group share: its id and options, the clock, the jitter, scopes, the dead-letter stage.</summary>
internal sealed class ConsumerStages
{
    private static readonly TimeSpan s_minimumInfrastructureDelay = TimeSpan.FromMilliseconds(100);
    private readonly IServiceProvider? _services;
    private IDeduplicationStore? _deduplicationStore;

    public ConsumerStages(
        ConsumerOptions options, IServiceScopeFactory scopes, ILogger logger, TimeProvider timeProvider, IRetryJitter jitter, IDeadLetterSink sink, SecretRedactor? redactor = null, IServiceProvider? services = null)
    {
        _services = services;
        Redactor = redactor ?? SecretRedactor.None;
        Options = options;
        GroupId = options.GroupId ?? string.Empty;
        Scopes = scopes;
        Logger = logger;
        TimeProvider = timeProvider;
        Jitter = jitter;
        DeadLetters = new DeadLetterStage(this, sink);
        Rejections = new RejectionStage(this);
        GroupTag = new("messaging.consumer.group.name", GroupId);
    }

    public ConsumerOptions Options { get; }

    public string GroupId { get; }

    public IServiceScopeFactory Scopes { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    public IRetryJitter Jitter { get; }

    public DeadLetterStage DeadLetters { get; }

    /// <summary>The outcome stage of records no handler runs for: counted, traced, dead-lettered when poison.</summary>
    public RejectionStage Rejections { get; }

    /// <summary>The group as a metric tag, made once so that recording it allocates nothing.</summary>
    public KeyValuePair<string, object?> GroupTag { get; }

    /// <summary>The registered deduplication store, resolved when a handler with <see cref="DeduplicateAttribute"/> first needs it.</summary>
    public IDeduplicationStore DeduplicationStore => _deduplicationStore ??= _services?.GetService<IDeduplicationStore>()
        ?? throw new InvalidOperationException("A handler declares [Deduplicate] but no IDeduplicationStore is registered; AddKafkaTyped registers the in-memory one unless another is added.");

    /// <summary>
    /// The wait after failed <paramref name="attempt"/> to write to a dead-letter topic or a deduplication store: the
    /// handler backoff, but at least 100 ms apart even when handler retries are immediate (a broker or a database is
    /// not the handler), up to <see cref="ConsumerOptions.RetryMaxDelay"/>.
    /// </summary>
    public TimeSpan InfrastructureRetryDelay(int attempt)
    {
        var initial = TimeSpan.FromTicks(Math.Max(Options.RetryInitialDelay.Ticks, s_minimumInfrastructureDelay.Ticks));
        return HandlerPolicy.RetryDelay(attempt, initial, TimeSpan.FromTicks(Math.Max(Options.RetryMaxDelay.Ticks, initial.Ticks)), Jitter.NextDouble());
    }

    /// <summary>Masks configured secrets in the exceptions the stages log.</summary>
    public SecretRedactor Redactor { get; }
}

/// <summary>The default jitter: <see cref="Random.Shared"/>.</summary>
internal sealed class SharedRandomJitter : IRetryJitter
{
    public static readonly SharedRandomJitter Instance = new();

    public double NextDouble() => Random.Shared.NextDouble();
}
