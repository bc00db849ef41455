using System.Collections.Concurrent;

namespace KafkaTyped.IntegrationTests.Messaging;

/// <summary>One handler call as the test saw it.</summary>
public sealed record Handled(string Handler, string TypeId, long Sequence, int Partition, long Offset, string MessageId, int Generation)
{
    /// <summary>When the call was recorded.</summary>
    public DateTime At { get; init; } = DateTime.UtcNow;

    /// <summary>What the handler chose to show of the message besides its sequence, if anything.</summary>
    public string? Detail { get; init; }
}

/// <summary>Records every handler call, in the order each partition's handler saw them; shared by successive hosts of a test.</summary>
public sealed class HandlingRecorder
{
    private readonly ConcurrentQueue<Handled> _handled;
    private int _generation;

    public HandlingRecorder()
        : this(new ConcurrentQueue<Handled>())
    {
    }

    private HandlingRecorder(ConcurrentQueue<Handled> handled) => _handled = handled;

    /// <summary>Simulated work per message (an I/O call of the handler), honouring cancellation.</summary>
    public TimeSpan WorkPerMessage { get; set; }

    /// <summary>
    /// Called before a handler call is recorded, with the message's sequence and context: a test blocks here on a gate
    /// it controls, or throws to make the handler fail (a call that throws is not recorded).
    /// </summary>
    public Func<long, MessageContext, CancellationToken, ValueTask>? OnHandling { get; set; }

    /// <summary>Which host generation is running (incremented by the test when it starts a new host).</summary>
    public int Generation { get => Volatile.Read(ref _generation); set => Volatile.Write(ref _generation, value); }

    public int Count => _handled.Count;

    /// <summary>
    /// A recorder for another host running at the same time: it writes into this recorder's log (so the log keeps the
    /// global order of handler calls across hosts) and stamps its calls with <paramref name="generation"/>.
    /// </summary>
    public HandlingRecorder ForHost(int generation) => new(_handled)
    {
        Generation = generation,
        WorkPerMessage = WorkPerMessage,
        OnHandling = OnHandling,
    };

    public IReadOnlyList<Handled> Snapshot() => [.. _handled];

    public async ValueTask RecordAsync(string handler, string typeId, long sequence, MessageContext context, CancellationToken cancellationToken, string? detail = null)
    {
        if (WorkPerMessage > TimeSpan.Zero)
        {
            await Task.Delay(WorkPerMessage, cancellationToken);
        }

        if (OnHandling is { } onHandling)
        {
            await onHandling(sequence, context, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _handled.Enqueue(new Handled(handler, typeId, sequence, context.Partition, context.Offset, context.MessageId, Generation) { Detail = detail });
    }
}
