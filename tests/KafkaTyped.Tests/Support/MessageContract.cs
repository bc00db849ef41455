using MessagePack;

namespace KafkaTyped.Tests.Support;

/// <summary>
/// Calls the generated contract of a type. Its members are explicit implementations of the static abstract members of
/// <see cref="IKafkaMessage{TSelf}"/> and <see cref="IKafkaData{TSelf}"/>, reached through a type parameter.
/// </summary>
internal static class MessageContract
{
    public static byte[]? KeyOf<T>(T message)
        where T : IKafkaMessage<T> => T.SerializeKey(message);

    public static T Deserialize<T>(ref MessagePackReader reader)
        where T : IKafkaData<T> => T.TypeInfo.MessagePack.Read(ref reader);
}
