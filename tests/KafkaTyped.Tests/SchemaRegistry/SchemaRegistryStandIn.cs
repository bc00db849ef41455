using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace KafkaTyped.Tests.SchemaRegistry;

/// <summary>
/// A stand-in for Confluent's Schema Registry, which cannot run here: an HTTP server on loopback that implements the
/// subset of its REST API KafkaTyped uses (POST /subjects/{subject}/versions, GET /schemas/ids/{id}, GET /subjects),
/// with the registry's error bodies, and can be told to refuse a subject as incompatible or to fail with a status.
/// </summary>
internal sealed class SchemaRegistryStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, string> _schemas = new();
    private readonly ConcurrentQueue<int> _failures = new();

    public SchemaRegistryStandIn()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    public ConcurrentDictionary<string, bool> IncompatibleSubjects { get; } = new(StringComparer.Ordinal);

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/>.</summary>
    public void FailNext(int count, int status)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue(status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (HttpListenerException)
        {
            // Stopped while waiting for a request.
        }
        catch (ObjectDisposedException)
        {
            // Stopped while waiting for a request.
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var request = context.Request;
            var path = request.Url!.AbsolutePath;
            Requests.Enqueue((request.HttpMethod, path, request.Headers["Authorization"]));
            var (status, body) = _failures.TryDequeue(out var failure)
                ? (failure, $$"""{"error_code":{{failure}}01,"message":"Stand-in failure"}""")
                : Answer(request.HttpMethod, path, request.HasEntityBody ? await new StreamReader(request.InputStream).ReadToEndAsync().ConfigureAwait(false) : "");
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/vnd.schemaregistry.v1+json";
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    private (int Status, string Body) Answer(string method, string path, string body)
    {
        var segments = path.Trim('/').Split('/');
        if (method == "GET" && segments is ["subjects"])
        {
            return (200, "[]");
        }

        if (method == "POST" && segments is ["subjects", var subject, "versions"])
        {
            subject = Uri.UnescapeDataString(subject);
            if (IncompatibleSubjects.ContainsKey(subject))
            {
                return (409, $$"""{"error_code":409,"message":"Schema being registered is incompatible with an earlier schema for subject \"{{subject}}\""}""");
            }

            using var document = JsonDocument.Parse(body);
            var schema = document.RootElement.GetProperty("schema").GetString()!;
            var id = _ids.GetOrAdd(schema, _ => _ids.Count + 1);
            _schemas[id] = schema;
            return (200, $$"""{"id":{{id}}}""");
        }

        if (method == "GET" && segments is ["schemas", "ids", var text] && int.TryParse(text, out var lookup))
        {
            return _schemas.TryGetValue(lookup, out var found)
                ? (200, JsonSerializer.Serialize(new Dictionary<string, string> { ["schema"] = found }))
                : (404, $$"""{"error_code":40403,"message":"Schema {{lookup}} not found"}""");
        }

        return (404, """{"error_code":404,"message":"HTTP 404 Not Found"}""");
    }
}
