using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace KafkaTyped.Shared;

/// <summary>
/// The KafkaTyped and BCL types the generator and the analyzers look for, resolved once per compilation and compared
/// by symbol (never by display string).
/// </summary>
internal sealed class KnownTypeSymbols
{
    private static readonly ConditionalWeakTable<Compilation, KnownTypeSymbols> s_cache = new();

    private KnownTypeSymbols(Compilation compilation)
    {
        KafkaMessageAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.KafkaMessageAttribute);
        KafkaDataAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.KafkaDataAttribute);
        MessageKeyAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.MessageKeyAttribute);
        HandlerInterface = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.HandlerInterface);
        MessageInterface = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.MessageInterface);
        DataInterface = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.DataInterface);
        Publisher = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.PublisherInterface);
        RetryAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.RetryAttribute);
        OrderingAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.OrderingAttribute);
        DeduplicateAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.DeduplicateAttribute);
        DeduplicationKeyAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.DeduplicationKeyAttribute);
        DeadLetterTopicAttribute = compilation.GetTypeByMetadataName(KafkaTypedMetadataNames.DeadLetterTopicAttribute);
        Exception = compilation.GetTypeByMetadataName("System.Exception");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        Guid = compilation.GetTypeByMetadataName("System.Guid");
        DateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
        TimeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        DateOnly = compilation.GetTypeByMetadataName("System.DateOnly");
        TimeOnly = compilation.GetTypeByMetadataName("System.TimeOnly");
        ListOfT = compilation.GetTypeByMetadataName("System.Collections.Generic.List`1");
        ReadOnlyListOfT = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyList`1");
        ImmutableArrayOfT = compilation.GetTypeByMetadataName("System.Collections.Immutable.ImmutableArray`1");
        DictionaryOfTKeyTValue = compilation.GetTypeByMetadataName("System.Collections.Generic.Dictionary`2");
        ReadOnlyDictionaryOfTKeyTValue = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2");
    }

    public INamedTypeSymbol? KafkaMessageAttribute { get; }
    public INamedTypeSymbol? KafkaDataAttribute { get; }
    public INamedTypeSymbol? MessageKeyAttribute { get; }
    public INamedTypeSymbol? HandlerInterface { get; }
    public INamedTypeSymbol? MessageInterface { get; }
    public INamedTypeSymbol? DataInterface { get; }
    public INamedTypeSymbol? Publisher { get; }
    public INamedTypeSymbol? RetryAttribute { get; }
    public INamedTypeSymbol? OrderingAttribute { get; }
    public INamedTypeSymbol? DeduplicateAttribute { get; }
    public INamedTypeSymbol? DeduplicationKeyAttribute { get; }
    public INamedTypeSymbol? DeadLetterTopicAttribute { get; }
    public INamedTypeSymbol? Exception { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? Guid { get; }
    public INamedTypeSymbol? DateTimeOffset { get; }
    public INamedTypeSymbol? TimeSpan { get; }
    public INamedTypeSymbol? DateOnly { get; }
    public INamedTypeSymbol? TimeOnly { get; }
    public INamedTypeSymbol? ListOfT { get; }
    public INamedTypeSymbol? ReadOnlyListOfT { get; }
    public INamedTypeSymbol? ImmutableArrayOfT { get; }
    public INamedTypeSymbol? DictionaryOfTKeyTValue { get; }
    public INamedTypeSymbol? ReadOnlyDictionaryOfTKeyTValue { get; }

    /// <summary>The symbols of <paramref name="compilation"/>, resolved on first use and kept as long as the compilation lives.</summary>
    public static KnownTypeSymbols Get(Compilation compilation) => s_cache.GetValue(compilation, static c => new KnownTypeSymbols(c));

    /// <summary>Whether <paramref name="type"/> is <paramref name="known"/> (false when the compilation lacks it).</summary>
    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known)
        => known is not null && SymbolEqualityComparer.Default.Equals(type, known);

    /// <summary>Whether <paramref name="type"/> is a constructed form of the generic definition <paramref name="definition"/>.</summary>
    public static bool IsConstructedFrom(ITypeSymbol? type, INamedTypeSymbol? definition)
        => definition is not null && type is INamedTypeSymbol { IsGenericType: true } named
           && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, definition);

    /// <summary>The [KafkaMessage] attribute of <paramref name="type"/>, or null when it is not a message.</summary>
    public AttributeData? GetMessageAttribute(ITypeSymbol type) => Find(type, KafkaMessageAttribute);

    public bool IsMessage(ITypeSymbol type) => GetMessageAttribute(type) is not null;

    /// <summary>Whether <paramref name="type"/> is <see cref="System.Exception"/> or derives from it.</summary>
    public bool IsException(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, Exception))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The type id declared by the [KafkaMessage] attribute of <paramref name="type"/>, or null.</summary>
    public string? GetTypeId(ITypeSymbol type)
        => GetMessageAttribute(type) is { ConstructorArguments: { Length: 1 } arguments } && arguments[0].Value is string typeId ? typeId : null;

    /// <summary>A [KafkaMessage] or [KafkaData] type of this compilation or a referenced one.</summary>
    public bool IsDataAttributed(ITypeSymbol type) => IsMessage(type) || Find(type, KafkaDataAttribute) is not null;

    /// <summary>A [KafkaMessage] type, or a type implementing IKafkaMessage&lt;T&gt; by hand (the runtime accepts both).</summary>
    public bool IsMessageContract(ITypeSymbol type)
        => IsMessage(type) || (MessageInterface is not null && type.AllInterfaces.Any(i => IsConstructedFrom(i, MessageInterface)));

    /// <summary>Whether <paramref name="type"/> implements IKafkaData&lt;itself&gt; (the contract generated in another assembly).</summary>
    public bool ImplementsDataContract(INamedTypeSymbol type)
        => DataInterface is not null
           && type.AllInterfaces.Any(i => IsConstructedFrom(i, DataInterface) && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], type));

    public static AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attributeType)
    {
        if (attributeType is null)
        {
            return null;
        }

        foreach (var attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The IHandle&lt;T&gt; interfaces <paramref name="type"/> declares in its own base list.</summary>
    public IEnumerable<INamedTypeSymbol> DeclaredHandlerInterfaces(INamedTypeSymbol type) => HandlerInterfaces(type.Interfaces);

    /// <summary>Every IHandle&lt;T&gt; <paramref name="type"/> implements, declared or inherited.</summary>
    public IEnumerable<INamedTypeSymbol> AllHandlerInterfaces(INamedTypeSymbol type) => HandlerInterfaces(type.AllInterfaces);

    /// <summary>
    /// When <paramref name="method"/> implements IHandle&lt;T&gt;.HandleAsync for a concrete type, the handler's
    /// CancellationToken parameter; otherwise null.
    /// </summary>
    public IParameterSymbol? GetHandleAsyncToken(IMethodSymbol method)
    {
        if (HandlerInterface is null || method.ContainingType is not { } type || method.MethodKind is not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation))
        {
            return null;
        }

        foreach (var iface in AllHandlerInterfaces(type))
        {
            foreach (var member in iface.GetMembers("HandleAsync"))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    foreach (var parameter in method.Parameters)
                    {
                        if (SymbolEqualityComparer.Default.Equals(parameter.Type, CancellationToken))
                        {
                            return parameter;
                        }
                    }
                }
            }
        }

        return null;
    }

    private IEnumerable<INamedTypeSymbol> HandlerInterfaces(IEnumerable<INamedTypeSymbol> interfaces)
    {
        if (HandlerInterface is null)
        {
            yield break;
        }

        foreach (var iface in interfaces)
        {
            if (IsConstructedFrom(iface, HandlerInterface))
            {
                yield return iface;
            }
        }
    }
}
