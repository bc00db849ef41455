using KafkaTyped.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped;

/// <summary>
/// Configures KafkaTyped on a service collection; returned by <c>services.AddKafkaTyped(...)</c>.
/// The registration extension generated in each assembly (<c>AddGeneratedHandlers()</c>) adds that
/// assembly's handlers and routing table through it.
/// </summary>
public interface IKafkaTypedBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }

    /// <summary>Adds a generated routing table. Tables of several assemblies may be added; a type id routed by two tables is a start-up error.</summary>
    IKafkaTypedBuilder AddRouteTable(IMessageRouteTable routeTable);
}
