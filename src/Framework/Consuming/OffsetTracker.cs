namespace KafkaTyped.Consuming;

/// <summary>
/// Tracks the offsets of one partition between dispatch and completion, and answers which offset may be committed:
/// the lowest offset still in flight, or one past the last completed offset when nothing is in flight. Offsets may
/// complete in any order and may have gaps (compaction, transaction markers). Thread-safe.
/// </summary>
/// <remarks>
/// An offset at or below the last registered one is a <b>rewind</b>: the log was truncated (unclean leader election,
/// KIP-320 epoch truncation, a recreated topic, an offset reset) and new records reuse old offsets. It resets the
/// partition's state from that offset on: offsets registered at or above it are forgotten (a late completion of one of
/// them is ignored, since each registration carries a generation), and the committable offset falls back to it.
/// A record the client delivered twice is therefore handled twice: at least once, never skipped.
/// </remarks>
internal sealed class OffsetTracker
{
    private readonly Lock _lock = new();
    private long[] _offsets = new long[64];
    private bool[] _done = new bool[64];
    private int[] _generations = new int[64];
    private int[] _epochs = new int[64];
    private int _committableEpoch = NoEpoch;
    private int _generation;
    private int _head;
    private int _count;
    private long _lastRegistered = -1;
    private long _committable = -1;
    private bool _closed;

    private const int NoEpoch = -1;

    /// <summary>The offset to commit (the next one to read), or -1 when nothing was registered yet.</summary>
    public long Committable
    {
        get
        {
            lock (_lock)
            {
                return _committable;
            }
        }
    }

    /// <summary>
    /// <see cref="Committable"/> with the leader epoch of the record at or just before it (the epoch a commit carries, so
    /// that the next owner can detect log truncation, KIP-320), or <see langword="null"/> when the client gave none.
    /// </summary>
    public (long Offset, int? LeaderEpoch) CommittablePosition
    {
        get
        {
            lock (_lock)
            {
                return (_committable, _committableEpoch == NoEpoch ? null : _committableEpoch);
            }
        }
    }

    /// <summary>Offsets registered and not yet completed.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Registers a dispatched offset; an offset at or below the last registered one is a rewind (see remarks).</summary>
    /// <returns><see langword="false"/> when the tracker is closed: the record must not be dispatched.</returns>
    public bool Register(long offset) => Register(offset, null, out _);

    /// <summary>
    /// Registers a dispatched offset with its record's leader epoch; complete it with the <paramref name="generation"/>
    /// it was registered in.
    /// </summary>
    /// <returns><see langword="false"/> when the tracker is closed: the record must not be dispatched.</returns>
    public bool Register(long offset, int? leaderEpoch, out int generation)
    {
        lock (_lock)
        {
            generation = _generation;
            if (_closed)
            {
                return false;
            }

            if (offset <= _lastRegistered)
            {
                // Rewind: forget what was registered at or above the offset (the ring is sorted: they are at its tail).
                generation = ++_generation;
                while (_count > 0 && _offsets[(_head + _count - 1) % _offsets.Length] >= offset)
                {
                    _count--;
                }
            }

            if (_count == _offsets.Length)
            {
                Grow();
            }

            var slot = (_head + _count) % _offsets.Length;
            _offsets[slot] = offset;
            _done[slot] = false;
            _generations[slot] = generation;
            _epochs[slot] = leaderEpoch ?? NoEpoch;
            _count++;
            _lastRegistered = offset;
            if (_count == 1)
            {
                _committable = offset;
                _committableEpoch = _epochs[slot];
            }

            return true;
        }
    }

    /// <summary>Marks an offset of the current generation completed (see <see cref="Complete(long, int)"/>).</summary>
    /// <returns>Whether the committable offset advanced.</returns>
    public bool Complete(long offset)
    {
        int generation;
        lock (_lock)
        {
            generation = _generation;
        }

        return Complete(offset, generation);
    }

    /// <summary>
    /// Marks an offset completed (handled, skipped or given up). Unknown or repeated offsets, and offsets registered in
    /// an earlier generation than the one tracked now (replaced by a rewind), are ignored.
    /// </summary>
    /// <returns>Whether the committable offset advanced.</returns>
    public bool Complete(long offset, int generation)
    {
        lock (_lock)
        {
            if (_closed || _count == 0)
            {
                return false;
            }

            var index = Find(offset);
            if (index < 0 || _generations[(_head + index) % _offsets.Length] != generation)
            {
                return false;
            }

            _done[(_head + index) % _offsets.Length] = true;
            if (index != 0)
            {
                return false;
            }

            // The lowest in-flight offset completed: advance over every completed offset at the head.
            var last = offset;
            var lastEpoch = NoEpoch;
            while (_count > 0 && _done[_head])
            {
                last = _offsets[_head];
                lastEpoch = _epochs[_head];
                _head = (_head + 1) % _offsets.Length;
                _count--;
            }

            _committable = _count > 0 ? _offsets[_head] : last + 1;
            _committableEpoch = _count > 0 ? _epochs[_head] : lastEpoch;
            return true;
        }
    }

    /// <summary>
    /// Stops tracking (the partition was revoked or lost): later registrations and completions are ignored, so a late
    /// completion can never move the committed offset of a partition this consumer no longer owns.
    /// </summary>
    /// <returns>The committable offset at the moment of closing, or -1.</returns>
    public long Close()
    {
        lock (_lock)
        {
            _closed = true;
            return _committable;
        }
    }

    private int Find(long offset)
    {
        // Binary search over the logical range [0, _count) of the ring, which is sorted.
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var value = _offsets[(_head + mid) % _offsets.Length];
            if (value == offset)
            {
                return mid;
            }

            if (value < offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var done = new bool[_offsets.Length * 2];
        var generations = new int[_offsets.Length * 2];
        var epochs = new int[_offsets.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            offsets[i] = _offsets[(_head + i) % _offsets.Length];
            done[i] = _done[(_head + i) % _offsets.Length];
            generations[i] = _generations[(_head + i) % _offsets.Length];
            epochs[i] = _epochs[(_head + i) % _offsets.Length];
        }

        _offsets = offsets;
        _done = done;
        _generations = generations;
        _epochs = epochs;
        _head = 0;
    }
}
