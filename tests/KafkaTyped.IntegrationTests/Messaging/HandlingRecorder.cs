using System.Collections.Concurrent;

namespace KafkaTyped.IntegrationTests.Messaging;

/// <summary>One handler call as the test saw it.</summary>
public sealed record Handled(string Handler, string TypeId, long Sequence, int Partition, long Offset, string MessageId, int Generation);

/// <summary>Records every handler call, in the order each partition's handler saw them; shared by successive hosts of a test.</summary>
public sealed class HandlingRecorder
{
    private readonly ConcurrentQueue<Handled> _handled = new();
    private int _generation;

    /// <summary>Simulated work per message (an I/O call of the handler), honouring cancellation.</summary>
    public TimeSpan WorkPerMessage { get; set; }

    /// <summary>Which host generation is running (incremented by the test when it starts a new host).</summary>
    public int Generation { get => Volatile.Read(ref _generation); set => Volatile.Write(ref _generation, value); }

    public int Count => _handled.Count;

    public IReadOnlyList<Handled> Snapshot() => [.. _handled];

    public async ValueTask RecordAsync(string handler, string typeId, long sequence, MessageContext context, CancellationToken cancellationToken)
    {
        if (WorkPerMessage > TimeSpan.Zero)
        {
            await Task.Delay(WorkPerMessage, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _handled.Enqueue(new Handled(handler, typeId, sequence, context.Partition, context.Offset, context.MessageId, Generation));
    }
}
