using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace KafkaTyped.Serialization;

/// <summary>
/// Runs an <see cref="AvroResolutionStep"/> plan over a body written with the writer's schema, writing the same values in
/// the reader's encoding to a buffer the generated decoder then reads. It reads through <see cref="AvroReader"/>, so every
/// length and count is checked against the bytes that remain and records nest at most <see cref="AvroPrimitives.MaxDepth"/>
/// levels; on top of that the items of all the body's arrays and maps together may not outnumber its bytes (what
/// <see cref="AvroReader.ReadBlockCount"/> assumes of one block), so a plan that fills defaults into each item writes at
/// most a plan-bounded multiple of the body.
/// </summary>
internal ref struct AvroTranscoder
{
    private readonly ReadOnlySpan<byte> _body;
    private AvroReader _input;
    private AvroWriter _output;
    private long _itemBudget;

    private AvroTranscoder(ReadOnlySpan<byte> body, ArrayBufferWriter<byte> output)
    {
        _body = body;
        _input = new AvroReader(body);
        _output = new AvroWriter(output);
        _itemBudget = body.Length;
    }

    /// <summary>Writes <paramref name="body"/> (the writer's encoding, nothing after it) in the reader's encoding to <paramref name="output"/>.</summary>
    /// <exception cref="AvroSerializationException">The body is not a valid encoding of the writer's schema, or holds a value the reader cannot take.</exception>
    public static void Run(AvroResolutionStep plan, ReadOnlySpan<byte> body, ArrayBufferWriter<byte> output, string typeName)
    {
        var transcoder = new AvroTranscoder(body, output);
        plan.Run(ref transcoder);
        transcoder._input.EnsureEnd(typeName);
        transcoder._output.Flush();
    }

    public readonly int Position => _input.Position;

    /// <summary>The one writer of the reader's encoding, flushed to the output at the end of <see cref="Run"/>.</summary>
    [UnscopedRef]
    public ref AvroWriter Output => ref _output;

    [UnscopedRef]
    public ref AvroReader Input => ref _input;

    public void Seek(int position) => _input.Seek(position);

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes) => _output.WriteRaw(bytes);

    /// <summary>Copies the writer's encoding of one value of <paramref name="writer"/> as it is.</summary>
    public void Copy(AvroSchemaNode writer)
    {
        var start = _input.Position;
        Skip(writer);
        _output.WriteRaw(_body[start.._input.Position]);
    }

    /// <summary>Reads past one value of <paramref name="writer"/>, checking its structure.</summary>
    public void Skip(AvroSchemaNode writer)
    {
        switch (writer.Kind)
        {
            case AvroKind.Null:
                break;
            case AvroKind.Boolean:
                _input.ReadBoolean();
                break;
            case AvroKind.Int:
                _input.ReadInt();
                break;
            case AvroKind.Long:
                _input.ReadLong();
                break;
            case AvroKind.Float:
                _input.Skip(4);
                break;
            case AvroKind.Double:
                _input.Skip(8);
                break;
            case AvroKind.Bytes or AvroKind.String:
                _input.ReadBytesSpan();
                break;
            case AvroKind.Fixed:
                _input.Skip(writer.Size);
                break;
            case AvroKind.Enum:
                _input.ReadEnumIndex(writer.Symbols.Length);
                break;
            case AvroKind.Union:
                Skip(writer.Branches[ReadUnionIndex(writer)]);
                break;
            case AvroKind.Record:
                _input.EnterRecord(writer.FullName);
                var fields = writer.Fields;
                for (var i = 0; i < fields.Length; i++)
                {
                    Skip(fields[i].Type);
                }

                _input.LeaveRecord();
                break;
            default:
                SkipBlocks(writer);
                break;
        }
    }

    /// <summary>Reads a union's branch index, which must name one of <paramref name="union"/>'s branches.</summary>
    public int ReadUnionIndex(AvroSchemaNode union)
    {
        var start = _input.Position;
        var index = _input.ReadLong();
        return index < 0 || index >= union.Branches.Length
            ? throw new AvroSerializationException($"Invalid Avro at byte {start}: union branch {index} is not one of the {union.Branches.Length} of the writer's {union.Describe()}.")
            : (int)index;
    }

    /// <summary>
    /// Reads the count of the next block of an array or map (0 at its end), charging it to the body's item budget. A
    /// block's byte size, when the writer gives one, is checked and then ignored: the items are read one by one.
    /// </summary>
    public int ReadBlockCount()
    {
        var start = _input.Position;
        var count = ReadBlock(out _);
        _itemBudget -= count;
        return _itemBudget < 0
            ? throw new AvroSerializationException($"Invalid Avro at byte {start}: the body's arrays and maps hold more items than its {_body.Length} bytes.")
            : count;
    }

    private void SkipBlocks(AvroSchemaNode writer)
    {
        int count;
        while ((count = ReadBlock(out var size)) != 0)
        {
            if (size >= 0)
            {
                _input.Skip(size);
                continue;
            }

            if (writer.Kind == AvroKind.Array && writer.Items!.HasEmptyEncoding)
            {
                continue;
            }

            for (var i = 0; i < count; i++)
            {
                if (writer.Kind == AvroKind.Map)
                {
                    _input.ReadBytesSpan();
                }

                Skip(writer.Items!);
            }
        }
    }

    // A block's item count and, for a negative count, the byte size that follows it (-1 when there is none); the same
    // checks as AvroReader.ReadBlockCount.
    private int ReadBlock(out int size)
    {
        var start = _input.Position;
        var count = _input.ReadLong();
        size = -1;
        if (count < 0)
        {
            if (count == long.MinValue)
            {
                throw new AvroSerializationException($"Invalid Avro at byte {start}: a block count does not fit a long.");
            }

            count = -count;
            var bytes = _input.ReadLong();
            if (bytes < 0 || bytes > _input.Remaining)
            {
                throw new AvroSerializationException($"Invalid Avro at byte {start}: a block size of {bytes} bytes exceeds the {_input.Remaining} that remain.");
            }

            size = (int)bytes;
        }

        return count > _input.Remaining
            ? throw new AvroSerializationException($"Invalid Avro at byte {start}: a block of {count} items exceeds the {_input.Remaining} bytes that remain.")
            : (int)count;
    }
}
