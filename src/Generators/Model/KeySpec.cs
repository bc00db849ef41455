namespace KafkaTyped.Generators.Model;

/// <summary>The <c>[MessageKey]</c> member of a message.</summary>
/// <param name="MemberName">The member name as written in C#.</param>
internal sealed record KeySpec(string MemberName);
