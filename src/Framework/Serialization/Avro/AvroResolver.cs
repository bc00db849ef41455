namespace KafkaTyped.Serialization;

/// <summary>
/// Builds the plan that reads a body written with one Avro schema as a value of another, by the specification's
/// resolution rules: records field by field by name (writer fields the reader lacks are skipped, reader fields the writer
/// lacks take their defaults), the promotions int to long, float or double, long to float or double, float to double and
/// string to bytes and back, enums by symbol name (else the reader's default), unions both ways, arrays, maps and named
/// types recursively. Where the two schemas encode alike the plan copies the writer's bytes; a root that encodes alike is
/// <see cref="AvroCopyStep"/>, and the caller reads the body as it is.
/// </summary>
/// <remarks>
/// What cannot resolve at all (a reader field without a default that the writer lacks, types that neither match nor
/// promote) fails the build with an <see cref="AvroSerializationException"/> naming the field or types. What depends on the
/// data (a writer union branch or enum symbol the reader cannot take) becomes a step that fails when a value uses it, as
/// the specification has it.
/// </remarks>
internal sealed class AvroResolver
{
    private readonly Dictionary<(AvroSchemaNode Writer, AvroSchemaNode Reader), AvroResolutionStep> _built = [];
    private readonly List<(AvroSchemaNode Writer, AvroSchemaNode Reader)> _builtOrder = [];

    private AvroResolver()
    {
    }

    /// <summary>The plan reading <paramref name="writer"/>'s encoding as <paramref name="reader"/>'s.</summary>
    /// <exception cref="AvroSerializationException">The schemas do not resolve; the message says where and why.</exception>
    public static AvroResolutionStep Build(AvroSchemaNode writer, AvroSchemaNode reader) => new AvroResolver().Resolve(writer, reader);

    private AvroResolutionStep Resolve(AvroSchemaNode writer, AvroSchemaNode reader)
    {
        if (EncodeAlike(writer, reader, []))
        {
            return new AvroCopyStep(writer);
        }

        if (writer.Kind == AvroKind.Union)
        {
            var readerIndexes = new int[writer.Branches.Length];
            var branches = new AvroResolutionStep[writer.Branches.Length];
            for (var i = 0; i < writer.Branches.Length; i++)
            {
                var branch = writer.Branches[i];
                if (reader.Kind == AvroKind.Union)
                {
                    readerIndexes[i] = FirstMatch(branch, reader);
                    branches[i] = readerIndexes[i] < 0
                        ? new AvroFailStep($"the writer's union branch {i} ({branch.Describe()}) matches no branch of the reader's {reader.Describe()}")
                        : ResolveOrFail(branch, reader.Branches[readerIndexes[i]]);
                }
                else
                {
                    readerIndexes[i] = -1;
                    branches[i] = Matches(branch, reader)
                        ? ResolveOrFail(branch, reader)
                        : new AvroFailStep($"the writer's union branch {i} ({branch.Describe()}) is not the reader's {reader.Describe()}");
                }
            }

            return new AvroUnionStep(writer, readerIndexes, branches);
        }

        if (reader.Kind == AvroKind.Union)
        {
            var index = FirstMatch(writer, reader);
            return index < 0
                ? throw Unresolvable($"the writer's {writer.Describe()} matches no branch of the reader's {reader.Describe()}")
                : new AvroToUnionStep(index, Resolve(writer, reader.Branches[index]));
        }

        switch (writer.Kind, reader.Kind)
        {
            case (AvroKind.Record, AvroKind.Record):
                return ResolveRecord(writer, reader);
            case (AvroKind.Enum, AvroKind.Enum):
                return ResolveEnum(writer, reader);
            case (AvroKind.Array, AvroKind.Array) or (AvroKind.Map, AvroKind.Map):
                {
                    var collection = new AvroCollectionStep(writer.Kind == AvroKind.Map);
                    collection.Items = Resolve(writer.Items!, reader.Items!);
                    return collection;
                }

            case (AvroKind.Fixed, AvroKind.Fixed):
                return reader.IsNamedAs(writer) && writer.Size == reader.Size
                    ? new AvroCopyStep(writer)
                    : throw Unresolvable($"the writer's {writer.Describe()} of {writer.Size} bytes is not the reader's {reader.Describe()} of {reader.Size} (fixed types resolve by name and size)");
            case (AvroKind.Bytes, AvroKind.Bytes) when writer.DecimalScale is { } writerScale && reader.DecimalScale is { } readerScale && writerScale != readerScale:
                throw Unresolvable($"the writer's decimal has scale {writerScale} and the reader's {readerScale}; decimals resolve only at the same scale");
            case (AvroKind.Int, AvroKind.Long) or (AvroKind.String, AvroKind.Bytes) or (AvroKind.Bytes, AvroKind.String):
                // The same encoding: a zig-zag varint, or a length and bytes (the reader checks the UTF-8 of a string).
                return new AvroCopyStep(writer);
            case (AvroKind.Int or AvroKind.Long, AvroKind.Float or AvroKind.Double) or (AvroKind.Float, AvroKind.Double):
                return new AvroPromoteStep(writer.Kind, reader.Kind);
            default:
                return writer.Kind == reader.Kind && writer.Kind is not (AvroKind.Record or AvroKind.Enum or AvroKind.Fixed or AvroKind.Array or AvroKind.Map)
                    ? new AvroCopyStep(writer)
                    : throw Unresolvable($"the writer's {writer.Describe()} cannot be read as the reader's {reader.Describe()}");
        }
    }

    private AvroResolutionStep ResolveRecord(AvroSchemaNode writer, AvroSchemaNode reader)
    {
        if (!reader.IsNamedAs(writer))
        {
            throw Unresolvable($"the writer's record {writer.FullName} is not the reader's record {reader.FullName} (records resolve by name or by one of the reader's aliases)");
        }

        if (_built.TryGetValue((writer, reader), out var built))
        {
            return built;
        }

        var step = new AvroRecordStep(writer.FullName);
        _built.Add((writer, reader), step);
        _builtOrder.Add((writer, reader));

        var readerFields = new AvroRecordStep.ReaderField[reader.Fields.Length];
        for (var i = 0; i < reader.Fields.Length; i++)
        {
            var field = reader.Fields[i];
            var writerIndex = IndexOfField(writer, field);
            if (writerIndex >= 0)
            {
                readerFields[i] = new(writerIndex, Resolve(writer.Fields[writerIndex].Type, field.Type), []);
                continue;
            }

            if (field.Default is not { } defaultValue)
            {
                throw Unresolvable($"the reader's field '{field.Name}' of record {reader.FullName} has no default and the writer's record {writer.FullName} has no such field");
            }

            readerFields[i] = new(-1, null, AvroDefaultEncoder.Encode(defaultValue, field.Type, $"the default of the reader's field '{field.Name}' of record {reader.FullName}"));
        }

        step.SetFields([.. writer.Fields.Select(f => f.Type)], readerFields);
        return step;
    }

    private static AvroEnumStep ResolveEnum(AvroSchemaNode writer, AvroSchemaNode reader)
    {
        if (!reader.IsNamedAs(writer))
        {
            throw Unresolvable($"the writer's enum {writer.FullName} is not the reader's enum {reader.FullName} (enums resolve by name or by one of the reader's aliases)");
        }

        var defaultIndex = reader.EnumDefault is { } symbol ? IndexOf(reader.Symbols, symbol) : -1;
        var indexes = new int[writer.Symbols.Length];
        for (var i = 0; i < indexes.Length; i++)
        {
            var index = IndexOf(reader.Symbols, writer.Symbols[i]);
            indexes[i] = index >= 0 ? index : defaultIndex;
        }

        return new AvroEnumStep(writer, indexes, reader.FullName);
    }

    // A writer union branch the reader cannot read fails when a value takes it, not when the plan is built.
    private AvroResolutionStep ResolveOrFail(AvroSchemaNode writer, AvroSchemaNode reader)
    {
        var mark = _builtOrder.Count;
        try
        {
            return Resolve(writer, reader);
        }
        catch (AvroSerializationException ex)
        {
            // Forget the records whose steps were started inside the branch: they may be incomplete.
            for (var i = _builtOrder.Count - 1; i >= mark; i--)
            {
                _built.Remove(_builtOrder[i]);
                _builtOrder.RemoveAt(i);
            }

            return new AvroFailStep(ex.Message);
        }
    }

    /// <summary>The first of <paramref name="union"/>'s branches that <paramref name="writer"/> matches, as the specification picks it; -1 for none.</summary>
    private static int FirstMatch(AvroSchemaNode writer, AvroSchemaNode union)
    {
        for (var i = 0; i < union.Branches.Length; i++)
        {
            if (Matches(writer, union.Branches[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The specification's "matches": the same primitive type or a promotion of it, named types of the same name, arrays, maps.</summary>
    private static bool Matches(AvroSchemaNode writer, AvroSchemaNode reader) => (writer.Kind, reader.Kind) switch
    {
        (AvroKind.Record, AvroKind.Record) or (AvroKind.Enum, AvroKind.Enum) or (AvroKind.Fixed, AvroKind.Fixed) => reader.IsNamedAs(writer),
        (AvroKind.Int, AvroKind.Long or AvroKind.Float or AvroKind.Double) => true,
        (AvroKind.Long, AvroKind.Float or AvroKind.Double) => true,
        (AvroKind.Float, AvroKind.Double) => true,
        (AvroKind.String, AvroKind.Bytes) or (AvroKind.Bytes, AvroKind.String) => true,
        var (w, r) => w == r && w != AvroKind.Union,
    };

    /// <summary>Whether every value of <paramref name="writer"/> is encoded as the same value of <paramref name="reader"/>.</summary>
    private static bool EncodeAlike(AvroSchemaNode writer, AvroSchemaNode reader, HashSet<(AvroSchemaNode, AvroSchemaNode)> assumed)
    {
        if (writer.Kind != reader.Kind || writer.DecimalScale != reader.DecimalScale)
        {
            return false;
        }

        switch (writer.Kind)
        {
            case AvroKind.Record:
                if (writer.Name != reader.Name || writer.Fields.Length != reader.Fields.Length)
                {
                    return false;
                }

                if (!assumed.Add((writer, reader)))
                {
                    return true;
                }

                for (var i = 0; i < writer.Fields.Length; i++)
                {
                    if (writer.Fields[i].Name != reader.Fields[i].Name || !EncodeAlike(writer.Fields[i].Type, reader.Fields[i].Type, assumed))
                    {
                        return false;
                    }
                }

                return true;
            case AvroKind.Enum:
                return writer.Name == reader.Name && writer.Symbols.SequenceEqual(reader.Symbols, StringComparer.Ordinal);
            case AvroKind.Fixed:
                return writer.Name == reader.Name && writer.Size == reader.Size;
            case AvroKind.Array or AvroKind.Map:
                return EncodeAlike(writer.Items!, reader.Items!, assumed);
            case AvroKind.Union:
                if (writer.Branches.Length != reader.Branches.Length)
                {
                    return false;
                }

                for (var i = 0; i < writer.Branches.Length; i++)
                {
                    if (!EncodeAlike(writer.Branches[i], reader.Branches[i], assumed))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>The writer's field a reader's field reads: the one of its name, else the first named by one of its aliases; -1 for none.</summary>
    private static int IndexOfField(AvroSchemaNode record, AvroFieldNode readerField)
    {
        for (var i = 0; i < record.Fields.Length; i++)
        {
            if (record.Fields[i].Name == readerField.Name)
            {
                return i;
            }
        }

        foreach (var alias in readerField.Aliases)
        {
            for (var i = 0; i < record.Fields.Length; i++)
            {
                if (record.Fields[i].Name == alias)
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static int IndexOf(string[] symbols, string symbol)
    {
        for (var i = 0; i < symbols.Length; i++)
        {
            if (symbols[i] == symbol)
            {
                return i;
            }
        }

        return -1;
    }

    private static AvroSerializationException Unresolvable(string why) => new(why);
}
