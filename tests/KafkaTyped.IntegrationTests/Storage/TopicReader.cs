using System.Text;
using Confluent.Kafka;
using KafkaTyped.Testing;

namespace KafkaTyped.IntegrationTests.Storage;

/// <summary>Reads every record of a topic from the beginning (its partitions assigned, no group), on a thread of its own, until disposed.</summary>
public sealed class TopicReader : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly string _topic;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly List<ReadRecord> _records = [];

    public TopicReader(string bootstrapServers, string topic, int partitions)
    {
        var config = KafkaTestClientConfig.ForConsumer(bootstrapServers, "outbox-reader-" + Guid.NewGuid().ToString("N"));
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnableAutoCommit = false;
        _consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        _topic = topic;
        _consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        _thread = new Thread(Run) { IsBackground = true, Name = "outbox-topic-reader" };
        _thread.Start();
    }

    /// <summary>How many records were read so far.</summary>
    public int Count
    {
        get
        {
            lock (_records)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>The records read so far, in the order read.</summary>
    public List<ReadRecord> Snapshot()
    {
        lock (_records)
        {
            return [.. _records];
        }
    }

    /// <summary>The records on the topic: the sum of its partitions' high watermarks.</summary>
    public long RecordsOnTopic(int partitions)
        => Enumerable.Range(0, partitions).Sum(p => _consumer.QueryWatermarkOffsets(new TopicPartition(_topic, p), TimeSpan.FromSeconds(10)).High.Value);

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var result = _consumer.Consume(_stop.Token);
                if (result?.Message is not { } message)
                {
                    continue;
                }

                var id = message.Headers.TryGetLastBytes("ce_id", out var bytes) ? Encoding.UTF8.GetString(bytes) : string.Empty;
                lock (_records)
                {
                    _records.Add(new ReadRecord(id, message.Key, message.Value, result.Partition.Value));
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>A record read from the topic.</summary>
public sealed record ReadRecord(string MessageId, byte[]? Key, byte[] Value, int Partition);
