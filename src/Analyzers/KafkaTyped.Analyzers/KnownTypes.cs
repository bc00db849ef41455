using Microsoft.CodeAnalysis;

namespace KafkaTyped.Analyzers;

/// <summary>The KafkaTyped and BCL types the analyzers look for, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    public const string KafkaMessageAttributeName = "KafkaTyped.KafkaMessageAttribute";
    public const string MessageKeyAttributeName = "KafkaTyped.MessageKeyAttribute";
    public const string HandlerInterfaceName = "KafkaTyped.IHandle`1";
    public const string PublisherInterfaceName = "KafkaTyped.IMessagePublisher";
    public const string RetryAttributeName = "KafkaTyped.RetryAttribute";
    public const string OrderingAttributeName = "KafkaTyped.OrderingAttribute";
    public const string DeduplicateAttributeName = "KafkaTyped.DeduplicateAttribute";

    private KnownTypes(Compilation compilation)
    {
        KafkaMessageAttribute = compilation.GetTypeByMetadataName(KafkaMessageAttributeName);
        MessageKeyAttribute = compilation.GetTypeByMetadataName(MessageKeyAttributeName);
        HandlerInterface = compilation.GetTypeByMetadataName(HandlerInterfaceName);
        MessageInterface = compilation.GetTypeByMetadataName("KafkaTyped.IKafkaMessage`1");
        Publisher = compilation.GetTypeByMetadataName(PublisherInterfaceName);
        RetryAttribute = compilation.GetTypeByMetadataName(RetryAttributeName);
        OrderingAttribute = compilation.GetTypeByMetadataName(OrderingAttributeName);
        DeduplicateAttribute = compilation.GetTypeByMetadataName(DeduplicateAttributeName);
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        Guid = compilation.GetTypeByMetadataName("System.Guid");
    }

    public INamedTypeSymbol? KafkaMessageAttribute { get; }
    public INamedTypeSymbol? MessageKeyAttribute { get; }
    public INamedTypeSymbol? HandlerInterface { get; }
    public INamedTypeSymbol? MessageInterface { get; }
    public INamedTypeSymbol? Publisher { get; }
    public INamedTypeSymbol? RetryAttribute { get; }
    public INamedTypeSymbol? OrderingAttribute { get; }
    public INamedTypeSymbol? DeduplicateAttribute { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? Guid { get; }

    public static KnownTypes Get(Compilation compilation) => new(compilation);

    /// <summary>The [KafkaMessage] attribute of <paramref name="type"/>, or null when it is not a message.</summary>
    public AttributeData? GetMessageAttribute(ITypeSymbol type) => Find(type, KafkaMessageAttribute);

    public bool IsMessage(ITypeSymbol type) => GetMessageAttribute(type) is not null;

    /// <summary>A [KafkaMessage] type, or a type implementing IKafkaMessage&lt;T&gt; by hand (the runtime accepts both).</summary>
    public bool IsMessageContract(ITypeSymbol type)
        => IsMessage(type)
           || (MessageInterface is not null && type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, MessageInterface)));

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

    /// <summary>The message types <paramref name="type"/> handles through its directly declared IHandle&lt;T&gt; interfaces.</summary>
    public IEnumerable<INamedTypeSymbol> DeclaredHandlerInterfaces(INamedTypeSymbol type)
    {
        if (HandlerInterface is null)
        {
            yield break;
        }

        foreach (var iface in type.Interfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(iface.OriginalDefinition, HandlerInterface))
            {
                yield return iface;
            }
        }
    }

    /// <summary>Every IHandle&lt;T&gt; <paramref name="type"/> implements, declared or inherited.</summary>
    public IEnumerable<INamedTypeSymbol> AllHandlerInterfaces(INamedTypeSymbol type)
    {
        if (HandlerInterface is null)
        {
            yield break;
        }

        foreach (var iface in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(iface.OriginalDefinition, HandlerInterface))
            {
                yield return iface;
            }
        }
    }

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
}
