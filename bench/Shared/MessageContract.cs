using System.Runtime.CompilerServices;
using MessagePack;

namespace KafkaTyped.Benchmarks.Messages;

/// <summary>
/// Calls the generated contract of a type, as generic code such as the publisher does: its members are explicit
/// implementations of the static abstract members, reached through a type parameter (inlined, so no cost is added).
/// </summary>
internal static class MessageContract
{
    public static string TypeIdOf<T>()
        where T : IKafkaMessage<T> => T.TypeId;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Serialize<T>(ref MessagePackWriter writer, T value)
        where T : IKafkaData<T> => T.TypeInfo.MessagePack.Write(ref writer, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Deserialize<T>(ref MessagePackReader reader)
        where T : IKafkaData<T> => T.TypeInfo.MessagePack.Read(ref reader);
}
