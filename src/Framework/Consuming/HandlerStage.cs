using Confluent.Kafka;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// The typed stages of one handler of a route in one consumer group: [deduplicate] -> retry (its own policy) -> handle
/// -> outcome (dead-letter after the last attempt, or at once for a permanent failure). A failure here retries this
/// handler only; the route's other handlers are not called again.
/// </summary>
/// <typeparam name="TMessage">The message type.</typeparam>
internal sealed class HandlerStage<TMessage>
{
    private readonly ConsumerStages _stages;
    private readonly Type _handlerType;
    private readonly Routing.MessageRoute<TMessage>? _route;

    public HandlerStage(
        ConsumerStages stages, Type handlerType, IHandle<TMessage>? singleton, HandlerPolicy policy, DeduplicationStage? deduplication = null, Routing.MessageRoute<TMessage>? route = null)
    {
        _stages = stages;
        _route = route;
        _handlerType = handlerType;
        HandlerName = handlerType.FullName ?? handlerType.Name;
        Singleton = singleton;
        Policy = policy;
        Deduplication = deduplication;
    }

    /// <summary>The deduplication stage when the handler declares <see cref="DeduplicateAttribute"/>.</summary>
    public DeduplicationStage? Deduplication { get; }

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
        var deduplication = Deduplication;
        var key = default(DeduplicationKey);
        if (deduplication is not null && !deduplication.TryGetKey(record, _route?.GetDeduplicationKey(message), out key))
        {
            deduplication = null;
        }

        if (deduplication is { Inbox: null } && await deduplication.SeenAsync(record, key, cancellationToken).ConfigureAwait(false))
        {
            deduplication.Skipped(record, key);
            return true;
        }

        System.Diagnostics.Activity? previousAttempt = null; // a reference: the state machine of every handling stays small
        for (var attempt = 1; ; attempt++)
        {
            // A retry is a span of its own, linked to the attempt before it; the first attempt is the record's process span.
            using var retrySpan = attempt > 1 ? MessagingTracing.StartRetry(record, _stages.GroupId, HandlerName, attempt, ref previousAttempt) : null;
            try
            {
                if (deduplication?.Inbox is { } inbox)
                {
                    if (!await InboxAttemptAsync(inbox, deduplication, key, record, typeId, message, attempt, cancellationToken).ConfigureAwait(false))
                    {
                        deduplication.Skipped(record, key);
                    }

                    return true;
                }

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
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                KafkaTypedTelemetry.HandlerFailures.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _stages.GroupId));
                MessagingTracing.AttemptFailed(retrySpan, attempt, ex);
                retrySpan?.Stop(); // the span is the attempt's, not the delay's
                if (Policy.IsLast(attempt, ex))
                {
                    MessagingTracing.Failed(MessagingTracing.Current(), ex);
                    Log.HandlerFailedDeadLettering(_stages.Logger, _handlerType.Name, typeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, _stages.Redactor.ForLog(ex));
                    KafkaTypedTelemetry.AbandonedMessages.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _stages.GroupId));
                    await _stages.DeadLetters.HandlerFailedAsync(record, _handlerType, Policy, attempt, ex, cancellationToken).ConfigureAwait(false);
                    return false;
                }

                var delay = Policy.DelayAfter(attempt, _stages.Jitter.NextDouble());
                KafkaTypedTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _stages.GroupId));
                Log.HandlerFailedRetrying(_stages.Logger, _handlerType.Name, typeId, record.Topic, record.Partition.Value, record.Offset.Value, attempt, delay, _stages.Redactor.ForLog(ex));
                await Task.Delay(delay, _stages.TimeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Marked only once handled; a crash before the mark means one more handling, never a lost one.
            if (deduplication is not null)
            {
                await deduplication.MarkAsync(record, key, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
    }

    /// <summary>
    /// One attempt in an inbox transaction: claim the message id, run the handler in a scope of its own whose
    /// <see cref="IInbox"/> is the transaction, commit. <see langword="false"/> when the claim found the id handled.
    /// A failure anywhere rolls back the handler's rows and the claim together, and counts as a failed attempt.
    /// </summary>
    private async ValueTask<bool> InboxAttemptAsync(
        IInboxStore inbox, DeduplicationStage deduplication, DeduplicationKey key, ConsumeResult<byte[], byte[]> record, string typeId, TMessage message, int attempt, CancellationToken cancellationToken)
    {
        var transaction = await inbox.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            if (!await inbox.TryClaimAsync(transaction, key, deduplication.Window, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var context = RouteChain.CreateContext(record, typeId, _stages.GroupId, attempt);
            if (Singleton is { } singleton)
            {
                await singleton.HandleAsync(message, context, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var attemptScope = _stages.Scopes.CreateAsyncScope();
                await using (attemptScope.ConfigureAwait(false))
                {
                    DeduplicationStage.Enlist(attemptScope.ServiceProvider, transaction);
                    await Resolve(attemptScope.ServiceProvider, typeId).HandleAsync(message, context, cancellationToken).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>The handler from <paramref name="services"/>.</summary>
    public IHandle<TMessage> Resolve(IServiceProvider services, string typeId)
        => Singleton ?? services.GetRequiredService(_handlerType) as IHandle<TMessage>
            ?? throw new InvalidOperationException($"The handler {_handlerType.FullName} of '{typeId}' does not implement IHandle<{typeof(TMessage).FullName}>.");
}
