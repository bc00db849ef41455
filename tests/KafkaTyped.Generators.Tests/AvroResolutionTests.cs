using System.Buffers.Binary;
using System.Text;
using Avro;
using Avro.Generic;
using CsCheck;
using KafkaTyped.SchemaRegistry;
using KafkaTyped.Serialization;
using V1 = KafkaTyped.Generators.Tests.Messages.Evolution.V1;
using V2 = KafkaTyped.Generators.Tests.Messages.Evolution.V2;

namespace KafkaTyped.Generators.Tests;

/// <summary>
/// Avro schema resolution (docs/avro.md#schema-resolution): a framed value written with an older or newer schema of the
/// type is read by the specification's rules, checked type against type (two versions of the same records), against
/// Apache.Avro's resolving reader on random schema variants and values, and on hostile bodies under a resolving plan.
/// </summary>
public sealed class AvroResolutionTests
{
    private static int s_nextId = 700_000;

    [Fact]
    public void An_older_writer_is_read_by_the_newer_type_with_promotions_defaults_and_changed_nested_records()
    {
        var old = new V1.Customer("Ada", 36, 0.5f, 7, "tag", [0x68, 0x69], V1.Tier.Gold, new V1.Address("Main St", "Leeds") { Country = "UK" })
        {
            Nickname = "ada",
            Previous = [new V1.Address("Old St", "York") { Country = "UK" }],
            ByLabel = new() { ["work"] = new V1.Address("Mill Rd", "Hull") },
            Rating = 4,
            Referrer = "friend",
            Campaign = "spring",
        };

        var read = ReadAs<V1.Customer, V2.Customer>(old);

        Assert.Equal(("Ada", 36L, 0.5, 7.0, "tag", "hi", V2.Tier.Gold), (read.Name, read.Age, read.Score, read.Visits, Encoding.UTF8.GetString(read.Tag), read.Blob, read.Tier));
        Assert.Equal(new V2.Address("Main St", "Leeds"), read.Home);
        Assert.Null(read.Email);
        Assert.Equal([new V2.Address("Old St", "York")], read.Previous);
        Assert.Equal(new V2.Address("Mill Rd", "Hull"), Assert.Single(read.ByLabel).Value);
        Assert.Equal((4L, "friend", "spring"), (read.Rating, read.Referrer, read.Campaign));

        // int? -> long? with null, and the writer's null in a union the reader does not have fails naming the branch.
        Assert.Null(ReadAs<V1.Customer, V2.Customer>(old with { Rating = null }).Rating);
        var error = Assert.Throws<AvroSerializationException>(() => ReadAs<V1.Customer, V2.Customer>(old with { Campaign = null }));
        Assert.Contains("Cannot deserialize KafkaTyped.Generators.Tests.Messages.Evolution.V2.Customer", error.Message);
        Assert.Contains("the writer's union branch 0 (null) is not the reader's string", error.Message);
    }

    [Fact]
    public void Members_added_and_removed_with_defaults_read_both_ways()
    {
        var older = new V1.Order("o-1", 3, V1.Tier.Silver) { Note = "ring twice", Lines = [new V1.Address("A", "B") { Country = "FR" }] };
        var asNewer = ReadAs<V1.Order, V2.Order>(older);
        Assert.Equal(("o-1", 3, V2.Tier.Silver, (string?)null), (asNewer.Id, asNewer.Quantity, asNewer.Tier, asNewer.Coupon));
        Assert.Equal([new V2.Address("A", "B")], asNewer.Lines);

        var newer = new V2.Order("o-2", 5, V2.Tier.Gold) { Coupon = "SAVE", Lines = [new V2.Address("C", "D") { Zip = "123" }] };
        var asOlder = ReadAs<V2.Order, V1.Order>(newer);
        Assert.Equal(("o-2", 5, V1.Tier.Gold, (string?)null), (asOlder.Id, asOlder.Quantity, asOlder.Tier, asOlder.Note));
        Assert.Equal([new V1.Address("C", "D")], asOlder.Lines);

        // An enum symbol the older reader lacks (and it declares no default) fails when a value uses it, naming the symbol.
        var error = Assert.Throws<AvroSerializationException>(() => ReadAs<V2.Order, V1.Order>(newer with { Tier = V2.Tier.Platinum }));
        Assert.Contains("the writer's symbol 'Platinum' of enum KafkaTyped.Generators.Tests.Messages.Evolution.V2.Tier is not a symbol of the reader's enum", error.Message);
    }

    [Fact]
    public void A_renamed_record_field_and_enum_read_what_the_old_names_wrote_by_their_aliases()
    {
        var schema = KafkaSerializer.AvroSchema<V2.Subscriber>();
        Assert.Contains("\"name\":\"Subscriber\",\"namespace\":\"KafkaTyped.Generators.Tests.Messages.Evolution.V2\",\"aliases\":[\"KafkaTyped.Generators.Tests.Messages.Evolution.V1.Member\"]", schema);
        Assert.Contains("{\"name\":\"login\",\"aliases\":[\"handle\"],\"type\":\"string\"}", schema);
        Assert.Contains("\"name\":\"Subscription\",\"namespace\":\"KafkaTyped.Generators.Tests.Messages.Evolution.V2\",\"aliases\":[\"KafkaTyped.Generators.Tests.Messages.Evolution.V1.Plan\"],\"symbols\":[\"Free\",\"Paid\"]", schema);
        _ = Schema.Parse(schema); // Apache.Avro takes the aliases

        var read = ReadAs<V1.Member, V2.Subscriber>(new V1.Member("ada", 3, V1.Plan.Paid));
        Assert.Equal(new V2.Subscriber("ada", 3, V2.Subscription.Paid), read);

        // Aliases are the reader's: the old type does not read the renamed one.
        var error = Assert.Throws<AvroSerializationException>(() => ReadAs<V2.Subscriber, V1.Member>(read));
        Assert.Contains("the writer's record KafkaTyped.Generators.Tests.Messages.Evolution.V2.Subscriber is not the reader's record KafkaTyped.Generators.Tests.Messages.Evolution.V1.Member", error.Message);
    }

    [Fact]
    public void Fields_added_with_defaults_that_are_not_null_are_filled_in_and_skipped_as_Apache_Avro_does()
    {
        var schema = KafkaSerializer.AvroSchema<V2.Settings>();
        Assert.Contains("{\"name\":\"retries\",\"type\":\"int\",\"default\":3}", schema);
        Assert.Contains("{\"name\":\"mode\",\"type\":\"string\",\"default\":\"none\"}", schema);
        Assert.Contains("\"default\":\"Gold\"}", schema);
        Assert.Contains("{\"name\":\"enabled\",\"type\":\"boolean\",\"default\":true}", schema);
        Assert.Contains("{\"name\":\"offset\",\"type\":\"long\",\"default\":-2}", schema);
        Assert.Contains("{\"name\":\"ratio\",\"type\":\"double\",\"default\":0.25}", schema);
        Assert.Contains("{\"name\":\"fallback\",\"type\":\"KafkaTyped.Generators.Tests.Messages.Evolution.V2.Tier\",\"default\":\"Silver\"}", schema);

        // The older writer lacks the fields: the newer reader fills in the defaults, as Apache.Avro's resolving reader does.
        var older = new V1.Settings("main");
        var asNewer = ReadAs<V1.Settings, V2.Settings>(older);
        Assert.Equal(new V2.Settings("main", 3) { Mode = "none", Level = V2.Tier.Gold, Enabled = true, Offset = -2, Ratio = 0.25, Fallback = V2.Tier.Silver }, asNewer);
        // (Apache.Avro matches records by full name: it is given the older schema in the newer namespace.)
        var olderSchema = KafkaSerializer.AvroSchema<V1.Settings>().Replace("Evolution.V1", "Evolution.V2", StringComparison.Ordinal);
        var apache = (GenericRecord)new GenericDatumReader<object>(Schema.Parse(olderSchema), Schema.Parse(schema))
            .Read(null!, new Avro.IO.BinaryDecoder(new MemoryStream(KafkaSerializer.Serialize(older, MessageFormat.Avro))));
        Assert.Equal((3, "none", "Gold", true, -2L, 0.25, "Silver"), ((int)apache["retries"], (string)apache["mode"], ((GenericEnum)apache["level"]).Value, (bool)apache["enabled"], (long)apache["offset"], (double)apache["ratio"], ((GenericEnum)apache["fallback"]).Value));

        // The newer writer has them: the older reader skips them.
        var newer = new V2.Settings("edge", 9) { Mode = "fast", Level = V2.Tier.Bronze, Enabled = false, Offset = 40, Ratio = 2, Fallback = V2.Tier.Gold };
        Assert.Equal(new V1.Settings("edge"), ReadAs<V2.Settings, V1.Settings>(newer));
    }

    [Fact]
    public void A_newer_writer_with_narrower_numbers_and_swapped_string_and_bytes_is_promoted_by_an_older_reader()
    {
        var newer = new V2.Measurement(-12, 1.25f, long.MaxValue, "payload", "label"u8.ToArray());
        var read = ReadAs<V2.Measurement, V1.Measurement>(newer);
        Assert.Equal((-12L, 1.25, (double)long.MaxValue, "payload", "label"), (read.Count, read.Ratio, read.Mean, Encoding.UTF8.GetString(read.Payload), read.Label));

        // Bytes that are not UTF-8 are refused when they are read as a string.
        var invalid = Assert.Throws<AvroSerializationException>(() => ReadAs<V2.Measurement, V1.Measurement>(newer with { Label = [0xFF] }));
        Assert.Contains("not valid UTF-8", invalid.Message);

        // A narrowing the specification does not allow (long to int) does not resolve, and says which types.
        var narrowing = Assert.Throws<AvroSerializationException>(() => ReadAs<V1.Measurement, V2.Measurement>(new V1.Measurement(1, 1, 1, [], "")));
        Assert.Contains("does not resolve to the type's schema: the writer's long cannot be read as the reader's int", narrowing.Message);
    }

    [Fact]
    public void A_reader_field_without_a_default_that_the_writer_lacks_fails_naming_the_field()
    {
        var error = Assert.Throws<AvroSerializationException>(() => ReadAs<V1.Account, V2.Account>(new V1.Account("Ada")));
        Assert.Contains("Cannot deserialize KafkaTyped.Generators.Tests.Messages.Evolution.V2.Account: the value was written with schema id", error.Message);
        Assert.Contains("the reader's field 'email' of record KafkaTyped.Generators.Tests.Messages.Evolution.V2.Account has no default", error.Message);
    }

    [Fact]
    public void Invalid_writer_schemas_fail_saying_why()
    {
        var body = KafkaSerializer.Serialize(new V2.Account("a", "b"), MessageFormat.Avro);
        (string Schema, string Expected)[] cases =
        [
            ("not json", "is not JSON"),
            ("""{"type":"record","fields":[]}""", "a record has no name"),
            ("""{"type":"record","name":"Account","fields":[{"name":"name","type":"Nope"}]}""", "refers to the type 'Nope'"),
            ("""{"type":"record","name":"Account","fields":[{"name":"name","type":["null",["int"]]}]}""", "a union holds a union"),
            ("""{"type":"enum","name":"Account","symbols":["A"]}""", "the writer's enum Account cannot be read as the reader's record"),
            ("""{"type":"record","name":"Other","fields":[]}""", "records resolve by name"),
        ];
        foreach (var (schema, expected) in cases)
        {
            var error = Assert.Throws<AvroSerializationException>(() => ReadFramed<V2.Account>(schema, body));
            Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        }
    }

    [Fact]
    public void Defaults_of_every_kind_and_an_enum_default_resolve_as_Apache_Avro_resolves_them()
    {
        // Reader schemas other than the generated ones (which default only nullable members to null), straight to the resolver.
        const string Writer = """{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}""";
        const string Reader = """
            {"type":"record","name":"R","fields":[
              {"name":"b","type":"long","default":5},{"name":"a","type":"long"},{"name":"c","type":"string","default":"x\u00e9"},
              {"name":"d","type":"bytes","default":"\u00ff\u0001"},{"name":"e","type":{"type":"array","items":"int"},"default":[1,2]},
              {"name":"f","type":{"type":"map","values":"double"},"default":{"k":1.5}},
              {"name":"g","type":{"type":"record","name":"G","fields":[{"name":"y","type":"int"},{"name":"z","type":"string","default":"q"}]},"default":{"y":2}},
              {"name":"h","type":{"type":"enum","name":"H","symbols":["A","B"]},"default":"B"},
              {"name":"i","type":["null","int"],"default":null},{"name":"j","type":["int","null"],"default":3},
              {"name":"k","type":"boolean","default":true},{"name":"l","type":"float","default":1.25},
              {"name":"m","type":{"type":"fixed","name":"M","size":2},"default":"ab"}]}
            """;
        var writerSchema = Schema.Parse(Writer);
        var readerSchema = Schema.Parse(Reader);
        var datum = new GenericRecord((RecordSchema)writerSchema);
        datum.Add("a", -7);
        var body = AvroTests.ApacheWrite(writerSchema, datum);
        var expected = AvroTests.ApacheWrite(readerSchema, AvroTests.ApacheRead(writerSchema, body, readerSchema));
        Assert.Equal(expected, Transcode(Writer, Reader, body));

        // A writer symbol the reader lacks takes the reader's default symbol.
        const string WriterEnum = """{"type":"enum","name":"H","symbols":["Z","A","B"]}""";
        const string ReaderEnum = """{"type":"enum","name":"H","symbols":["A","B"],"default":"B"}""";
        Assert.Equal([0x02], Transcode(WriterEnum, ReaderEnum, [0x00]));
        Assert.Equal([0x00], Transcode(WriterEnum, ReaderEnum, [0x02]));

        // A default that is not a value of its field's type fails the plan, naming the field.
        var error = Assert.Throws<AvroSerializationException>(() => Transcode(Writer, """{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":"x"}]}""", body));
        Assert.Contains("the default of the reader's field 'b' of record R, \"x\", is not a value of its type int", error.Message);
    }

    private static byte[] Transcode(string writer, string reader, byte[] body)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        AvroTranscoder.Run(AvroResolver.Build(AvroSchemaParser.Parse(writer), AvroSchemaParser.Parse(reader)), body, output, "R");
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void The_plan_is_built_once_per_writer_schema_id_and_type()
    {
        const string Older = """{"type":"record","name":"Counted","namespace":"Older","fields":[{"name":"name","type":"string"}]}""";
        var id = Register(Older);
        var body = Framed(id, [0x04, (byte)'h', (byte)'i']);
        var before = AvroResolvedReads<V2.Counted>.PlansBuilt;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(new V2.Counted("hi"), KafkaSerializer.ReadFramedAvro<V2.Counted>(body, schemaIdHeader: null));
        }

        Assert.Equal(before + 1, AvroResolvedReads<V2.Counted>.PlansBuilt);

        // Another id is another plan, and a plan that fails is kept too, not built again for every value.
        var other = Framed(Register(Older.Replace("\"string\"", "\"bytes\"", StringComparison.Ordinal)), [0x02, (byte)'x']);
        Assert.Equal("x", KafkaSerializer.ReadFramedAvro<V2.Counted>(other, schemaIdHeader: null).Name);
        var broken = Framed(Register("""{"type":"record","name":"Counted","fields":[]}"""), []);
        Assert.Throws<AvroSerializationException>(() => KafkaSerializer.ReadFramedAvro<V2.Counted>(broken, schemaIdHeader: null));
        Assert.Throws<AvroSerializationException>(() => KafkaSerializer.ReadFramedAvro<V2.Counted>(broken, schemaIdHeader: null));
        Assert.Equal(before + 3, AvroResolvedReads<V2.Counted>.PlansBuilt);
    }

    [Fact]
    public void A_resolved_read_allocates_no_more_than_a_read_of_the_own_schema()
    {
        var order = new V1.Order("o-1", 3, V1.Tier.Silver) { Note = "ring twice", Lines = [new V1.Address("A", "B") { Country = "FR" }, new V1.Address("C", "D")] };
        var own = Framed(Register(KafkaSerializer.AvroSchema<V2.Order>()), KafkaSerializer.Serialize(ReadAs<V1.Order, V2.Order>(order), MessageFormat.Avro));
        var older = Framed(Register(KafkaSerializer.AvroSchema<V1.Order>()), KafkaSerializer.Serialize(order, MessageFormat.Avro));
        long Allocated(byte[] framed)
        {
            KafkaSerializer.ReadFramedAvro<V2.Order>(framed, schemaIdHeader: null);
            var before = GC.GetAllocatedBytesForCurrentThread();
            KafkaSerializer.ReadFramedAvro<V2.Order>(framed, schemaIdHeader: null);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(Allocated(own), Allocated(older));
    }

    [Fact]
    public void The_same_schema_written_differently_reads_as_it_is()
    {
        // Whitespace, attribute order and a doc string change the text but not the encoding.
        var schema = """
            { "fields": [ { "type": "string", "name": "street", "doc": "the street" }, { "name": "city", "type": "string" },
              { "name": "zip", "default": null, "type": [ "null", "string" ] } ],
              "type": "record", "namespace": "KafkaTyped.Generators.Tests.Messages.Evolution.V2", "name": "Address" }
            """;
        var address = new V2.Address("A", "B") { Zip = "Z" };
        Assert.Equal(address, ReadFramed<V2.Address>(schema, KafkaSerializer.Serialize(address, MessageFormat.Avro)));
    }

    [Fact]
    public void Truncated_bodies_under_a_resolving_plan_fail_with_a_clear_error()
    {
        var old = new V1.Customer("Ada", 36, 0.5f, 7, "tag", [1, 2], V1.Tier.Gold, new V1.Address("Main St", "Leeds"))
        {
            Previous = [new V1.Address("Old St", "York")],
            ByLabel = new() { ["work"] = new V1.Address("Mill Rd", "Hull") },
            Campaign = "spring",
        };
        var body = KafkaSerializer.Serialize(old, MessageFormat.Avro);
        var id = Register(KafkaSerializer.AvroSchema<V1.Customer>());
        _ = KafkaSerializer.ReadFramedAvro<V2.Customer>(Framed(id, body), schemaIdHeader: null);
        for (var length = 0; length < body.Length; length++)
        {
            var error = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.ReadFramedAvro<V2.Customer>(Framed(id, body[..length]), schemaIdHeader: null));
            Assert.Contains("Cannot deserialize KafkaTyped.Generators.Tests.Messages.Evolution.V2.Customer", error.Message);
            Assert.Contains("Invalid Avro at byte", error.Message);
        }

        var trailing = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.ReadFramedAvro<V2.Customer>(Framed(id, [.. body, 0]), schemaIdHeader: null));
        Assert.Contains("1 bytes follow", trailing.Message);
    }

    [Fact]
    public void Hostile_bodies_under_a_resolving_plan_are_read_or_rejected_within_the_allocation_bound()
    {
        var id = Register(KafkaSerializer.AvroSchema<V1.Customer>());
        void Read(byte[] body) => KafkaSerializer.ReadFramedAvro<V2.Customer>(Framed(id, body), schemaIdHeader: null);
        var valid = Gen.Int.Select(seed => KafkaSerializer.Serialize(RandomOldCustomer(new Random(seed)), MessageFormat.Avro));
        Read(valid.Single());

        Gen.Select(valid, AvroHostileBytesPropertyTests.AvroMutation.Array[1, 4], (bytes, mutations) => mutations.Aggregate(bytes, (b, m) => m.Apply(b)))
            .Sample(bytes => HostileBytesPropertyTests.AssertReadOrRejected<AvroSerializationException>("resolved Customer", Read, bytes), iter: 600, threads: 1);

        // Huge counts and lengths in an array of changed records, and a block count that outnumbers the body's bytes.
        foreach (var huge in AvroHostileBytesPropertyTests.HugeVarints)
        {
            var body = KafkaSerializer.Serialize(RandomOldCustomer(new Random(1)) with { Previous = [] }, MessageFormat.Avro);
            HostileBytesPropertyTests.AssertReadOrRejected<AvroSerializationException>("huge", Read, [.. body[..^8], .. huge, .. body[^8..]]);
        }
    }

    [Fact]
    public void Deep_nesting_under_a_resolving_plan_is_bounded()
    {
        // TreeNode with an extra writer field: each level is the name "", the extra int 0, one child.
        const string Writer = """{"type":"record","name":"TreeNode","fields":[{"name":"extra","type":"int"},{"name":"name","type":"string"},{"name":"children","type":{"type":"array","items":"TreeNode"}}]}""";
        var id = Register(Writer);
        static byte[] Nested(int levels) => [.. Enumerable.Repeat<byte[]>([0x00, 0x00, 0x02], levels - 1).SelectMany(b => b), 0x00, 0x00, 0x00, .. Enumerable.Repeat((byte)0x00, levels - 1)];
        Assert.Single(KafkaSerializer.ReadFramedAvro<Messages.TreeNode>(Framed(id, Nested(AvroPrimitives.MaxDepth)), schemaIdHeader: null).Children);
        var error = Assert.Throws<AvroSerializationException>(() => KafkaSerializer.ReadFramedAvro<Messages.TreeNode>(Framed(id, Nested(AvroPrimitives.MaxDepth + 1)), schemaIdHeader: null));
        Assert.Contains("deeper than 64 levels", error.Message);
    }

    [Fact]
    public void Random_writer_variants_read_as_Apache_Avro_resolves_them()
    {
        AssertLikeApache<V2.Customer>();
        AssertLikeApache<Messages.TreeNode>();
        AssertLikeApache<V2.Order>();
    }

    /// <summary>
    /// For random writer variants of <typeparamref name="T"/>'s schema (fields dropped, added, reordered and promoted,
    /// unions and enums changed, nested records alike) and random values Apache.Avro writes with them: what Apache.Avro's
    /// <c>GenericDatumReader(writer, reader)</c> reads, written back with the reader schema, is byte for byte what our
    /// resolved read of the same bytes writes.
    /// </summary>
    private static void AssertLikeApache<T>()
        where T : IKafkaData<T>
    {
        var readerText = KafkaSerializer.AvroSchema<T>();
        var readerSchema = Schema.Parse(readerText);
        var resolved = 0;
        Gen.Int.Sample(
            seed =>
            {
                var random = new Random(seed);
                var writerText = AvroSchemaVariants.Variant(readerText, random);
                var writerSchema = Schema.Parse(writerText);
                var id = Register(writerText);
                for (var i = 0; i < 4; i++)
                {
                    var bytes = AvroTests.ApacheWrite(writerSchema, AvroSchemaVariants.RandomDatum(writerSchema, random, 0));
                    var expected = AvroTests.ApacheWrite(readerSchema, AvroTests.ApacheRead(writerSchema, bytes, readerSchema));
                    var ours = KafkaSerializer.ReadFramedAvro<T>(Framed(id, bytes), schemaIdHeader: null);
                    Assert.True(expected.AsSpan().SequenceEqual(KafkaSerializer.Serialize(ours, MessageFormat.Avro)), $"{writerText}\n{Convert.ToHexString(bytes)}");
                    if (!expected.AsSpan().SequenceEqual(bytes))
                    {
                        Interlocked.Increment(ref resolved);
                    }
                }
            },
            iter: 300);

        // Most bodies were written differently from the reader's encoding: the property exercised resolution, not copies.
        Assert.True(resolved > 600, $"only {resolved} of 1200 bodies differed from the reader's encoding");
    }

    private static V1.Customer RandomOldCustomer(Random random)
    {
        string Text() => new([.. Enumerable.Range(0, random.Next(4)).Select(_ => (char)random.Next('a', 'z' + 1))]);
        V1.Address Address() => new(Text(), Text()) { Country = random.Next(2) == 0 ? null : Text() };
        // The blob is read as a string by the newer type, so it holds UTF-8 (other bytes are refused, as tested above).
        return new(Text(), random.Next(), random.NextSingle(), random.Next(), Text(), [(byte)random.Next('a', 'z' + 1)], (V1.Tier)random.Next(3), Address())
        {
            Nickname = random.Next(2) == 0 ? null : Text(),
            Previous = [.. Enumerable.Range(0, random.Next(3)).Select(_ => Address())],
            ByLabel = Enumerable.Range(0, random.Next(3)).ToDictionary(i => "k" + i, _ => Address()),
            Rating = random.Next(2) == 0 ? null : random.Next(),
            Referrer = Text(),
            Campaign = Text(),
        };
    }

    /// <summary>Writes <paramref name="value"/> with <typeparamref name="TWriter"/>'s schema and reads it as <typeparamref name="TReader"/>.</summary>
    private static TReader ReadAs<TWriter, TReader>(TWriter value)
        where TWriter : IKafkaData<TWriter>
        where TReader : IKafkaData<TReader>
        => ReadFramed<TReader>(KafkaSerializer.AvroSchema<TWriter>(), KafkaSerializer.Serialize(value, MessageFormat.Avro));

    private static T ReadFramed<T>(string writerSchema, byte[] body)
        where T : IKafkaData<T>
        => KafkaSerializer.ReadFramedAvro<T>(Framed(Register(writerSchema), body), schemaIdHeader: null);

    /// <summary>Makes <paramref name="schema"/> known under a new id, as the consumer does with one it fetched.</summary>
    internal static int Register(string schema)
    {
        var id = Interlocked.Increment(ref s_nextId);
        AvroWriterSchemas.Add(SchemaId.FromId(id), schema);
        return id;
    }

    internal static byte[] Framed(int id, byte[] body)
    {
        var framed = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), id);
        body.CopyTo(framed, 5);
        return framed;
    }
}
