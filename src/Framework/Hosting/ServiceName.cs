using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.Hosting;

/// <summary>Resolves the service name: <see cref="KafkaTypedOptions.ServiceName"/>, else the host's application name, else "kafkatyped".</summary>
internal static class ServiceName
{
    public const string Fallback = "kafkatyped";

    public static string Resolve(KafkaTypedOptions options, IServiceProvider services)
        => !string.IsNullOrWhiteSpace(options.ServiceName) ? options.ServiceName
            : services.GetService<IHostEnvironment>()?.ApplicationName is { Length: > 0 } name ? name
            : Fallback;
}
