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

    /// <summary>
    /// Runs the consumer group <paramref name="groupId"/>, configured in code. When <c>KafkaTyped:Consumers</c> (or
    /// code that adds to <see cref="KafkaTypedOptions.Consumers"/>) already has a group with this id,
    /// <paramref name="configure"/> runs on that group, on top of its configured values; otherwise a new group with
    /// default options is added. Calls for the same group apply in order. The group is validated at start-up like a
    /// configured one; its errors name it, for example <c>AddConsumer("billing"):Topics must name at least one topic.</c>
    /// </summary>
    /// <param name="groupId">The consumer group id (<see cref="ConsumerOptions.GroupId"/>); <paramref name="configure"/> must not change it.</param>
    /// <param name="configure">Configures the group: topics, properties, lane and commit settings.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="groupId"/> is null, empty or white space.</exception>
    /// <example>
    /// <code>
    /// services.AddKafkaTyped()
    ///     .AddConsumer("billing", o => { o.Topics.Add("orders"); o.LaneCapacity = 200; })
    ///     .AddGeneratedHandlers();
    /// </code>
    /// </example>
    IKafkaTypedBuilder AddConsumer(string groupId, Action<ConsumerOptions> configure);
}
