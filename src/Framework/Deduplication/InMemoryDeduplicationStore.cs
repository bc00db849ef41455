namespace KafkaTyped;

/// <summary>
/// A bounded deduplication store in the process's memory: at most <see cref="Capacity"/> marks, the oldest evicted first
/// when full, each forgotten when its window passed. Marks do not survive a restart, so it removes duplicates that
/// arrive close together (a publisher's retry, a redelivery after a rebalance), not those after a restart.
/// </summary>
public sealed class InMemoryDeduplicationStore : IDeduplicationStore
{
    /// <summary>The default capacity.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<DeduplicationKey, Entry> _entries = [];
    private readonly LinkedList<DeduplicationKey> _order = new();
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the store.</summary>
    /// <param name="capacity">The most marks held; greater than zero.</param>
    /// <param name="defaultWindow">The default window (10 minutes when <see langword="null"/>); greater than zero.</param>
    /// <param name="timeProvider">The clock (the system clock when <see langword="null"/>).</param>
    public InMemoryDeduplicationStore(int capacity = DefaultCapacity, TimeSpan? defaultWindow = null, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        DefaultWindow = defaultWindow ?? TimeSpan.FromMinutes(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultWindow, TimeSpan.Zero, nameof(defaultWindow));
        Capacity = capacity;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The most marks held.</summary>
    public int Capacity { get; }

    /// <summary>How many marks are held now (at most <see cref="Capacity"/>).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public TimeSpan DefaultWindow { get; }

    /// <inheritdoc />
    public ValueTask<bool> ContainsAsync(DeduplicationKey key, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return ValueTask.FromResult(false);
            }

            if (entry.ExpiresAt > now)
            {
                return ValueTask.FromResult(true);
            }

            Remove(key, entry);
            return ValueTask.FromResult(false);
        }
    }

    /// <inheritdoc />
    public ValueTask MarkAsync(DeduplicationKey key, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var expiresAt = _timeProvider.GetUtcNow() + window;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                Remove(key, entry);
            }

            _entries[key] = new Entry(expiresAt, _order.AddLast(key));
            while (_entries.Count > Capacity)
            {
                var oldest = _order.First!.Value;
                Remove(oldest, _entries[oldest]);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Remove(DeduplicationKey key, Entry entry)
    {
        _order.Remove(entry.Node);
        _entries.Remove(key);
    }

    private readonly record struct Entry(DateTimeOffset ExpiresAt, LinkedListNode<DeduplicationKey> Node);
}
