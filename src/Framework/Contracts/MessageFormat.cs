namespace KafkaTyped;

/// <summary>
/// The wire format a message is published in, chosen per message with <see cref="KafkaMessageAttribute.Format"/>.
/// Every format is read whatever the message declares (the record's <c>content-type</c> header says which one a
/// record uses), so changing a message's format is a compatible rolling change: deploy the readers first.
/// </summary>
public enum MessageFormat
{
    /// <summary>A MessagePack array of the members (<c>content-type: application/x-msgpack</c>); the default.</summary>
    MessagePack,

    /// <summary>A JSON object of the members, camelCase names (<c>content-type: application/json</c>).</summary>
    Json,

    /// <summary>
    /// A JSON object <c>{"type":"&lt;type id&gt;","payload":{...}}</c> with the members in <c>payload</c>, the typed JSON
    /// envelope of services that route by a type field rather than by a header
    /// (<c>content-type: application/vnd.kafkatyped.envelope+json</c>); the CloudEvents headers are written too.
    /// </summary>
    JsonEnvelope,

    /// <summary>
    /// An Avro record of the members in the Confluent Schema Registry framing (magic byte 0, the schema id, the Avro
    /// binary body; <c>content-type: application/avro</c>), with the schema generated at compile time. See <c>docs/avro.md</c>.
    /// </summary>
    Avro,
}
