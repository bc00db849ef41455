using KafkaTyped.Generators.Common;

namespace KafkaTyped.Generators.Model;

/// <summary>What the parser made of one <c>[KafkaMessage]</c>/<c>[KafkaData]</c> declaration.</summary>
/// <param name="Spec">The spec to emit, or <see langword="null"/> when an error prevents generation.</param>
/// <param name="Diagnostics">Diagnostics to report.</param>
/// <param name="TypeIdDeclaration">For messages, the type id and where it is declared, to find duplicates.</param>
internal sealed record DataTypeResult(DataTypeSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, TypeIdDeclaration? TypeIdDeclaration);

/// <summary>A type id declared by a message of this compilation.</summary>
/// <param name="TypeId">The type id.</param>
/// <param name="TypeName">The message type's display name.</param>
/// <param name="Location">The <c>[KafkaMessage]</c> attribute, in its syntax tree (see <see cref="DiagnosticInfo"/>); it only ever feeds the KT0002 diagnostic.</param>
internal sealed record TypeIdDeclaration(string TypeId, string TypeName, Microsoft.CodeAnalysis.Location? Location);

/// <summary>A hint name that differs from another only in case, and the unique name its file is added under.</summary>
/// <param name="HintName">The spec's <see cref="DataTypeSpec.HintName"/>.</param>
/// <param name="UniqueHintName">The name to add the file under.</param>
internal sealed record HintNameOverride(string HintName, string UniqueHintName);
