namespace KafkaTyped.Generators.Model;

/// <summary>Everything the emitter needs to generate the serializer (and, for messages, the message contract) of one type.</summary>
/// <remarks>
/// Equality contract: this record and everything it holds compare by value (strings, bools, nested records and
/// <see cref="Common.EquatableArray{T}"/>). It holds no symbol, syntax, compilation or location, so an edit elsewhere
/// that yields an equal spec is a cache hit and its source is not emitted again. See <c>ModelEquality.cs</c>.
/// </remarks>
/// <param name="HintName">The generated file's hint name: the namespace, then the containing types and the type joined by '+'; names that differ only in case are told apart when the files are added (<see cref="HintNameOverride"/>).</param>
/// <param name="Namespace">The namespace, or an empty string for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Keyword">The declaration keyword: <c>class</c>, <c>struct</c>, <c>record</c> or <c>record struct</c>.</param>
/// <param name="Name">The simple type name.</param>
/// <param name="FullyQualifiedName">The <c>global::</c>-qualified name.</param>
/// <param name="DisplayName">The name used in error messages (namespace-qualified, no <c>global::</c>).</param>
/// <param name="IsValueType">Whether the type is a struct.</param>
/// <param name="HasPrimaryConstructor">Whether the type is a positional record whose members start with the primary constructor's parameters.</param>
/// <param name="NeedsDefaultConstructor">Whether the class declares no constructor, so the generated one would hide the implicit public parameterless constructor: one is generated too.</param>
/// <param name="Members">The serialized members in encoding order.</param>
/// <param name="IsMessage">Whether the type carries <c>[KafkaMessage]</c> (otherwise <c>[KafkaData]</c>).</param>
/// <param name="TypeId">The type id, for messages.</param>
/// <param name="Topic">The default topic, or <see langword="null"/>.</param>
/// <param name="Key">The key member, for messages that declare one.</param>
/// <param name="Format">For messages, the C# expression of the declared <c>MessageFormat</c>.</param>
/// <param name="DeduplicationKey">For messages with <c>[DeduplicationKey]</c> members, the C# expression of the key over <c>message</c>; otherwise <see langword="null"/>.</param>
/// <param name="AvroAliases">The record's earlier Avro names: <c>[AvroAlias]</c> on the type.</param>
internal sealed record DataTypeSpec(
    string HintName,
    string Namespace,
    Common.EquatableArray<ContainingTypeSpec> ContainingTypes,
    string Keyword,
    string Name,
    string FullyQualifiedName,
    string DisplayName,
    bool IsValueType,
    bool HasPrimaryConstructor,
    bool NeedsDefaultConstructor,
    Common.EquatableArray<MemberSpec> Members,
    bool IsMessage,
    string? TypeId,
    string? Topic,
    KeySpec? Key,
    string Format,
    string? DeduplicationKey = null,
    Common.EquatableArray<string> AvroAliases = default);
