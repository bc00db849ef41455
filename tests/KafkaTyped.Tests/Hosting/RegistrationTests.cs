using System.Text;
using KafkaTyped.Publishing;
using KafkaTyped.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KafkaTyped.Tests.Hosting;

/// <summary>What <c>AddKafkaTyped</c> adds to the application's service collection, and what it leaves alone.</summary>
public sealed class RegistrationTests
{
    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = "127.0.0.1:1";
            o.Properties["log_level"] = "0";
            o.Publisher.FlushTimeout = TimeSpan.Zero;
        });
        return services;
    }

    [Fact]
    public void No_TimeProvider_is_registered_for_the_application()
    {
        using var provider = Services().BuildServiceProvider();

        // The application decides whether it has a clock in its container; KafkaTyped falls back to the system clock privately.
        Assert.Null(provider.GetService<TimeProvider>());
        Assert.NotNull(provider.GetService<IMessagePublisher>());
        Assert.Equal(["SchemaRegistryStartupService", "PublisherStartupService", "KafkaTypedConsumerService"], provider.GetServices<IHostedService>().Select(s => s.GetType().Name));
    }

    [Fact]
    public void A_TimeProvider_the_application_registers_is_the_publishers_clock()
    {
        var now = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var services = Services();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(now)); // after AddKafkaTyped: the order does not matter
        using var provider = services.BuildServiceProvider();

        var publisher = Assert.IsType<KafkaMessagePublisher>(provider.GetRequiredService<IMessagePublisher>());
        var record = publisher.CreateRecord(new OrderPlaced(Guid.NewGuid(), "ada", 1), null, null, out _);

        Assert.Equal("2026-05-06T07:08:09.0000000Z", Encoding.UTF8.GetString(record.Headers.GetLastBytes("ce_time")));
    }
}
