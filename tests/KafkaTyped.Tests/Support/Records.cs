using Confluent.Kafka;

namespace KafkaTyped.Tests.Support;

public static class Records
{
    public static ConsumeResult<byte[], byte[]> At(string topic, int partition, long offset, Headers? headers = null, byte[]? value = null, byte[]? key = null)
        => new()
        {
            TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
            Message = new Message<byte[], byte[]> { Key = key!, Value = value ?? [], Headers = headers ?? [], Timestamp = new Timestamp(DateTime.UtcNow) },
        };

    /// <summary>Waits for a condition with a deadline (a failure, never a silent pass).</summary>
    public static async Task WaitUntil(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {seconds}s waiting until {what}.");
            }

            await Task.Yield();
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }
}
