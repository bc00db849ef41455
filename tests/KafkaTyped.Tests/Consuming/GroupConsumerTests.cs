using Confluent.Kafka;
using KafkaTyped.Consuming;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaTyped.Tests.Consuming;

/// <summary>The Confluent.Kafka consumer behind <see cref="IGroupConsumer"/>, pointed at a closed port (no broker needed).</summary>
public sealed class GroupConsumerTests
{
    [Fact]
    public void Disposing_after_close_as_the_worker_does_does_not_throw()
    {
        // The worker closes the consumer (leaving the group) and then disposes it; the statistics registration is
        // forgotten under the client's name, which the closed handle can no longer tell.
        var callbacks = new GroupConsumerCallbacks { Assigned = _ => { }, Revoked = _ => { }, Lost = _ => { }, Committed = _ => { } };
        var config = new ConsumerConfig { BootstrapServers = "127.0.0.1:1", GroupId = "g" };
        config.Set("log_level", "0");
        var consumer = KafkaGroupConsumerFactory.Instance.Create(config, callbacks, NullLogger.Instance, "g");

        consumer.Close();
        var error = Record.Exception(consumer.Dispose);

        Assert.Null(error);
    }
}
