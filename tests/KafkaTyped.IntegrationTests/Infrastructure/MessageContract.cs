namespace KafkaTyped.IntegrationTests;

/// <summary>
/// Reads the generated message contract of a type. Its members are explicit implementations of
/// <see cref="IKafkaMessage{TSelf}"/>'s static abstract members, reached through a type parameter.
/// </summary>
internal static class MessageContract
{
    public static string TypeIdOf<T>()
        where T : IKafkaMessage<T> => T.TypeId;
}
