using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace KafkaTyped;

/// <summary>Chooses the deduplication store of KafkaTyped's consumers.</summary>
public static class DeduplicationBuilderExtensions
{
    /// <summary>
    /// Makes <paramref name="store"/> the <see cref="IDeduplicationStore"/> of every handler with
    /// <see cref="DeduplicateAttribute"/>, instead of the bounded in-memory store registered by default. The storage
    /// packages call this (<c>AddSqliteDeduplication</c>, <c>AddPostgreSqlDeduplication</c>); call it for a store of
    /// your own. <paramref name="initializeAsync"/> (creating a table, say) runs when the host starts, before any
    /// consumer polls.
    /// </summary>
    /// <typeparam name="TStore">The store type; an <see cref="IInboxStore"/> also gives handlers an <see cref="IInbox"/>.</typeparam>
    /// <param name="builder">The KafkaTyped builder.</param>
    /// <param name="store">Creates the store (a singleton).</param>
    /// <param name="initializeAsync">Prepares the store at start-up; <see langword="null"/> when it needs nothing.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IKafkaTypedBuilder AddDeduplication<TStore>(
        this IKafkaTypedBuilder builder, Func<IServiceProvider, TStore> store, Func<TStore, CancellationToken, Task>? initializeAsync = null)
        where TStore : class, IDeduplicationStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        var services = builder.Services;
        services.RemoveAll<IDeduplicationStore>();
        services.AddSingleton(store);
        services.AddSingleton<IDeduplicationStore>(static sp => sp.GetRequiredService<TStore>());
        if (initializeAsync is not null)
        {
            services.AddSingleton<IHostedService>(sp => new Initializer(ct => initializeAsync(sp.GetRequiredService<TStore>(), ct)));
        }

        return builder;
    }

    // Runs in StartingAsync, which every hosted service finishes before any StartAsync, so no consumer sees the store unready.
    private sealed class Initializer(Func<CancellationToken, Task> initializeAsync) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => initializeAsync(cancellationToken);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
