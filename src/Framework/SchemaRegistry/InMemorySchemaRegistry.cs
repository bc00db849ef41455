using System.Collections.Concurrent;

namespace KafkaTyped.SchemaRegistry;

/// <summary>
/// A schema registry inside the process: schemas get ids from 1 in registration order, an equal schema keeps its id.
/// It checks no compatibility and is not shared with other processes; use it in tests and local runs, and a real
/// registry wherever another process reads what this one writes.
/// </summary>
public sealed class InMemorySchemaRegistry : ISchemaRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, string> _schemas = new();
    private readonly ConcurrentDictionary<string, List<int>> _subjects = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        lock (_lock)
        {
            if (!_ids.TryGetValue(schema, out var id))
            {
                id = _ids.Count + 1;
                _ids.Add(schema, id);
                _schemas[id] = schema;
            }

            var versions = _subjects.GetOrAdd(subject, static _ => []);
            if (!versions.Contains(id))
            {
                versions.Add(id);
            }

            return new(id);
        }
    }

    /// <inheritdoc/>
    public ValueTask<string?> GetSchemaAsync(SchemaId id, CancellationToken cancellationToken = default)
        => new(!id.IsGuid && _schemas.TryGetValue(id.Id, out var schema) ? schema : null);

    /// <summary>The ids registered under <paramref name="subject"/>, oldest first.</summary>
    /// <param name="subject">The subject.</param>
    /// <returns>The ids.</returns>
    public IReadOnlyList<int> Versions(string subject)
    {
        lock (_lock)
        {
            return _subjects.TryGetValue(subject, out var versions) ? [.. versions] : [];
        }
    }
}
