using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OrderService;

/// <summary>The demo's command line: <c>--count N</c> (orders to publish) and <c>--timeout SECONDS</c> (how long to wait for them).</summary>
internal sealed record DemoSettings(int? Count, TimeSpan Timeout)
{
    /// <summary>The default time the demo waits for every message to be handled.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Reads the settings; the host's command-line provider has turned <c>--count 1000</c> into the key <c>count</c>.</summary>
    public static bool TryRead(IConfiguration configuration, [NotNullWhen(true)] out DemoSettings? settings, [NotNullWhen(false)] out string? error)
    {
        settings = null;
        int? count = null;
        if (configuration["count"] is { } countText)
        {
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
            {
                error = $"--count must be a positive whole number of orders, not '{countText}'.";
                return false;
            }

            count = parsed;
        }

        var timeout = DefaultTimeout;
        if (configuration["timeout"] is { } timeoutText)
        {
            if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
            {
                error = $"--timeout must be a positive whole number of seconds, not '{timeoutText}'.";
                return false;
            }

            timeout = TimeSpan.FromSeconds(seconds);
        }

        settings = new DemoSettings(count, timeout);
        error = null;
        return true;
    }
}
