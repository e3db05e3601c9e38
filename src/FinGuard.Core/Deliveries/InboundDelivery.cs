namespace FinGuard.Core.Deliveries;

/// <summary>
/// A GitHub webhook delivery exactly as received: the raw body bytes (never re-serialised) plus the
/// headers that identify it. Persisted by the inbox before the webhook is acknowledged.
/// </summary>
/// <param name="DeliveryId">The <c>X-GitHub-Delivery</c> GUID; the dedupe key.</param>
/// <param name="Event">The <c>X-GitHub-Event</c> name, e.g. <c>pull_request</c>.</param>
/// <param name="Action">The payload's <c>action</c>, when it has one.</param>
/// <param name="InstallationId">The payload's <c>installation.id</c>, when it has one.</param>
/// <param name="Repository">The payload's <c>repository.full_name</c>, when it has one.</param>
/// <param name="ReceivedAt">When FinGuard received the delivery (UTC).</param>
/// <param name="Body">The raw request body.</param>
public sealed record InboundDelivery(
    string DeliveryId,
    string Event,
    string? Action,
    long? InstallationId,
    string? Repository,
    DateTimeOffset ReceivedAt,
    ReadOnlyMemory<byte> Body);

/// <summary>What happened when a delivery was offered to the inbox.</summary>
public enum InboxAcceptOutcome
{
    /// <summary>First time this delivery id was seen; it is now durably stored and pending.</summary>
    Accepted,

    /// <summary>The delivery id was already stored with the same body; nothing was written.</summary>
    Duplicate,

    /// <summary>
    /// The delivery id was already stored with a different body; nothing was written and the first is kept. GitHub
    /// redelivers the same body, so this is a replay attempt or a bug, and is reported as such.
    /// </summary>
    DuplicateWithDifferentBody,
}

/// <summary>Processing state of a stored delivery.</summary>
public enum DeliveryState
{
    Pending,
    Completed,
    Failed,
}

/// <summary>A stored delivery and its processing state.</summary>
public sealed record StoredDelivery(InboundDelivery Delivery, DeliveryState State, int Attempts, string? LastError);

/// <summary>
/// The durable inbox: deliveries are stored, keyed by delivery id, before GitHub gets its 202, and are
/// processed at most once to completion. Implementations must make <see cref="AcceptAsync"/> atomic:
/// two concurrent calls with the same delivery id yield exactly one <see cref="InboxAcceptOutcome.Accepted"/>.
/// </summary>
public interface IDeliveryInbox
{
    Task<InboxAcceptOutcome> AcceptAsync(InboundDelivery delivery, CancellationToken cancellationToken);

    Task<StoredDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>Deliveries not yet completed or permanently failed, oldest first; used to resume after a restart.</summary>
    Task<IReadOnlyList<StoredDelivery>> ListPendingAsync(CancellationToken cancellationToken);

    Task MarkCompletedAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt; <paramref name="permanent"/> stops further retries.</summary>
    Task MarkFailedAsync(string deliveryId, string failure, bool permanent, CancellationToken cancellationToken);
}
