namespace KafkaTyped.Generators.Model;

/// <summary>A type that contains a message or data type, re-opened as <c>partial</c> in the generated file.</summary>
/// <param name="Keyword">The declaration keyword: <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The type name with its type parameter list.</param>
internal sealed record ContainingTypeSpec(string Keyword, string Name);
