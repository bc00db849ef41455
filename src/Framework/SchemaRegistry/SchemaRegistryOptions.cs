namespace KafkaTyped.SchemaRegistry;

/// <summary>How subjects are named when a writer schema is registered (Confluent's subject name strategies).</summary>
public enum SubjectNameStrategy
{
    /// <summary><c>&lt;topic&gt;-value</c>: one schema lineage per topic; the default, as in Confluent's serializers.</summary>
    TopicName,

    /// <summary><c>&lt;record full name&gt;</c>: one lineage per record type, whatever topics it is published to.</summary>
    RecordName,

    /// <summary><c>&lt;topic&gt;-&lt;record full name&gt;</c>: one lineage per record type and topic.</summary>
    TopicRecordName,
}

/// <summary>The Schema Registry of Avro messages, bound from <c>KafkaTyped:SchemaRegistry</c>. See <c>docs/avro.md</c>.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The registry's base URL, for example <c>https://registry:8081</c>; no registry when not set.</summary>
    public string? Url { get; set; }

    /// <summary>How subjects are named; <see cref="SubjectNameStrategy.TopicName"/> by default.</summary>
    public SubjectNameStrategy SubjectNameStrategy { get; set; }

    /// <summary>The basic-auth user name (Confluent Cloud: the API key).</summary>
    public string? Username { get; set; }

    /// <summary>The basic-auth password (Confluent Cloud: the API secret).</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of the certificate authority that signed the registry's certificate, when it is not a system one.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>A PKCS#12 file with the client certificate and key, for mutual TLS.</summary>
    public string? SslCertificateLocation { get; set; }

    /// <summary>The password of <see cref="SslCertificateLocation"/>.</summary>
    public string? SslCertificatePassword { get; set; }

    /// <summary>Whether the registry's certificate is verified; <see langword="true"/> by default. Turn off only against a test registry.</summary>
    public bool EnableCertificateVerification { get; set; } = true;

    /// <summary>How many times a request that failed with a 5xx status, 429, a timeout or a connection error is retried; 3 by default.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The delay before the first retry, doubled for each next one; 200 ms by default.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The timeout of one request; 30 s by default.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
