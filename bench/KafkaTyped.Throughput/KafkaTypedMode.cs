using KafkaTyped.Benchmarks.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.Throughput;

/// <summary>
/// KafkaTyped: <see cref="IMessagePublisher.Publish{T}"/> (fire-and-forget, the counterpart of a raw <c>Produce</c>
/// with a callback) then <see cref="IMessagePublisher.Flush"/>; the consumer host (poll thread, partition lanes,
/// generated route table, commit after handling) with a singleton no-op handler.
/// </summary>
internal static class KafkaTypedMode
{
    public static Measurement Publish(string bootstrapServers, string topic, OrderPlaced[] messages, Action<KafkaTypedOptions>? configure = null)
    {
        using var services = Build(bootstrapServers, consumer: null, handler: null, configure: configure);
        var publisher = services.GetRequiredService<IMessagePublisher>();
        Prime(publisher, topic, messages[0]);

        var meter = new PhaseMeter();
        meter.Start();
        foreach (var message in messages)
        {
            publisher.Publish(message, topic);
        }

        if (publisher.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("KafkaTyped publisher: records still outstanding after 60 s.");
        }

        return meter.Stop(messages.Length);
    }

    public static async Task<Measurement> PublishAsyncWindowed(string bootstrapServers, string topic, OrderPlaced[] messages, int window)
    {
        using var services = Build(bootstrapServers, consumer: null, handler: null);
        var publisher = services.GetRequiredService<IMessagePublisher>();
        Prime(publisher, topic, messages[0]);
        var inFlight = new Task[window];

        var meter = new PhaseMeter();
        meter.Start();
        for (var i = 0; i < messages.Length; i++)
        {
            var slot = i % window;
            if (inFlight[slot] is { } previous)
            {
                await previous.ConfigureAwait(false);
            }

            inFlight[slot] = publisher.PublishAsync(messages[i], topic, headers: null);
        }

        await Task.WhenAll(inFlight.Where(t => t is not null)).ConfigureAwait(false);
        return meter.Stop(messages.Length);
    }

    /// <param name="scoped">
    /// Registers the handler scoped, as <c>AddGeneratedHandlers</c> does by default: a DI scope per record, the handler
    /// resolved from it (by a factory returning the counting instance, so the count is shared).
    /// </param>
    public static async Task<Measurement> ConsumeAsync(
        string bootstrapServers, string topic, string groupId, int expected, TimeSpan timeout, bool scoped = false, TimeSpan handlerWork = default, Action<ConsumerOptions>? configure = null)
    {
        var handler = new NoOpOrderHandler(expected, handlerWork);
        var consumer = new ConsumerOptions { GroupId = groupId, Topics = { topic } };
        configure?.Invoke(consumer);
        await using var services = Build(bootstrapServers, consumer, handler, scoped);
        var hosted = services.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            var finished = await Task.WhenAny(handler.Done, Task.Delay(timeout)).ConfigureAwait(false);
            if (finished != handler.Done)
            {
                throw new TimeoutException($"KafkaTyped consumer: {handler.Count} of {expected} records handled after {timeout.TotalSeconds} s.");
            }

            return await handler.Done.ConfigureAwait(false);
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One record published and flushed before timing (see <see cref="RawMode.Prime"/>): the producer's connections,
    /// producer id and metadata of the new topic are set up outside the measured phase, as they are for the raw producer.
    /// </summary>
    private static void Prime(IMessagePublisher publisher, string topic, OrderPlaced message)
    {
        publisher.Publish(message, topic);
        if (publisher.Flush(TimeSpan.FromSeconds(30)) != 0)
        {
            throw new InvalidOperationException("KafkaTyped publisher: the priming record was not acknowledged in 30 s.");
        }
    }

    private static ServiceProvider Build(string bootstrapServers, ConsumerOptions? consumer, NoOpOrderHandler? handler, bool scoped = false, Action<KafkaTypedOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        var instance = handler ?? new NoOpOrderHandler(int.MaxValue);
        if (scoped)
        {
            services.AddScoped(_ => instance);
        }
        else
        {
            services.AddSingleton(instance);
        }

        services.AddSingleton(new DelayedCancellationHandler()); // the ordering scenarios' handler, idle here
        services.AddSingleton(new TransformCounter(output: "unused")); // what the exactly-once scenario's handler needs, idle here
        services.AddSingleton(new ProbeCounter(int.MaxValue)); // the store scenarios' handlers, idle here
        // The address is set here rather than with UseEmbeddedCluster: the bridge's test settings (quick fetches, short
        // sessions) would configure this client differently from the hand-written one it is compared with.
        services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = bootstrapServers;
            o.ServiceName = "throughput";
            foreach (var (key, value) in ClientSettings.Producer)
            {
                o.Publisher.Properties[key] = value;
            }

            if (consumer is not null)
            {
                foreach (var (key, value) in ClientSettings.Consumer)
                {
                    consumer.Properties[key] = value;
                }

                o.Consumers.Add(consumer);
            }

            configure?.Invoke(o);
        }).AddGeneratedHandlers();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
