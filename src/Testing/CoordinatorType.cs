namespace KafkaTyped.Testing;

/// <summary>The kind of coordinator pinned by <see cref="EmbeddedKafkaCluster.SetCoordinator(CoordinatorType, string, int)"/>.</summary>
public enum CoordinatorType
{
    /// <summary>The group coordinator of a consumer group (key: <c>group.id</c>).</summary>
    Group,

    /// <summary>The transaction coordinator of a transactional producer (key: <c>transactional.id</c>).</summary>
    Transaction,
}
