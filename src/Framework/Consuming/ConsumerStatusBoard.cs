using KafkaTyped.Hosting;
using Microsoft.Extensions.Options;

namespace KafkaTyped.Consuming;

/// <summary>
/// The <see cref="IConsumerStatus"/> of the service: one entry per configured consumer group,
/// <see cref="ConsumerMemberState.Starting"/> until the hosted service started its worker, then the worker's snapshot
/// (kept after it stopped, as Stopped or Faulted).
/// </summary>
internal sealed class ConsumerStatusBoard : IConsumerStatus, IDisposable
{
    private readonly Lock _lock = new();
    private readonly IOptions<KafkaTypedOptions> _options;
    private ConsumerGroupWorker?[] _workers = [];

    public ConsumerStatusBoard(IOptions<KafkaTypedOptions> options)
    {
        _options = options;
        Diagnostics.StatusGauges.Register(this); // the lag, in-flight and paused gauges read it while it lives
    }

    public void Dispose() => Diagnostics.StatusGauges.Unregister(this);

    public IReadOnlyList<ConsumerGroupStatus> Groups
    {
        get
        {
            var options = _options.Value;
            var consumers = options.Consumers;
            var workers = Volatile.Read(ref _workers);
            var groups = new ConsumerGroupStatus[consumers.Count];
            for (var i = 0; i < groups.Length; i++)
            {
                groups[i] = i < workers.Length && workers[i] is { } worker
                    ? worker.Status()
                    : new ConsumerGroupStatus(consumers[i].GroupId ?? string.Empty, ConsumerMemberState.Starting, null, ClientConfigFactory.MaxPollInterval(options, consumers[i]) ?? TimeSpan.FromMilliseconds(ClientConfigFactory.DefaultMaxPollIntervalMs), 0, consumers[i].MaxConcurrency, []);
            }

            return groups;
        }
    }

    /// <summary>Shows the worker of the consumer group at <paramref name="index"/> in <see cref="KafkaTypedOptions.Consumers"/>.</summary>
    public void Attach(int index, ConsumerGroupWorker worker)
    {
        lock (_lock)
        {
            var workers = new ConsumerGroupWorker?[Math.Max(_workers.Length, index + 1)];
            _workers.CopyTo(workers, 0);
            workers[index] = worker;
            Volatile.Write(ref _workers, workers);
        }
    }
}
