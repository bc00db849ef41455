namespace KafkaTyped.SchemaRegistry;

/// <summary>
/// How an Avro value names its writer schema: the registry's integer id (magic byte 0 and four big-endian bytes, what
/// every Confluent serializer writes), or the schema's GUID (magic byte 1 and sixteen bytes, newer Confluent serializers).
/// </summary>
/// <param name="Id">The integer id, when <see cref="IsGuid"/> is <see langword="false"/>.</param>
/// <param name="Guid">The schema GUID, when <see cref="IsGuid"/> is <see langword="true"/>.</param>
/// <param name="IsGuid">Whether the reference is by GUID.</param>
public readonly record struct SchemaId(int Id, Guid Guid, bool IsGuid)
{
    /// <summary>A reference by integer id.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The reference.</returns>
    public static SchemaId FromId(int id) => new(id, Guid.Empty, false);

    /// <summary>A reference by schema GUID.</summary>
    /// <param name="guid">The GUID.</param>
    /// <returns>The reference.</returns>
    public static SchemaId FromGuid(Guid guid) => new(0, guid, true);

    /// <inheritdoc/>
    public override string ToString() => IsGuid ? "schema guid " + Guid.ToString("D") : "schema id " + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
