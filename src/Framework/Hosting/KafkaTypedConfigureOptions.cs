using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Hosting;

/// <summary>
/// Binds <see cref="KafkaTypedOptions"/> from the <c>"KafkaTyped"</c> section of the application's configuration when
/// there is one. Binding code is generated at compile time (configuration binding source generator), so it is trimming-
/// and NativeAOT-safe.
/// </summary>
internal sealed class KafkaTypedConfigureOptions(IServiceProvider services) : IConfigureOptions<KafkaTypedOptions>
{
    public void Configure(KafkaTypedOptions options)
    {
        if (services.GetService<IConfiguration>() is { } configuration)
        {
            configuration.GetSection(KafkaTypedOptions.SectionName).Bind(options);
        }
    }
}
