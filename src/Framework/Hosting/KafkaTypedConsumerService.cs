using KafkaTyped.Consuming;
using KafkaTyped.Diagnostics;
using KafkaTyped.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Hosting;

/// <summary>
/// The hosted service that runs every configured consumer group (<see cref="KafkaTypedOptions.Consumers"/>), one
/// <see cref="ConsumerGroupWorker"/> with its own poll thread per group. Groups come from configuration, which is only
/// known once the container is built, so one hosted service owns them; each group still starts, stops and fails on its own.
/// </summary>
internal sealed class KafkaTypedConsumerService : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly IOptions<KafkaTypedOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly List<ConsumerGroupWorker> _workers = [];

    public KafkaTypedConsumerService(IServiceProvider services, IOptions<KafkaTypedOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _services = services;
        _options = options;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (options.Consumers.Count == 0)
        {
            return Task.CompletedTask;
        }

        var routes = _services.GetRequiredService<RouteRegistry>();
        if (routes.Bindings.Count == 0)
        {
            throw new InvalidOperationException(
                $"{KafkaTypedOptions.SectionName}:Consumers configures {options.Consumers.Count} consumer group(s) but no message is routed to a handler: call AddGeneratedHandlers() on the builder returned by AddKafkaTyped (or AddRouteTable).");
        }

        var serviceName = ServiceName.Resolve(options, _services);
        var lifetime = _services.GetService<IHostApplicationLifetime>();
        var logger = _loggerFactory.CreateLogger("KafkaTyped.Consumer");
        var hostShutdownTimeout = _services.GetService<IOptions<HostOptions>>()?.Value.ShutdownTimeout ?? TimeSpan.FromSeconds(30);
        foreach (var warning in ConsumerSettingsReview.Warnings(options, hostShutdownTimeout))
        {
            Log.SettingWeakensGuarantee(logger, warning);
        }

        try
        {
            var board = _services.GetService<ConsumerStatusBoard>();
            for (var index = 0; index < options.Consumers.Count; index++)
            {
                var consumer = options.Consumers[index];
                var processor = new MessageProcessor(
                    routes, _services, consumer, logger, _timeProvider, _services.GetRequiredService<IDeadLetterSink>(), _services.GetService<IRetryJitter>());
                var config = ClientConfigFactory.CreateConsumerConfig(options, consumer, serviceName);
                var exactlyOnce = consumer.ExactlyOnce ? CreateExactlyOnceMember(options, consumer, serviceName, logger) : null;
                var worker = new ConsumerGroupWorker(consumer, config, processor, logger, _timeProvider, lifetime is null ? null : lifetime.StopApplication, exactlyOnce: exactlyOnce);
                worker.Start();
                _workers.Add(worker);
                board?.Attach(index, worker);
            }
        }
        catch
        {
            // Leave no half-started group behind.
            StopAsync(new CancellationToken(canceled: true)).GetAwaiter().GetResult();
            throw;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The transactional producer of this member of an exactly-once group. Its <c>transactional.id</c> is unique per
    /// member (service, group, a new id per start): the consumer group's generation, sent with the offsets, fences a
    /// member that lost its partitions (KIP-447), so the id need not be stable.
    /// </summary>
    private ExactlyOnceMember CreateExactlyOnceMember(KafkaTypedOptions options, ConsumerOptions consumer, string serviceName, ILogger logger)
    {
        var transactionalId = $"{options.Publisher.TransactionalId ?? serviceName}-{consumer.GroupId}-{Guid.NewGuid():N}";
        return new ExactlyOnceMember(new TransactionalProducer(options, serviceName, transactionalId, _services.GetServices<IDeliveryFailureHandler>(), logger, _timeProvider));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var workers = _workers.ToArray();
        _workers.Clear();
        await Task.WhenAll(workers.Select(w => w.StopAsync(cancellationToken))).ConfigureAwait(false);
    }
}
