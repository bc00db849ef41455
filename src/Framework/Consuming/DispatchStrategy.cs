namespace KafkaTyped.Consuming;

/// <summary>
/// How the records of one <see cref="OrderingMode"/> are admitted among the records of their partition. A partition
/// admits its records strictly in offset order, each as soon as its own strategy allows; a record that must wait holds
/// back every record after it. The rule that results for a partition mixing modes (docs/ordering.md):
/// <list type="bullet">
/// <item><see cref="OrderingMode.Partition"/>: starts when every earlier record of the partition completed; every later record waits for it.</item>
/// <item><see cref="OrderingMode.Key"/>: starts when every earlier key-ordered or partition-ordered record of its key completed.</item>
/// <item><see cref="OrderingMode.None"/>: starts at once, unless an earlier partition-ordered record has not completed.</item>
/// </list>
/// A record is admitted once and completes once (after its retries), so the rule holds across retries. A
/// <see cref="OrderingMode.Key"/> or <see cref="OrderingMode.None"/> strategy may carry a <see cref="ConcurrencyGate"/>
/// (the route's declared <see cref="OrderingAttribute.MaxConcurrency"/>): a record it finds full waits like one its
/// ordering holds back. The strategies run under the partition's lock.
/// </summary>
internal abstract class DispatchStrategy
{
    public static readonly DispatchStrategy Partition = new PartitionOrder();
    public static readonly DispatchStrategy Key = new KeyOrder(gate: null);
    public static readonly DispatchStrategy None = new NoOrder(gate: null);

    private protected DispatchStrategy(ConcurrencyGate? gate) => Gate = gate;

    public abstract OrderingMode Mode { get; }

    /// <summary>The bound on this strategy's admitted records over the group, or <see langword="null"/>.</summary>
    public ConcurrencyGate? Gate { get; }

    /// <summary>The strategy of <paramref name="mode"/>; a new one when it has a gate, the shared one otherwise.</summary>
    public static DispatchStrategy For(OrderingMode mode, ConcurrencyGate? gate = null) => mode switch
    {
        OrderingMode.Key => gate is null ? Key : new KeyOrder(gate),
        OrderingMode.None => gate is null ? None : new NoOrder(gate),
        _ => Partition,
    };

    /// <summary>Takes a slot of the gate for <paramref name="record"/>, if there is a gate. Under the partition's lock.</summary>
    private protected bool TryEnterGate(PartitionState partition, DispatchedRecord record)
    {
        if (Gate is null)
        {
            return true;
        }

        if (!Gate.TryEnter(partition))
        {
            return false;
        }

        record.HoldsGate = true;
        return true;
    }

    /// <summary>Admits <paramref name="record"/>, the first held record of <paramref name="partition"/>, if its ordering allows.</summary>
    /// <returns><see langword="false"/> when it must wait: it and every later record stay held.</returns>
    public abstract bool TryAdmit(PartitionState partition, DispatchedRecord record);

    /// <summary>An admitted record completed; starts what waited for it within the strategy.</summary>
    public virtual void Completed(PartitionState partition, DispatchedRecord record)
    {
    }

    /// <summary>Offset order: one record of the partition at a time.</summary>
    private sealed class PartitionOrder() : DispatchStrategy(gate: null)
    {
        public override OrderingMode Mode => OrderingMode.Partition;

        public override bool TryAdmit(PartitionState partition, DispatchedRecord record)
        {
            if (partition.Admitted > 0)
            {
                return false;
            }

            partition.Admitted++;
            partition.BarrierHeld = true;
            partition.Run(record);
            return true;
        }

        public override void Completed(PartitionState partition, DispatchedRecord record) => partition.BarrierHeld = false;
    }

    /// <summary>Key order: a lane per record key; the head of each lane runs.</summary>
    private sealed class KeyOrder(ConcurrencyGate? gate) : DispatchStrategy(gate)
    {
        public override OrderingMode Mode => OrderingMode.Key;

        public override bool TryAdmit(PartitionState partition, DispatchedRecord record)
        {
            if (partition.BarrierHeld || !TryEnterGate(partition, record))
            {
                return false;
            }

            partition.Admitted++;
            var key = record.Key;
            if (partition.KeyLanes.TryGetValue(key, out var lane))
            {
                lane.Enqueue(record); // runs when the records of its key before it completed
                return true;
            }

            lane = new Queue<DispatchedRecord>();
            lane.Enqueue(record);
            partition.KeyLanes.Add(key, lane);
            partition.Run(record);
            return true;
        }

        public override void Completed(PartitionState partition, DispatchedRecord record)
        {
            if (!partition.KeyLanes.TryGetValue(record.Key, out var lane))
            {
                return;
            }

            lane.Dequeue();
            if (lane.TryPeek(out var next))
            {
                partition.Run(next);
            }
            else
            {
                partition.KeyLanes.Remove(record.Key);
            }
        }
    }

    /// <summary>No order: runs as soon as no partition-ordered record is ahead of it.</summary>
    private sealed class NoOrder(ConcurrencyGate? gate) : DispatchStrategy(gate)
    {
        public override OrderingMode Mode => OrderingMode.None;

        public override bool TryAdmit(PartitionState partition, DispatchedRecord record)
        {
            if (partition.BarrierHeld || !TryEnterGate(partition, record))
            {
                return false;
            }

            partition.Admitted++;
            partition.Run(record);
            return true;
        }
    }
}
