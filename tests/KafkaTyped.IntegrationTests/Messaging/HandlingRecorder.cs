using System.Collections.Concurrent;

namespace KafkaTyped.IntegrationTests.Messaging;

/// <summary>One handler call as the test saw it.</summary>
public sealed record Handled(string Handler, string TypeId, long Sequence, int Partition, long Offset, string MessageId, int Member);

/// <summary>Which host (group member) of a test handled a message: 0 for the first host, 1 for the second.</summary>
public sealed record MemberId(int Value);

/// <summary>Records every handler call, in the order each partition's handler saw them; shared by successive hosts of a test.</summary>
public sealed class HandlingRecorder
{
    private readonly ConcurrentQueue<Handled> _handled = new();

    /// <summary>Simulated work per message (an I/O call of the handler), honouring cancellation.</summary>
    public TimeSpan WorkPerMessage { get; set; }

    public int Count => _handled.Count;

    public IReadOnlyList<Handled> Snapshot() => [.. _handled];

    public async ValueTask RecordAsync(MemberId member, string handler, string typeId, long sequence, MessageContext context, CancellationToken cancellationToken)
    {
        if (WorkPerMessage > TimeSpan.Zero)
        {
            await Task.Delay(WorkPerMessage, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _handled.Enqueue(new Handled(handler, typeId, sequence, context.Partition, context.Offset, context.MessageId, member.Value));
    }
}
