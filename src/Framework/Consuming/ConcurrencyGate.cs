namespace KafkaTyped.Consuming;

/// <summary>
/// The <see cref="OrderingAttribute.MaxConcurrency"/> of one route in one consumer group: how many of its records may
/// be admitted at once (running, or next in their key's lane) over every partition of the group. A partition whose
/// next record finds the gate full holds it (and every later record) and is woken when a slot frees.
/// </summary>
/// <remarks>
/// Lock order: a partition's lock, then the gate's. <see cref="Exit"/> is called without any partition's lock, and
/// wakes the waiting partitions one after the other, each under its own lock only.
/// </remarks>
internal sealed class ConcurrencyGate
{
    private readonly Lock _lock = new();
    private readonly List<PartitionState> _waiting = [];
    private int _admitted;

    public ConcurrencyGate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>The most records admitted at once.</summary>
    public int Limit { get; }

    /// <summary>Records admitted now.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Takes a slot for a record of <paramref name="partition"/>, or registers the partition to be woken.</summary>
    public bool TryEnter(PartitionState partition)
    {
        lock (_lock)
        {
            if (_admitted < Limit)
            {
                _admitted++;
                return true;
            }

            if (!_waiting.Contains(partition))
            {
                _waiting.Add(partition);
            }

            return false;
        }
    }

    /// <summary>Gives a slot back and wakes the partitions that waited for one. Never under a partition's lock.</summary>
    public void Exit()
    {
        PartitionState[]? waiting = null;
        lock (_lock)
        {
            _admitted--;
            if (_waiting.Count > 0)
            {
                waiting = [.. _waiting];
                _waiting.Clear();
            }
        }

        if (waiting is not null)
        {
            foreach (var partition in waiting)
            {
                partition.Wake();
            }
        }
    }
}
