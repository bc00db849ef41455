namespace KafkaTyped;

/// <summary>
/// Receives the fire-and-forget publishes (<see cref="IMessagePublisher.Publish{T}"/>) that Kafka did not acknowledge,
/// after they were logged and counted. Register any number as singletons; each is called for every failure.
/// </summary>
/// <remarks>Called on librdkafka's delivery-report thread: return quickly and do not block (hand the failure to a queue).</remarks>
public interface IDeliveryFailureHandler
{
    /// <summary>Called once per failed delivery.</summary>
    void OnDeliveryFailed(DeliveryFailure failure);
}
