using System.Collections.Concurrent;
using KafkaTyped.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaTyped.FaultRunner;

/// <summary>
/// A producer in a process of its own: publishes <c>--count</c> records over <c>--keys</c> keys at about <c>--rate</c>
/// a second through <see cref="IMessagePublisher"/> (acks=all, idempotent), and records each one in the ledger once the
/// broker acknowledged it. Exits 0 when every publish was acknowledged, 4 when some failed (those are not in the
/// ledger, so they are not expected to be handled). With <c>--deduplicated</c> it publishes <see cref="DeduplicatedRecord"/>.
/// </summary>
public static class Producer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args, "--deduplicated");
        var bootstrap = a.Required("--bootstrap");
        var ledgerPath = a.Required("--ledger");
        var name = a.Required("--name");
        var topic = a.Required("--topic");
        var count = a.Number("--count", 1000);
        var keys = (int)a.Number("--keys", 32);
        var rate = a.Number("--rate", 200);
        var padding = new string('x', (int)a.Number("--padding", 64));
        var deduplicated = a.Flag("--deduplicated");
        a.RejectUnknown();

        using var ledger = Ledger.Open(ledgerPath);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kafkatyped-fault-producer" });
        builder.Logging.SetMinimumLevel(LogLevel.Error).AddConsole();
        builder.Services.AddKafkaTyped().UseTestCluster(bootstrap);
        using var host = builder.Build();
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<IMessagePublisher>();
        Console.WriteLine("producer started");
        Console.Out.Flush();

        var acked = new ConcurrentQueue<PublishedRecord>();
        var failed = 0L;
        using var window = new SemaphoreSlim(100);
        var sequences = new long[keys];
        var pending = new List<Task>();
        using var flushing = new CancellationTokenSource();
        var flusher = Task.Run(async () =>
        {
            while (!flushing.IsCancellationRequested)
            {
                Flush();
                try
                {
                    await Task.Delay(100, flushing.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0L; i < count; i++)
        {
            // Paced: record i goes out at i / rate seconds.
            var due = TimeSpan.FromSeconds((double)i / rate) - started.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            var k = (int)(i % keys);
            var record = new FaultRecord($"{name}-k{k}", sequences[k]++, $"{name}-{i}", padding);
            await window.WaitAsync();
            pending.Add(PublishAsync(record));
            if (pending.Count > 1000)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(pending);
        await flushing.CancelAsync();
        await flusher;
        Flush();
        await host.StopAsync();
        Console.WriteLine($"producer done: {count - failed} acknowledged, {failed} failed");
        return failed == 0 ? 0 : 4;

        async Task PublishAsync(FaultRecord record)
        {
            try
            {
                var written = deduplicated
                    ? await publisher.PublishAsync(new DeduplicatedRecord(record.Key, record.Sequence, record.Id, record.Padding), topic)
                    : await publisher.PublishAsync(record, topic);

                // The offset is Unset when the client confirmed the record implicitly (see Verdict's unwritten records).
                acked.Enqueue(new PublishedRecord(record.Id, record.Key, record.Sequence, DateTime.UtcNow.Ticks, written.Partition.Value, written.Offset.Value));
            }
            catch (PublishException ex)
            {
                Interlocked.Increment(ref failed);
                Console.Error.WriteLine($"publish of {record.Id} failed: {ex.Message}");
            }
            finally
            {
                window.Release();
            }
        }

        void Flush()
        {
            var batch = new List<PublishedRecord>();
            while (acked.TryDequeue(out var item))
            {
                batch.Add(item);
            }

            ledger.RecordPublished(batch, name);
        }
    }
}
