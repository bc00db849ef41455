namespace KafkaTyped.Generators.Tests;

/// <summary>Inputs at the edges of what users write; the generated code must compile with no warning for each.</summary>
public sealed class EdgeCaseCompilationTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing KafkaTyped;\n";

    public static TheoryData<string, string> Sources() => new()
    {
        {
            "nullable annotations disabled",
            """
            #nullable disable
            namespace Legacy;

            [KafkaMessage("legacy")]
            public partial class Legacy
            {
                public string Name { get; set; }
                public List<string> Tags { get; set; }
                public Dictionary<string, Legacy> Children { get; set; }
                public int[] Numbers;
            }

            [KafkaMessage("legacy-record")]
            public partial record LegacyRecord(string Name, List<string> Tags);
            """
        },
        {
            "no members",
            """
            [KafkaMessage("ping")]
            public partial record Ping;

            [KafkaData]
            public partial struct Nothing { }

            [KafkaData]
            public partial class Empty { }
            """
        },
        {
            "member names that collide with generated names and keywords",
            """
            namespace Odd;

            [KafkaMessage("odd")]
            public partial record Odd(int count, string value, string reader)
            {
                public string? writer { get; init; }
                public int present { get; init; }
                public int @class { get; init; }
                public int e0 { get; init; }
                public List<int> n0 { get; init; } = [];
                public string MessagePackFormatterName { get; init; } = "";
            }
            """
        },
        {
            "global namespace, internal types and protected internal members",
            """
            [KafkaMessage("global")]
            internal partial record GlobalMessage(int Value)
            {
                protected internal string? Extra { get; init; }
            }

            internal sealed class GlobalHandler : IHandle<GlobalMessage>
            {
                public ValueTask HandleAsync(GlobalMessage message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """
        },
        {
            "deeply nested containing types and a struct record",
            """
            namespace A.B.C;

            public partial class Outer
            {
                public partial struct Middle
                {
                    public partial record Inner
                    {
                        [KafkaMessage("inner")]
                        public partial record struct Deep([property: MessageKey] long Id, Deep.Part[] Parts)
                        {
                            [KafkaData]
                            public partial record Part(string Name);
                        }
                    }
                }
            }
            """
        },
        {
            "required, init, private setters, readonly fields, initializers, default parameter values",
            """
            namespace Shapes;

            public enum Color : short { Red = -1, Green = 7 }

            [KafkaMessage("shape")]
            public partial record Shape(string Name = "unnamed", double Scale = 1.5, decimal Price = 2.25m, Color Color = Color.Green, char Mark = 'x', float Ratio = 0.5f, bool Visible = true, long? Limit = null, string? Note = null, double Max = double.PositiveInfinity, float Missing = float.NaN, Color Other = Color.Red)
            {
                public required List<string> Labels { get; init; }
                public int Version { get; private set; } = 3;
                public readonly Guid Stamp = Guid.Empty;
                internal IReadOnlyList<int> Sizes { get; init; } = [1, 2];
            }
            """
        },
        {
            "derived types whose base types the generated constructor can call",
            """
            namespace Derivation;

            public abstract class Entity
            {
                protected Entity(string? origin = null) { }
            }

            [KafkaData]
            public partial class Customer : Entity
            {
                public string Name { get; set; } = "";
            }

            public abstract record Event(DateTime At);

            [KafkaMessage("renamed")]
            public partial record Renamed(DateTime At, string NewName) : Event(At);
            """
        },
        {
            "both attributes on one type",
            """
            [KafkaMessage("both")]
            [KafkaData]
            public partial record Both(int Value);
            """
        },
        {
            "handler implementing IHandle through a base class",
            """
            namespace Inherit;

            [KafkaMessage("m")]
            public partial record M(int Value);

            public abstract class Base : IHandle<M>
            {
                public ValueTask HandleAsync(M message, MessageContext context, CancellationToken cancellationToken) => default;
            }

            public sealed class Derived : Base, IDisposable
            {
                public void Dispose() { }
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void GeneratedCodeCompilesWithoutWarnings(string name, string source)
    {
        var run = GeneratorHarness.Run(Usings + source);

        Assert.NotEmpty(run.Sources);
        run.AssertCompilesCleanly();
        Assert.NotNull(name);
    }

    [Fact]
    public void DefaultParameterValuesAreUsedForMissingPositionalMembers()
    {
        var run = GeneratorHarness.Run(Usings + """
            [KafkaData]
            public partial record Shape(string Name = "unnamed", double Scale = 1.5, decimal Price = 2.25m, char Mark = 'x', long? Limit = null);
            """);

        run.AssertCompilesCleanly();
        var source = run.Source("Shape.g.cs");
        Assert.Contains("string NameValue = (string)(\"unnamed\");", source, StringComparison.Ordinal);
        Assert.Contains("double ScaleValue = (double)(1.5d);", source, StringComparison.Ordinal);
        Assert.Contains("decimal PriceValue = (decimal)(2.25m);", source, StringComparison.Ordinal);
        Assert.Contains("char MarkValue = (char)('x');", source, StringComparison.Ordinal);
        Assert.Contains("long? LimitValue = default!;", source, StringComparison.Ordinal);
    }
}
