using KafkaTyped.Generators.Common;

namespace KafkaTyped.Generators.Model;

/// <summary>A concrete class implementing <c>IHandle&lt;T&gt;</c> for one or more message types.</summary>
/// <param name="TypeName">The handler's <c>global::</c>-qualified name.</param>
/// <param name="Messages">The handled message types (those that are <c>[KafkaMessage]</c> types), ordered by type name.</param>
internal sealed record HandlerSpec(string TypeName, EquatableArray<HandledMessageSpec> Messages);

/// <summary>A message type handled by a handler.</summary>
/// <param name="MessageTypeName">The message's <c>global::</c>-qualified name.</param>
/// <param name="TypeId">The type id read from the message's <c>[KafkaMessage]</c> attribute.</param>
/// <param name="Policy">What the pipeline attributes declare for this handler of the message.</param>
internal sealed record HandledMessageSpec(string MessageTypeName, string TypeId, HandlerPolicySpec Policy);

/// <summary>
/// The pipeline attributes that apply to one handler of one message, attribute by attribute the handler's own, else the
/// message's.
/// </summary>
/// <param name="Retry">The C# expression of the <c>[Retry]</c> as a runtime <c>RetryPolicy</c>, or empty when none is declared.</param>
/// <param name="DeadLetterTopic">The <c>[DeadLetterTopic]</c> topic, or empty when none is declared.</param>
/// <param name="Deduplicate">The C# expression of the <c>[Deduplicate]</c> as a runtime <c>DeduplicationPolicy</c>, or empty when none is declared.</param>
/// <param name="Ordering">The C# expression of the <c>[Ordering]</c> as a runtime <c>OrderingPolicy</c>, or empty when none is declared.</param>
internal sealed record HandlerPolicySpec(string Retry, string DeadLetterTopic, string Deduplicate, string Ordering);

/// <summary>The routing table of the compilation: one route per handled message type, ordered by type id.</summary>
/// <param name="RegistrationNamespace">The namespace of the generated registration class, derived from the assembly name and unique to it.</param>
/// <param name="Routes">The routes.</param>
internal sealed record RouteTableSpec(string RegistrationNamespace, EquatableArray<RouteSpec> Routes);

/// <summary>One route: a message type and its handlers in call order (ordinal by handler name).</summary>
/// <param name="TypeId">The type id.</param>
/// <param name="MessageTypeName">The message's <c>global::</c>-qualified name.</param>
/// <param name="RouteClassName">The name of the generated route class.</param>
/// <param name="HandlerTypeNames">The handlers' <c>global::</c>-qualified names.</param>
/// <param name="HandlerPolicies">Per handler, in the same order, its <see cref="HandledMessageSpec.Policy"/>.</param>
internal sealed record RouteSpec(string TypeId, string MessageTypeName, string RouteClassName, EquatableArray<string> HandlerTypeNames, EquatableArray<HandlerPolicySpec> HandlerPolicies);
