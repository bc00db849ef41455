using KafkaTyped.SchemaRegistry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped.Tests.SchemaRegistry;

/// <summary>
/// The Schema Registry client against <see cref="SchemaRegistryStandIn"/>, an in-test HTTP server implementing the part
/// of the registry's REST API the client uses (a stand-in: the real registry cannot run here).
/// </summary>
public sealed class SchemaRegistryClientTests
{
    private const string Schema = """{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registers_under_a_subject_and_looks_schemas_up_by_id_once()
    {
        await using var registry = new SchemaRegistryStandIn();
        using var client = new SchemaRegistryClient(new SchemaRegistryOptions { Url = registry.Url, Username = "key", Password = "secret" });

        var id = await client.RegisterAsync("orders-value", Schema, Ct);
        Assert.Equal(id, await client.RegisterAsync("orders-value", Schema, Ct));
        Assert.Equal(Schema, await client.GetSchemaAsync(SchemaId.FromId(id), Ct));

        // A fresh client looks the schema up, then answers from its cache.
        using var reader = new SchemaRegistryClient(new SchemaRegistryOptions { Url = registry.Url });
        Assert.Equal(Schema, await reader.GetSchemaAsync(SchemaId.FromId(id), Ct));
        Assert.Equal(Schema, await reader.GetSchemaAsync(SchemaId.FromId(id), Ct));

        Assert.Equal(
            [("POST", "/subjects/orders-value/versions"), ("GET", $"/schemas/ids/{id}")],
            registry.Requests.Select(r => (r.Method, r.Path)));
        Assert.Equal("Basic " + Convert.ToBase64String("key:secret"u8), registry.Requests.First().Authorization);
    }

    [Fact]
    public async Task An_unknown_id_is_null_and_an_incompatible_schema_fails_at_once_with_the_registrys_message()
    {
        await using var registry = new SchemaRegistryStandIn();
        using var client = new SchemaRegistryClient(new SchemaRegistryOptions { Url = registry.Url, RetryBackoff = TimeSpan.FromMilliseconds(1) });

        Assert.Null(await client.GetSchemaAsync(SchemaId.FromId(42), Ct));

        registry.IncompatibleSubjects["orders-value"] = true;
        var refused = await Assert.ThrowsAsync<SchemaRegistryException>(async () => await client.RegisterAsync("orders-value", Schema, Ct));
        Assert.Equal(409, refused.StatusCode);
        Assert.Equal(409, refused.ErrorCode);
        Assert.Contains("refused the schema for subject 'orders-value' as incompatible", refused.Message);
        Assert.Contains("incompatible with an earlier schema", refused.Message);
        Assert.Equal(2, registry.Requests.Count);
    }

    [Fact]
    public async Task A_5xx_is_retried_with_backoff_and_fails_after_the_retries_with_the_status()
    {
        await using var registry = new SchemaRegistryStandIn();
        using var client = new SchemaRegistryClient(new SchemaRegistryOptions { Url = registry.Url, MaxRetries = 2, RetryBackoff = TimeSpan.FromMilliseconds(1) });

        registry.FailNext(2, 503);
        Assert.True(await client.RegisterAsync("orders-value", Schema, Ct) > 0);
        Assert.Equal(3, registry.Requests.Count);

        registry.FailNext(3, 500);
        var failed = await Assert.ThrowsAsync<SchemaRegistryException>(async () => await client.GetSchemaAsync(SchemaId.FromId(99), Ct));
        Assert.Equal(500, failed.StatusCode);
        Assert.Contains("answered 500 when looking up schema id 99", failed.Message);
        Assert.Contains("after 3 attempts", failed.Message);
        Assert.Equal(6, registry.Requests.Count);
    }

    [Fact]
    public async Task An_unreachable_registry_fails_after_the_retries_naming_its_url()
    {
        string url;
        await using (var stopped = new SchemaRegistryStandIn())
        {
            url = stopped.Url;
        }

        using var client = new SchemaRegistryClient(new SchemaRegistryOptions { Url = url, MaxRetries = 1, RetryBackoff = TimeSpan.FromMilliseconds(1) });
        var failed = await Assert.ThrowsAsync<SchemaRegistryException>(async () => await client.RegisterAsync("orders-value", Schema, Ct));
        Assert.Contains($"The schema registry at {url} could not be reached when registering a schema under subject 'orders-value' (after 2 attempts)", failed.Message);
        Assert.Throws<ArgumentException>(() => new SchemaRegistryClient(new SchemaRegistryOptions { Url = "registry:8081" }));
    }

    [Fact]
    public async Task The_host_does_not_start_when_the_configured_registry_is_unreachable()
    {
        string url;
        await using (var stopped = new SchemaRegistryStandIn())
        {
            url = stopped.Url;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKafkaTyped(o =>
        {
            o.BootstrapServers = "127.0.0.1:1";
            o.SchemaRegistry.Url = url;
            o.SchemaRegistry.MaxRetries = 0;
        });
        using var host = builder.Build();
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));
        Assert.StartsWith($"KafkaTyped:SchemaRegistry: The schema registry at {url} could not be reached", failed.Message);
    }
}
