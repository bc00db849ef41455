using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// The typed stages of one handler of a route in one consumer group: retry (its own policy) -> handle -> outcome
/// (dead-letter after the last attempt, or at once for a <see cref="PermanentFailureException"/>). A failure here retries
/// this handler only; the route's other handlers are not called again.
/// </summary>
/// <typeparam name="TMessage">The message type.</typeparam>
internal sealed class HandlerStage<TMessage>
{
    private readonly ConsumerStages _stages;
    private readonly Type _handlerType;

    public HandlerStage(ConsumerStages stages, Type handlerType, IHandle<TMessage>? singleton, HandlerPolicy policy)
    {
        _stages = stages;
        _handlerType = handlerType;
        HandlerName = handlerType.FullName ?? handlerType.Name;
        Singleton = singleton;
        Policy = policy;
    }

    /// <summary>The handler, when it is a singleton resolved at start-up; otherwise it comes from a scope per attempt.</summary>
    public IHandle<TMessage>? Singleton { get; }

    public HandlerPolicy Policy { get; }

    /// <summary>The handler's full type name, as in <see cref="DeadLetterHeaders.Handler"/> and <see cref="ReplayHeaders.Handler"/>.</summary>
    public string HandlerName { get; }

    /// <summary>
    /// Runs the handler until it succeeds (<see langword="true"/>) or was dead-lettered (<see langword="false"/>); throws
    /// only when cancelled. <paramref name="scope"/> supplies a scoped handler's first attempt, later attempts get a new
    /// scope; <paramref name="firstAttempt"/> is a first attempt the route's fast path already started.
    /// </summary>
    public async ValueTask<bool> RunAsync(
        ConsumeResult<byte[], byte[]> record, string typeId, TMessage message, IServiceProvider? scope, ValueTask? firstAttempt, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (attempt == 1 && firstAttempt is { } pending)
                {
                    await pending.ConfigureAwait(false);
                }
                else if (Singleton is { } singleton)
                {
                    await singleton.HandleAsync(message, RouteChain.CreateContext(record, typeId, _stages.GroupId, attempt), cancellationToken).ConfigureAwait(false);
                }
                else if (attempt == 1 && scope is not null)
                {
                    await Resolve(scope, typeId).HandleAsync(message, RouteChain.CreateContext(record, typeId, _stages.GroupId, attempt), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // A retry gets a fresh scope: a failed attempt may have left scoped state (a unit of work) unusable.
                    var retryScope = _stages.Scopes.CreateAsyncScope();
                    await using (retryScope.ConfigureAwait(false))
                    {
                        await Resolve(retryScope.ServiceProvider, typeId).HandleAsync(message, RouteChain.CreateContext(record, typeId, _stages.GroupId, attempt), cancellationToken).ConfigureAwait(false);
                    }
                }

                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                KafkaTypedTelemetry.HandlerFailures.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _stages.GroupId));
                if (Policy.IsLast(attempt, ex))
                {
                    Log.HandlerFailedDeadLettering(_stages.Logger, _handlerType.Name, typeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, ex);
                    KafkaTypedTelemetry.AbandonedMessages.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _stages.GroupId));
                    await _stages.DeadLetters.HandlerFailedAsync(record, _handlerType, Policy, attempt, ex, cancellationToken).ConfigureAwait(false);
                    return false;
                }

                var delay = Policy.DelayAfter(attempt, _stages.Jitter.NextDouble());
                Log.HandlerFailedRetrying(_stages.Logger, _handlerType.Name, typeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, delay, ex);
                await Task.Delay(delay, _stages.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The handler from <paramref name="services"/>.</summary>
    public IHandle<TMessage> Resolve(IServiceProvider services, string typeId)
        => Singleton ?? services.GetRequiredService(_handlerType) as IHandle<TMessage>
            ?? throw new InvalidOperationException($"The handler {_handlerType.FullName} of '{typeId}' does not implement IHandle<{typeof(TMessage).FullName}>.");
}
