using KafkaTyped.Shared;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KafkaTyped.Analyzers.Tests.SharedRules;

/// <summary>
/// The handler-discovery rule of src/Shared/HandlerSyntax.cs, tested once here: the generator binds the declarations it
/// accepts, and the analyzers report (KT0023) handlers it does not see.
/// </summary>
public sealed class HandlerSyntaxTests
{
    [Theory]
    [InlineData("class H : IHandle<M> { }")]
    [InlineData("class H : System.IDisposable, KafkaTyped.IHandle<M> { }")]
    [InlineData("class H : global::KafkaTyped.IHandle<Shop.M> { }")]
    [InlineData("record R : IHandle<M>;")]
    [InlineData("class H : Base, IHandle<M>, IHandle<N> { }")]
    public void A_base_list_that_names_IHandle_of_one_type_argument_passes(string declaration)
        => Assert.True(HandlerSyntax.NamesHandlerInterface(Parse(declaration)));

    [Theory]
    [InlineData("class H { }")]
    [InlineData("class H : HandlerBase { }")]
    [InlineData("class H : OrderHandler { }")]
    [InlineData("class H : IHandle { }")]
    [InlineData("class H : IHandle<M, N> { }")]
    [InlineData("class H : IHandler<M> { }")]
    public void Any_other_base_list_does_not(string declaration)
        => Assert.False(HandlerSyntax.NamesHandlerInterface(Parse(declaration)));

    private static TypeDeclarationSyntax Parse(string declaration)
        => CSharpSyntaxTree.ParseText(declaration).GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>().Single();
}
