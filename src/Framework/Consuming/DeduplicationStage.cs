using System.Text;
using Confluent.Kafka;
using KafkaTyped.CloudEvents;
using KafkaTyped.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaTyped.Consuming;

/// <summary>
/// The deduplication stage of one handler in one consumer group, before its retry stage: a record whose message id
/// (<c>ce_id</c>, or the business key its message declares) this handler already handled within the window is skipped. With a plain store the check comes before
/// the handler and the mark after it succeeded, so a crash in between causes one more handling; with an
/// <see cref="IInboxStore"/> each attempt claims the id inside a transaction the handler writes in, committed when it
/// returns, so its effects in that database happen once. See <c>docs/exactly-once.md</c>.
/// </summary>
internal sealed class DeduplicationStage
{
    private readonly ConsumerStages _stages;
    private readonly IDeduplicationStore _store;
    private readonly string _handler;

    public DeduplicationStage(ConsumerStages stages, IDeduplicationStore store, Type handlerType, Routing.DeduplicationPolicy policy)
    {
        _stages = stages;
        _store = store;
        _handler = handlerType.FullName ?? handlerType.Name;
        Inbox = store as IInboxStore;
        Window = policy.WindowSeconds > 0 ? TimeSpan.FromSeconds(policy.WindowSeconds) : store.DefaultWindow;
    }

    /// <summary>The store when handlers can write in its transaction; <see langword="null"/> for a check-then-mark store.</summary>
    public IInboxStore? Inbox { get; }

    public TimeSpan Window { get; }

    /// <summary>
    /// The key of <paramref name="record"/> for this handler: the <paramref name="businessKey"/> its message declares
    /// (<see cref="DeduplicationKeyAttribute"/>), else its <c>ce_id</c>; <see langword="false"/> when it has neither (a
    /// record not published by KafkaTyped or a CloudEvents producer), which is then handled without deduplication.
    /// </summary>
    public bool TryGetKey(ConsumeResult<byte[], byte[]> record, string? businessKey, out DeduplicationKey key)
    {
        if (businessKey is not null)
        {
            key = new DeduplicationKey(_stages.GroupId, _handler, businessKey);
            return true;
        }

        if (record.Message.Headers is { } headers && headers.TryGetLastBytes(CloudEventHeaders.Id, out var id) && id is { Length: > 0 })
        {
            key = new DeduplicationKey(_stages.GroupId, _handler, Encoding.UTF8.GetString(id));
            return true;
        }

        key = default;
        return false;
    }

    /// <summary>Whether the key was handled already; a store failure is retried until it answers or the lane is cancelled.</summary>
    public ValueTask<bool> SeenAsync(ConsumeResult<byte[], byte[]> record, DeduplicationKey key, CancellationToken cancellationToken)
        => UntilStoredAsync(record, "check", () => _store.ContainsAsync(key, cancellationToken), cancellationToken);

    /// <summary>Marks the key once the handler succeeded; the record completes only after that, retried like <see cref="SeenAsync"/>.</summary>
    public async ValueTask MarkAsync(ConsumeResult<byte[], byte[]> record, DeduplicationKey key, CancellationToken cancellationToken)
        => await UntilStoredAsync(
            record,
            "mark",
            async () =>
            {
                await _store.MarkAsync(key, Window, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>Counts and logs a skipped duplicate.</summary>
    public void Skipped(ConsumeResult<byte[], byte[]> record, in DeduplicationKey key)
    {
        Log.DuplicateSkipped(_stages.Logger, record.Topic, record.Partition.Value, record.Offset.Value, key.MessageId, _handler);
        KafkaTypedTelemetry.DeduplicatedMessages.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", _stages.GroupId));
        MessagingTracing.Event("kafkatyped.deduplicated", "messaging.message.id", key.MessageId, "kafkatyped.handler", _handler);
    }

    /// <summary>Sets the inbox transaction of an attempt's scope, so that the handler resolved from it gets it as <see cref="IInbox"/>.</summary>
    public static void Enlist(IServiceProvider scope, InboxTransaction transaction) => scope.GetRequiredService<InboxScope>().Current = transaction;

    // A store outage must neither drop the record nor run the handler blind: wait and ask again, as the dead-letter stage does.
    private async ValueTask<bool> UntilStoredAsync(ConsumeResult<byte[], byte[]> record, string operation, Func<ValueTask<bool>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var delay = _stages.InfrastructureRetryDelay(attempt);
                Log.DeduplicationStoreFailed(_stages.Logger, operation, record.Topic, record.Partition.Value, record.Offset.Value, _handler, attempt, delay, _stages.Redactor.ForLog(ex));
                await Task.Delay(delay, _stages.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>
/// The scoped holder of the inbox transaction of the current handler attempt, and the <see cref="IInbox"/> handlers get:
/// not disposable itself, so that disposing the attempt's scope does not end the transaction before the stage commits it.
/// </summary>
internal sealed class InboxScope : IInbox
{
    public InboxTransaction? Current { get; set; }

    public System.Data.Common.DbConnection Connection => Require().Connection;

    public System.Data.Common.DbTransaction Transaction => Require().Transaction;

    public InboxTransaction Require(Type? requester = null) => Current ?? throw new InvalidOperationException(
        "IInbox is only available to a scoped handler with [Deduplicate] whose deduplication store is an IInboxStore "
        + "(AddSqliteDeduplication or AddPostgreSqlDeduplication), while the consumer runs it"
        + (requester is null ? "." : $"; {requester.FullName} asked for it outside one."));
}
