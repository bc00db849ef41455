using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrderService;

/// <summary>
/// The JSON body of <c>/live</c> and <c>/ready</c>: the overall status and each check's status, description and data.
/// Written with <see cref="Utf8JsonWriter"/> (no reflection-based serialization, so it is NativeAOT-safe).
/// </summary>
internal static class HealthJson
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteStartObject("data");
            foreach (var (key, value) in entry.Data)
            {
                switch (value)
                {
                    case string text: json.WriteString(key, text); break;
                    case bool flag: json.WriteBoolean(key, flag); break;
                    case int number: json.WriteNumber(key, number); break;
                    case long number: json.WriteNumber(key, number); break;
                    case double number: json.WriteNumber(key, number); break;
                    default: json.WriteString(key, value?.ToString()); break;
                }
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
