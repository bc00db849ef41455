namespace KafkaTyped.Generators.Model;

// Equality contract of every type in this folder: a model is a sealed record (or readonly record struct) of strings,
// bools, enums, other models and EquatableArray<T>, and nothing else. Two models built from equal inputs compare equal
// by value, which is what lets the incremental pipeline reuse cached outputs when an unrelated file changes.
// A model never holds an ISymbol, a Compilation, a SemanticModel, a SyntaxNode or a Location (locations travel as
// LocationInfo inside DiagnosticInfo, outside the specs that drive source output). The test
// ModelsDoNotHoldSymbolsOrSyntax enforces this by reflection over the types of this namespace.
