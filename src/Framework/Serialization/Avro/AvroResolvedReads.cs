using System.Buffers;
using System.Collections.Concurrent;
using KafkaTyped.SchemaRegistry;

namespace KafkaTyped.Serialization;

/// <summary>
/// Reads framed Avro values of <typeparamref name="T"/> written with a schema other than the type's own: the resolution
/// plan for a writer schema id is built once (<see cref="AvroResolver"/>) and cached for the process, and each value is
/// transcoded (<see cref="AvroTranscoder"/>) into a per-thread buffer in the type's own encoding, which the generated
/// decoder then reads. A writer schema that encodes as the type's own (the same schema written differently) is read
/// directly; one that does not resolve fails every value with the reason, without being resolved again.
/// </summary>
/// <typeparam name="T">The reader type.</typeparam>
internal static class AvroResolvedReads<T>
    where T : IKafkaData<T>
{
    private static readonly ConcurrentDictionary<SchemaId, Plan> s_plans = new();
    private static readonly Lock s_building = new();
    private static int s_built;

    /// <summary>How many plans have been built for <typeparamref name="T"/> (a plan is built once per writer schema id).</summary>
    internal static int PlansBuilt => Volatile.Read(ref s_built);

    /// <summary>Reads <paramref name="body"/>, written with <paramref name="writerSchema"/> (registered as <paramref name="id"/>).</summary>
    /// <exception cref="AvroSerializationException">The writer schema is invalid or does not resolve to the type's, or the body is invalid.</exception>
    public static T Read(SchemaId id, string writerSchema, ReadOnlySpan<byte> body)
    {
        var plan = PlanFor(id, writerSchema);
        if (plan.Error is { } error)
        {
            throw new AvroSerializationException($"Cannot deserialize {typeof(T).FullName}: the value was written with {id}, which does not resolve to the type's schema: {error}.");
        }

        if (plan.Root is AvroCopyStep)
        {
            return KafkaSerializer.ReadAvro<T>(body);
        }

        var buffer = AvroTranscodeBuffer.Rent();
        try
        {
            try
            {
                AvroTranscoder.Run(plan.Root!, body, buffer, typeof(T).FullName!);
            }
            catch (Exception ex) when (ex is AvroSerializationException or OverflowException or ArgumentException)
            {
                throw new AvroSerializationException($"Cannot deserialize {typeof(T).FullName}, written with {id}: {ex.Message}", ex);
            }

            try
            {
                return KafkaSerializer.ReadAvro<T>(buffer.WrittenSpan);
            }
            catch (AvroSerializationException ex)
            {
                throw new AvroSerializationException($"{ex.Message} (in the value written with {id}, after resolving it to the type's schema)", ex);
            }
        }
        finally
        {
            AvroTranscodeBuffer.Return(buffer);
        }
    }

    private static Plan PlanFor(SchemaId id, string writerSchema)
    {
        // A registry's id names one schema for good; the text is compared anyway (by reference first) so that a process
        // told of another schema under an id it cached builds the plan again rather than misreading.
        if (s_plans.TryGetValue(id, out var plan) && (ReferenceEquals(plan.WriterSchema, writerSchema) || string.Equals(plan.WriterSchema, writerSchema, StringComparison.Ordinal)))
        {
            return plan;
        }

        lock (s_building)
        {
            if (s_plans.TryGetValue(id, out plan) && string.Equals(plan.WriterSchema, writerSchema, StringComparison.Ordinal))
            {
                return plan;
            }

            plan = Build(writerSchema);
            s_plans[id] = plan;
            Interlocked.Increment(ref s_built);
            return plan;
        }
    }

    private static Plan Build(string writerSchema)
    {
        try
        {
            var writer = AvroSchemaParser.Parse(writerSchema);
            var reader = AvroSchemaParser.Parse(T.TypeInfo.Avro.Schema);
            return new Plan(writerSchema, AvroResolver.Build(writer, reader), null);
        }
        catch (AvroSerializationException ex)
        {
            return new Plan(writerSchema, null, ex.Message);
        }
    }

    private sealed record Plan(string WriterSchema, AvroResolutionStep? Root, string? Error);
}
