namespace KafkaTyped.Generators.Tests;

/// <summary>Names the generator derives (route classes, hint names, the registration class) never collide.</summary>
public sealed class NameCollisionTests
{
    private const string Usings = "using System.Threading;\nusing System.Threading.Tasks;\nusing KafkaTyped;\n";

    [Fact]
    public void Two_messages_whose_names_flatten_alike_both_get_a_route()
    {
        // A.B_C and A_B.C both flatten to A_B_C: the second route class gets a number.
        var run = GeneratorHarness.Run(Usings + """
            namespace A
            {
                [KafkaMessage("first")]
                public partial record B_C(int Value);

                public sealed class FirstHandler : IHandle<B_C>
                {
                    public ValueTask HandleAsync(B_C message, MessageContext context, CancellationToken cancellationToken) => default;
                }
            }

            namespace A_B
            {
                [KafkaMessage("second")]
                public partial record C(int Value);

                public sealed class SecondHandler : IHandle<C>
                {
                    public ValueTask HandleAsync(C message, MessageContext context, CancellationToken cancellationToken) => default;
                }
            }
            """);

        run.AssertCompilesCleanly();
        var routing = run.Source(KafkaTypedGenerator.Emitter.RoutingHintName);
        Assert.Contains("file sealed class A_B_CRoute : global::KafkaTyped.Routing.MessageRoute<global::A.B_C>", routing, StringComparison.Ordinal);
        Assert.Contains("file sealed class A_B_CRoute2 : global::KafkaTyped.Routing.MessageRoute<global::A_B.C>", routing, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_whose_names_differ_only_in_case_both_compile()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Shop
            {
                [KafkaMessage("order-created")]
                public partial record OrderCreated(int Value);

                [KafkaMessage("order-created-legacy")]
                public partial record Ordercreated(string Name);

                public static partial class Outer
                {
                    [KafkaData]
                    public partial record Line(string Sku);
                }
            }
            """);

        // Hint names are compared ignoring case: the second of the two gets a number.
        run.AssertCompilesCleanly();
        Assert.Equal(
            ["Shop.OrderCreated.g.cs", "Shop.Ordercreated.2.g.cs", "Shop.Outer+Line.g.cs"],
            run.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Two_assemblies_that_see_each_others_internals_each_call_their_own_AddGeneratedHandlers()
    {
        const string Registration = """

            public static class Startup
            {
                public static IKafkaTypedBuilder Configure(IKafkaTypedBuilder builder) => builder.AddGeneratedHandlers();
            }
            """;
        var first = GeneratorHarness.CompileLibrary(Usings + """
            [assembly: System.Runtime.CompilerServices.InternalsVisibleTo("KafkaTyped.SnapshotSubject")]

            namespace Billing
            {
                [KafkaMessage("refund-issued")]
                public partial record RefundIssued(int Amount);

                internal sealed class RefundHandler : IHandle<RefundIssued>
                {
                    public ValueTask HandleAsync(RefundIssued message, MessageContext context, CancellationToken cancellationToken) => default;
                }
            """ + Registration + "\n}\n", "Billing");

        var second = GeneratorHarness.Run(Usings + """
            namespace Shop
            {
                [KafkaMessage("order-created")]
                public partial record OrderCreated(int Id);

                internal sealed class OrderHandler : IHandle<OrderCreated>
                {
                    public ValueTask HandleAsync(OrderCreated message, MessageContext context, CancellationToken cancellationToken) => default;
                }
            """ + Registration + "\n}\n", first);

        second.AssertCompilesCleanly();
        Assert.Contains("namespace KafkaTyped.Generated.KafkaTyped.SnapshotSubject", second.Source(KafkaTypedGenerator.Emitter.RoutingHintName), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Shop.Orders", "KafkaTyped.Generated.Shop.Orders")]
    [InlineData("Shop_Orders", "KafkaTyped.Generated.Shop__Orders")]
    [InlineData("Shop-Orders", "KafkaTyped.Generated.Shop_002DOrders")]
    [InlineData("7Seas.class", "KafkaTyped.Generated._0037Seas.@class")]
    [InlineData("A..B", "KafkaTyped.Generated.A._.B")]
    [InlineData(null, "KafkaTyped.Generated.Assembly")]
    public void The_registration_namespace_is_derived_injectively_from_the_assembly_name(string? assemblyName, string expected)
        => Assert.Equal(expected, KafkaTypedGenerator.Parser.RegistrationNamespace(assemblyName));
}
