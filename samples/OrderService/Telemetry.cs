using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrderService;

/// <summary>Where the service's traces and metrics go: <c>Telemetry:Exporter</c> is <c>none</c> (default), <c>console</c> or <c>otlp</c>.</summary>
internal enum TelemetryExporter
{
    None,
    Console,
    Otlp,
}

/// <summary>OpenTelemetry for KafkaTyped's activity source and meter, both named <c>KafkaTyped</c> (docs/operations.md).</summary>
internal static class Telemetry
{
    public const string ExporterKey = "Telemetry:Exporter";

    public static bool TryRead(IConfiguration configuration, out TelemetryExporter exporter, [NotNullWhen(false)] out string? error)
    {
        error = null;
        switch (configuration[ExporterKey]?.Trim().ToLowerInvariant())
        {
            case null or "" or "none":
                exporter = TelemetryExporter.None;
                return true;
            case "console":
                exporter = TelemetryExporter.Console;
                return true;
            case "otlp":
                exporter = TelemetryExporter.Otlp;
                return true;
            default:
                exporter = TelemetryExporter.None;
                error = $"{ExporterKey} must be none, console or otlp, not '{configuration[ExporterKey]}'.";
                return false;
        }
    }

    /// <summary>
    /// Traces of the <c>KafkaTyped</c> source and metrics of the <c>KafkaTyped</c> meter, to the console or over OTLP
    /// (the endpoint from <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, default <c>http://localhost:4317</c>). With none, nothing
    /// listens and KafkaTyped creates no spans at all.
    /// </summary>
    public static void Add(IServiceCollection services, TelemetryExporter exporter)
    {
        if (exporter == TelemetryExporter.None)
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("order-service"))
            .WithTracing(tracing =>
            {
                tracing.AddSource("KafkaTyped");
                if (exporter == TelemetryExporter.Console)
                {
                    tracing.AddConsoleExporter();
                }
                else
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter("KafkaTyped");
                if (exporter == TelemetryExporter.Console)
                {
                    metrics.AddConsoleExporter();
                }
                else
                {
                    metrics.AddOtlpExporter();
                }
            });
    }
}
