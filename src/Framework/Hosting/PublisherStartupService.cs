using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.Hosting;

/// <summary>
/// Creates the <see cref="IMessagePublisher"/> when the host starts, so that a misconfigured producer (an unknown or
/// invalid librdkafka property in <c>KafkaTyped:Properties</c> or <c>KafkaTyped:Publisher:Properties</c>) fails the
/// start instead of the first publish, whether or not the service runs consumer groups.
/// </summary>
internal sealed class PublisherStartupService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetService<IMessagePublisher>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
