using System.Buffers;

namespace KafkaTyped.Serialization;

/// <summary>
/// One step of a resolution plan built by <see cref="AvroResolver"/>: reads one value in the writer's encoding and writes
/// it in the reader's. A plan is a small tree of these (a graph for a recursive record), built once per writer schema and
/// reader type and shared by every thread: the steps hold no state of a read.
/// </summary>
internal abstract class AvroResolutionStep
{
    public abstract void Run(ref AvroTranscoder transcoder);
}

/// <summary>The writer's and the reader's schemas encode alike: the writer's bytes are copied (after their structure is checked).</summary>
internal sealed class AvroCopyStep(AvroSchemaNode writer) : AvroResolutionStep
{
    public override void Run(ref AvroTranscoder transcoder) => transcoder.Copy(writer);
}

/// <summary>A numeric promotion that changes the encoding: int or long to float or double, float to double.</summary>
internal sealed class AvroPromoteStep(AvroKind from, AvroKind to) : AvroResolutionStep
{
    public override void Run(ref AvroTranscoder transcoder)
    {
        ref var input = ref transcoder.Input;
        if (from == AvroKind.Float)
        {
            transcoder.Output.WriteDouble(input.ReadFloat());
            return;
        }

        var value = from == AvroKind.Int ? input.ReadInt() : input.ReadLong();
        if (to == AvroKind.Float)
        {
            transcoder.Output.WriteFloat(value);
        }
        else
        {
            transcoder.Output.WriteDouble(value);
        }
    }
}

/// <summary>An enum read by symbol name: each writer index maps to the reader's index of the same symbol, or the reader's default.</summary>
/// <param name="writer">The writer's enum.</param>
/// <param name="readerIndexes">For each writer symbol, the reader's index, or -1 when the reader has neither the symbol nor a default.</param>
/// <param name="readerName">The reader's enum, for the error.</param>
internal sealed class AvroEnumStep(AvroSchemaNode writer, int[] readerIndexes, string readerName) : AvroResolutionStep
{
    public override void Run(ref AvroTranscoder transcoder)
    {
        var start = transcoder.Position;
        var index = transcoder.Input.ReadEnumIndex(readerIndexes.Length);
        var readerIndex = readerIndexes[index];
        if (readerIndex < 0)
        {
            throw new AvroSerializationException($"Invalid Avro at byte {start}: the writer's symbol '{writer.Symbols[index]}' of enum {writer.FullName} is not a symbol of the reader's enum {readerName}, which declares no default.");
        }

        transcoder.Output.WriteLong(readerIndex);
    }
}

/// <summary>An array or a map whose items resolve by <see cref="Items"/>: each block of the writer's is written as one block.</summary>
internal sealed class AvroCollectionStep(bool isMap) : AvroResolutionStep
{
    /// <summary>The items' step, set once built (an array of a record may hold that record).</summary>
    public AvroResolutionStep Items { get; set; } = null!;

    public override void Run(ref AvroTranscoder transcoder)
    {
        int count;
        while ((count = transcoder.ReadBlockCount()) != 0)
        {
            transcoder.Output.WriteBlockCount(count);
            for (var i = 0; i < count; i++)
            {
                if (isMap)
                {
                    transcoder.Output.WriteBytes(transcoder.Input.ReadBytesSpan());
                }

                Items.Run(ref transcoder);
            }
        }

        transcoder.Output.WriteBlockCount(0);
    }
}

/// <summary>
/// A record: the reader's fields in the reader's order, each read from the writer's field of the same name or written from
/// the reader field's default; the writer's other fields are skipped. When the matched fields come in the reader's order
/// the body is read once; otherwise the writer's fields are first skipped over to find where each starts.
/// </summary>
internal sealed class AvroRecordStep(string writerName) : AvroResolutionStep
{
    private const int StackFields = 32;

    private AvroSchemaNode[] _writerFields = [];
    private ReaderField[] _readerFields = [];
    private bool _inWriterOrder;

    /// <summary>Completes the step once its fields are resolved (a field may hold this record again).</summary>
    public void SetFields(AvroSchemaNode[] writerFields, ReaderField[] readerFields)
    {
        _writerFields = writerFields;
        _readerFields = readerFields;
        _inWriterOrder = true;
        var last = -1;
        foreach (var field in readerFields)
        {
            if (field.WriterIndex >= 0)
            {
                _inWriterOrder &= field.WriterIndex > last;
                last = field.WriterIndex;
            }
        }
    }

    public override void Run(ref AvroTranscoder transcoder)
    {
        transcoder.Input.EnterRecord(writerName);
        if (_inWriterOrder)
        {
            RunInOrder(ref transcoder);
        }
        else if (_writerFields.Length <= StackFields)
        {
            RunOutOfOrder(ref transcoder, stackalloc int[StackFields]);
        }
        else
        {
            var starts = ArrayPool<int>.Shared.Rent(_writerFields.Length);
            try
            {
                RunOutOfOrder(ref transcoder, starts);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(starts);
            }
        }

        transcoder.Input.LeaveRecord();
    }

    private void RunInOrder(ref AvroTranscoder transcoder)
    {
        var next = 0;
        foreach (var field in _readerFields)
        {
            if (field.WriterIndex < 0)
            {
                transcoder.WriteRaw(field.Default);
                continue;
            }

            while (next < field.WriterIndex)
            {
                transcoder.Skip(_writerFields[next++]);
            }

            field.Step!.Run(ref transcoder);
            next++;
        }

        while (next < _writerFields.Length)
        {
            transcoder.Skip(_writerFields[next++]);
        }
    }

    private void RunOutOfOrder(ref AvroTranscoder transcoder, scoped Span<int> starts)
    {
        for (var i = 0; i < _writerFields.Length; i++)
        {
            starts[i] = transcoder.Position;
            transcoder.Skip(_writerFields[i]);
        }

        var end = transcoder.Position;
        foreach (var field in _readerFields)
        {
            if (field.WriterIndex < 0)
            {
                transcoder.WriteRaw(field.Default);
                continue;
            }

            transcoder.Seek(starts[field.WriterIndex]);
            field.Step!.Run(ref transcoder);
        }

        transcoder.Seek(end);
    }

    /// <summary>A reader field: read from the writer's field at <see cref="WriterIndex"/> by <see cref="Step"/>, or, at -1, written as <see cref="Default"/>.</summary>
    internal sealed record ReaderField(int WriterIndex, AvroResolutionStep? Step, byte[] Default);
}

/// <summary>
/// A writer's union: each writer branch is read by its own step, and written as the reader's branch
/// <c>ReaderIndexes[i]</c> (or as the value alone when the reader is not a union, at -1); a branch the reader cannot take
/// fails when a value uses it.
/// </summary>
internal sealed class AvroUnionStep(AvroSchemaNode writer, int[] readerIndexes, AvroResolutionStep[] branches) : AvroResolutionStep
{
    public override void Run(ref AvroTranscoder transcoder)
    {
        var index = transcoder.ReadUnionIndex(writer);
        if (readerIndexes[index] >= 0)
        {
            transcoder.Output.WriteUnionIndex(readerIndexes[index]);
        }

        branches[index].Run(ref transcoder);
    }
}

/// <summary>A writer's value that is not a union, read into the reader union's branch <paramref name="readerIndex"/>.</summary>
internal sealed class AvroToUnionStep(int readerIndex, AvroResolutionStep value) : AvroResolutionStep
{
    public override void Run(ref AvroTranscoder transcoder)
    {
        transcoder.Output.WriteUnionIndex(readerIndex);
        value.Run(ref transcoder);
    }
}

/// <summary>A writer's union branch the reader cannot read: fails, saying why, when a value uses it.</summary>
internal sealed class AvroFailStep(string reason) : AvroResolutionStep
{
    public override void Run(ref AvroTranscoder transcoder)
        => throw new AvroSerializationException($"Invalid Avro at byte {transcoder.Position}: {reason}.");
}
