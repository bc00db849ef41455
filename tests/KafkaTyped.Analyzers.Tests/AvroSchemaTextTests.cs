using System.Reflection;
using KafkaTyped.Serialization;
using KafkaTyped.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// The schema the analyzers compute from symbols (and record in the schema lock) is the schema the generator emits:
/// compiled with the real generator, loaded, and compared with <c>KafkaSerializer.AvroSchema&lt;T&gt;()</c>.
/// </summary>
public sealed class AvroSchemaTextTests
{
    private const string RichSource = TestSetup.Usings + """
        using System.Collections.Immutable;

        namespace Shop.Contracts
        {
            public enum Priority : byte { Low = 1, Normal = 2, Default = 2, High = 200 }

            public enum Balance : long { Negative = -5_000_000_000, Zero = 0 }

            [KafkaData]
            public partial record LineItem(string Sku, int Quantity, [property: AvroDecimal(12, 3)] decimal Price);

            [KafkaData]
            public partial struct Money
            {
                [AvroDecimal(18, 2)]
                public decimal Amount;

                public string Currency { get; set; }
            }

            [KafkaData]
            public partial class TreeNode
            {
                public string Name { get; set; } = "";

                public List<TreeNode> Children { get; set; } = [];

                public TreeNode? Parent { get; set; }
            }

            public partial class Outer
            {
                public enum Kind { A, B }

                [KafkaData]
                public partial record Inner(Kind Kind, string? URLValue, int ID);
            }

            [AvroAlias("Mood")]
            public enum Tone { Calm, Loud }

            [KafkaData]
            [AvroAlias("OldRenamed")]
            [AvroAlias("Other.Ns.Renamed")]
            public partial record Renamed([property: AvroAlias("old_id")] string Id, [AvroDefault(7)] int Count)
            {
                [AvroDefault("x\"y\\z\u0001")] public string Text { get; init; } = "";
                [AvroDefault(Priority.High)] public Priority Level { get; init; }
                [AvroDefault("Low")] public Priority Fallback { get; init; }
                [AvroDefault(false)] public bool Flag { get; init; }
                [AvroDefault(1.5f)] public float Single { get; init; }
                [AvroDefault(2)] public double Double { get; init; }
                [AvroDefault('a')] public char Letter { get; init; }
                [AvroDefault(10u)] public ulong Big { get; init; }
                [AvroDefault(-3)] public short Small { get; init; }
                [AvroAlias("tone")] [AvroAlias("feeling")] public Tone Mood { get; init; }
            }

            [KafkaMessage("everything", Format = MessageFormat.Avro)]
            public partial record Everything([property: AvroDecimal(10, 2)] decimal Amount, Priority Priority, string Customer)
            {
                public bool Bool { get; init; }
                public byte Byte { get; init; }
                public sbyte SByte { get; init; }
                public short Int16 { get; init; }
                public ushort UInt16 { get; init; }
                public int Int32 { get; init; }
                public uint UInt32 { get; init; }
                public long Int64 { get; init; }
                public ulong UInt64 { get; init; }
                public char Char { get; init; }
                public float Single { get; init; }
                public double Double { get; init; }
                public nint NInt { get; init; }
                public nuint NUInt { get; init; }
                public string? NullableString { get; init; }
                public Guid Guid { get; init; }
                public DateTime DateTime { get; init; }
                public DateTimeOffset DateTimeOffset { get; init; }
                public TimeSpan TimeSpan { get; init; }
                public DateOnly DateOnly { get; init; }
                public TimeOnly TimeOnly { get; init; }
                public decimal Decimal { get; init; }
                public Balance Balance { get; init; }
                public Priority? NullablePriority { get; init; }
                public int? NullableInt { get; init; }
                public Guid? NullableGuid { get; init; }
                [AvroDecimal(20, 6)]
                public decimal? NullableDecimal { get; init; }
                public byte[] Bytes { get; init; } = [];
                public byte[]? NullableBytes { get; init; }
                public int[] Ints { get; init; } = [];
                public string?[]? Strings { get; init; }
                public List<long> Longs { get; init; } = [];
                public IReadOnlyList<Guid> Guids { get; init; } = [];
                public ImmutableArray<double> Doubles { get; init; }
                public Dictionary<string, int> Counts { get; init; } = [];
                public IReadOnlyDictionary<string, string?> Labels { get; init; } = new Dictionary<string, string?>();
                [AvroDecimal(8, 1)]
                public Dictionary<string, decimal[]> Prices { get; init; } = [];
                public LineItem Item { get; init; } = new("", 0, 0m);
                public LineItem? OptionalItem { get; init; }
                public Money Money { get; init; }
                public Money? OptionalMoney { get; init; }
                public List<Dictionary<string, LineItem?>> Nested { get; init; } = [];
                public int[][] Jagged { get; init; } = [];
                public TreeNode? Tree { get; init; }
                public Outer.Inner? Inner { get; init; }
                public Outer.Kind Kind { get; init; }
                public string URLValue { get; init; } = "";
                public int ID { get; init; }
            }
        }

        [KafkaMessage("global-avro", Format = MessageFormat.Avro)]
        public partial class GlobalMessage
        {
            public int Value { get; set; }
        #nullable disable
            public string Oblivious { get; set; }
            public List<string> ObliviousList { get; set; }
        #nullable restore
        }
        """;

    [Theory]
    [InlineData("Shop.Contracts.Everything")]
    [InlineData("Shop.Contracts.TreeNode")]
    [InlineData("Shop.Contracts.Renamed")]
    [InlineData("Shop.Contracts.Outer+Inner")]
    [InlineData("GlobalMessage")]
    public void The_computed_schema_is_the_schema_the_generator_emits(string typeName)
    {
        var ct = TestContext.Current.CancellationToken;
        var compilation = Compile(RichSource);
        CSharpGeneratorDriver.Create(new Generators.KafkaTypedGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics, ct);
        Assert.Empty(generatorDiagnostics);

        using var image = new MemoryStream();
        var emitted = generated.Emit(image, cancellationToken: ct);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        var type = Assembly.Load(image.ToArray()).GetType(typeName, throwOnError: true)!;
        var emittedSchema = (string)typeof(KafkaSerializer).GetMethod(nameof(KafkaSerializer.AvroSchema))!.MakeGenericMethod(type).Invoke(null, null)!;

        var symbol = compilation.GetTypeByMetadataName(typeName)!;
        Assert.Equal(emittedSchema, AvroSchemaText.Of(symbol, KnownTypeSymbols.Get(compilation), ct));
        Assert.IsType<AvroRecord>(AvroSchemaParser.Parse(emittedSchema));
    }

    [Fact]
    public void A_member_the_generator_cannot_serialize_gives_no_schema()
    {
        var compilation = Compile(TestSetup.Usings + """
            [KafkaMessage("bad", Format = MessageFormat.Avro)]
            public partial record Bad(int Id, System.IO.Stream Body);
            """);

        Assert.Null(AvroSchemaText.Of(compilation.GetTypeByMetadataName("Bad")!, KnownTypeSymbols.Get(compilation), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_data_type_of_a_referenced_assembly_is_described_from_its_metadata_as_from_its_source()
    {
        var ct = TestContext.Current.CancellationToken;
        var library = Compile(TestSetup.Usings + """
            namespace Lib;

            public enum Tier { Basic, Gold }

            [KafkaData]
            public partial record Contact(string Name, [property: AvroDecimal(9, 6)] decimal Latitude, Tier Tier)
            {
                public string? Note { get; init; }
                public List<Contact> Friends { get; init; } = [];
            }

            [KafkaData]
            public partial class Address
            {
                public string Street { get; set; } = "";
                public int Floor;
                public string? Note { get; set; }
            }
            """);
        CSharpGeneratorDriver.Create(new Generators.KafkaTypedGenerator()).RunGeneratorsAndUpdateCompilation(library, out var generated, out _, ct);
        using var image = new MemoryStream();
        Assert.True(generated.Emit(image, cancellationToken: ct).Success);
        var consumer = CSharpCompilation.Create(
            "Consumer",
            [],
            [.. TestSetup.References, MetadataReference.CreateFromImage(image.ToArray())],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        string Schema(CSharpCompilation compilation, string name) => AvroSchemaText.Of(compilation.GetTypeByMetadataName(name)!, KnownTypeSymbols.Get(compilation), ct)!;

        // Properties (positional ones first) keep their declared order in metadata: the same text.
        Assert.Equal(Schema(library, "Lib.Contact"), Schema(consumer, "Lib.Contact"));

        // Metadata lists fields before properties, so a type mixing them gets its fields in another order: Avro matches
        // fields by name, so the two schemas still read each other's records.
        var fromSource = Schema(library, "Lib.Address");
        var fromMetadata = Schema(consumer, "Lib.Address");
        Assert.NotEqual(fromSource, fromMetadata);
        Assert.Empty(AvroCompatibility.Check(fromMetadata, fromSource, "source"));
        Assert.Empty(AvroCompatibility.Check(fromSource, fromMetadata, "metadata"));
    }

    /// <summary>The Avro schema of <paramref name="metadataName"/> in <paramref name="source"/> (with the test usings).</summary>
    internal static string SchemaOf(string source, string metadataName)
    {
        var compilation = Compile(TestSetup.Usings + source);
        return AvroSchemaText.Of(compilation.GetTypeByMetadataName(metadataName)!, KnownTypeSymbols.Get(compilation), TestContext.Current.CancellationToken)!;
    }

    private static CSharpCompilation Compile(string source)
    {
        var ct = TestContext.Current.CancellationToken;
        var compilation = CSharpCompilation.Create(
            "AvroSchemas" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), cancellationToken: ct)],
            TestSetup.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics(ct).Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }
}
