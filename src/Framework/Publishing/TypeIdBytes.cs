namespace KafkaTyped.Publishing;

/// <summary>The <c>ce_type</c> header value of <typeparamref name="T"/>, encoded once per type.</summary>
internal static class TypeIdBytes<T> where T : IKafkaMessage<T>
{
    public static readonly byte[] Value = T.TypeIdUtf8.ToArray();
}
