using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KafkaTyped.SchemaRegistry;

/// <summary>
/// A client of a Confluent-compatible Schema Registry over HTTP: registers writer schemas
/// (<c>POST /subjects/{subject}/versions</c>) and looks schemas up by id (<c>GET /schemas/ids/{id}</c>) or GUID
/// (<c>GET /schemas/guids/{guid}</c>), caching both for the life of the client. Requests that fail with a 5xx status,
/// 429, a timeout or a connection error are retried with exponential backoff; a 409 (incompatible schema) or another
/// 4xx fails at once with the registry's message. JSON is read and written with source-generated System.Text.Json, so
/// the client works under NativeAOT.
/// </summary>
public sealed class SchemaRegistryClient : ISchemaRegistry, IDisposable
{
    private const string MediaType = "application/vnd.schemaregistry.v1+json";
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly SchemaRegistryOptions _options;
    private readonly ConcurrentDictionary<SchemaId, string> _schemas = new();
    private readonly ConcurrentDictionary<(string Subject, string Schema), int> _ids = new();

    /// <summary>Creates a client from <paramref name="options"/> (URL, basic auth, TLS, retries).</summary>
    /// <param name="options">The options; <see cref="SchemaRegistryOptions.Url"/> is required.</param>
    public SchemaRegistryClient(SchemaRegistryOptions options)
        : this(options, new HttpClient(CreateHandler(options), disposeHandler: true))
    {
        _ownsHttp = true;
    }

    /// <summary>Creates a client that sends its requests through <paramref name="http"/> (its base address is set from the options).</summary>
    /// <param name="options">The options; <see cref="SchemaRegistryOptions.Url"/> is required.</param>
    /// <param name="http">The HTTP client; not disposed by this client.</param>
    public SchemaRegistryClient(SchemaRegistryOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"KafkaTyped:SchemaRegistry:Url '{options.Url}' is not an http or https URL.", nameof(options));
        }

        _options = options;
        _http = http;
        _http.BaseAddress = new Uri(url.AbsoluteUri.TrimEnd('/') + "/");
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.Accept.ParseAdd(MediaType);
        if (options.Username is { Length: > 0 } user)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + options.Password));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        if (_ids.TryGetValue((subject, schema), out var cached))
        {
            return cached;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new RegisterRequest(schema), SchemaRegistryJsonContext.Default.RegisterRequest);
        var (status, json) = await SendAsync(HttpMethod.Post, "subjects/" + Uri.EscapeDataString(subject) + "/versions", body, $"registering a schema under subject '{subject}'", cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw Refused(json, status, status == HttpStatusCode.Conflict
                ? $"The schema registry refused the schema for subject '{subject}' as incompatible with its earlier versions"
                : $"The schema registry refused the schema for subject '{subject}'");
        }

        var id = Parse(json, SchemaRegistryJsonContext.Default.RegisterResponse, "a registration").Id;
        _ids[(subject, schema)] = id;
        _schemas[SchemaId.FromId(id)] = schema;
        return id;
    }

    /// <inheritdoc/>
    public async ValueTask<string?> GetSchemaAsync(SchemaId id, CancellationToken cancellationToken = default)
    {
        if (_schemas.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var path = id.IsGuid ? "schemas/guids/" + id.Guid.ToString("D") : "schemas/ids/" + id.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (status, json) = await SendAsync(HttpMethod.Get, path, body: null, "looking up " + id, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (status != HttpStatusCode.OK)
        {
            throw Refused(json, status, $"The schema registry refused the lookup of {id}");
        }

        var schema = Parse(json, SchemaRegistryJsonContext.Default.SchemaResponse, "a schema").Schema;
        if (string.IsNullOrEmpty(schema))
        {
            throw new SchemaRegistryException($"The schema registry answered the lookup of {id} without a schema.");
        }

        _schemas[id] = schema;
        return schema;
    }

    /// <summary>Checks that the registry answers (<c>GET /subjects</c>); fails with a message that names the URL otherwise.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the registry answered.</returns>
    public async Task CheckReachableAsync(CancellationToken cancellationToken = default)
    {
        var (status, json) = await SendAsync(HttpMethod.Get, "subjects", body: null, "checking the registry", cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw Refused(json, status, $"The schema registry at {_options.Url} refused a request");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static HttpMessageHandler CreateHandler(SchemaRegistryOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        X509Certificate2? authority = null;
        if (options.SslCaLocation is { Length: > 0 } ca)
        {
            authority = X509CertificateLoader.LoadCertificateFromFile(ca);
        }

        if (options.SslCertificateLocation is { Length: > 0 } certificate)
        {
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12FromFile(certificate, options.SslCertificatePassword)];
        }

        if (!options.EnableCertificateVerification)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (authority is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return handler;
    }

    private async Task<(HttpStatusCode Status, byte[] Json)> SendAsync(HttpMethod method, string path, byte[]? body, string what, CancellationToken cancellationToken)
    {
        var backoff = _options.RetryBackoff;
        for (var attempt = 0; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            Exception? failure;
            HttpStatusCode? status = null;
            try
            {
                using var request = new HttpRequestMessage(method, path);
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaType);
                }

                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                var json = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                status = response.StatusCode;
                if ((int)status < 500 && status != HttpStatusCode.TooManyRequests)
                {
                    return (status.Value, json);
                }

                failure = Refused(json, status.Value, $"The schema registry answered {(int)status.Value} when {what}");
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure = ex;
            }

            if (attempt >= _options.MaxRetries)
            {
                throw failure is SchemaRegistryException refused
                    ? new SchemaRegistryException($"{refused.Message} (after {attempt + 1} attempts)", refused) { StatusCode = refused.StatusCode, ErrorCode = refused.ErrorCode }
                    : new SchemaRegistryException($"The schema registry at {_options.Url} could not be reached when {what} (after {attempt + 1} attempts): {failure.Message}", failure);
            }

            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
            backoff *= 2;
        }
    }

    private static SchemaRegistryException Refused(byte[] json, HttpStatusCode status, string what)
    {
        ErrorResponse? error = null;
        try
        {
            error = json.Length > 0 ? JsonSerializer.Deserialize(json, SchemaRegistryJsonContext.Default.ErrorResponse) : null;
        }
        catch (JsonException)
        {
            // Not the registry's error shape (a proxy's page, for example): the status says enough.
        }

        var detail = error?.Message is { Length: > 0 } message ? $": {message}" : string.Empty;
        return new SchemaRegistryException($"{what} (HTTP {(int)status}{(error?.ErrorCode is { } code ? ", error " + code : string.Empty)}){detail}.")
        {
            StatusCode = (int)status,
            ErrorCode = error?.ErrorCode,
        };
    }

    private static T Parse<T>(byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo) ?? throw new SchemaRegistryException($"The schema registry answered {what} with null.");
        }
        catch (JsonException ex)
        {
            throw new SchemaRegistryException($"The schema registry's answer to {what} is not the JSON it should be: {ex.Message}", ex);
        }
    }
}

internal sealed record RegisterRequest([property: JsonPropertyName("schema")] string Schema);

internal sealed record RegisterResponse([property: JsonPropertyName("id")] int Id);

internal sealed record SchemaResponse([property: JsonPropertyName("schema")] string? Schema);

internal sealed record ErrorResponse([property: JsonPropertyName("error_code")] int? ErrorCode, [property: JsonPropertyName("message")] string? Message);

/// <summary>The registry's JSON, source-generated: no reflection, NativeAOT-safe.</summary>
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(RegisterResponse))]
[JsonSerializable(typeof(SchemaResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class SchemaRegistryJsonContext : JsonSerializerContext;
