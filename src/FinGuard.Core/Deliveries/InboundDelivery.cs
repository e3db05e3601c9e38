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
/// A stored entry that could not be read back as it was accepted (its body no longer matches its SHA-256, its metadata
/// does not parse, or it names another delivery) and was moved aside, never deleted, so that it cannot hold up the others.
/// </summary>
/// <param name="DeliveryId">The delivery id the entry is stored under (its storage key).</param>
/// <param name="Reason">What is wrong with it, or who set it aside.</param>
/// <param name="QuarantinedAt">When it was moved aside (UTC).</param>
/// <param name="Location">Where it now is: a file path, or a table row and blob name.</param>
public sealed record QuarantinedDelivery(string DeliveryId, string Reason, DateTimeOffset QuarantinedAt, string Location);

/// <summary>
/// The pending deliveries, oldest first, and the corrupt entries met while listing them, which were quarantined
/// (<see cref="IDeliveryInbox.QuarantineAsync"/>) instead of failing the whole list.
/// </summary>
public sealed class PendingDeliveries(IReadOnlyList<StoredDelivery> deliveries, IReadOnlyList<QuarantinedDelivery> quarantined)
    : IReadOnlyList<StoredDelivery>
{
    public IReadOnlyList<QuarantinedDelivery> Quarantined { get; } = quarantined;

    public int Count => deliveries.Count;

    public StoredDelivery this[int index] => deliveries[index];

    public IEnumerator<StoredDelivery> GetEnumerator() => deliveries.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>What <see cref="IDeliveryInbox.RetryAsync"/> did.</summary>
public enum DeliveryRetryOutcome
{
    /// <summary>No delivery, and no quarantined entry, has this id.</summary>
    NotFound,

    /// <summary>A permanently failed delivery is pending again with its attempts reset.</summary>
    MadePending,

    /// <summary>A quarantined entry was put back in the inbox, pending with its attempts reset.</summary>
    Restored,

    /// <summary>The delivery is already pending; nothing changed.</summary>
    AlreadyPending,

    /// <summary>The delivery was processed to completion; nothing changed.</summary>
    AlreadyCompleted,

    /// <summary>
    /// The id is quarantined, but the inbox holds a newer copy of the delivery (GitHub redelivered it): nothing changed,
    /// the quarantined entry stays where it is.
    /// </summary>
    StoredAgain,
}

/// <summary>
/// The durable inbox: deliveries are stored, keyed by delivery id, before GitHub gets its 202, and are
/// processed at most once to completion. Implementations must make <see cref="AcceptAsync"/> atomic:
/// two concurrent calls with the same delivery id yield exactly one <see cref="InboxAcceptOutcome.Accepted"/>.
/// </summary>
public interface IDeliveryInbox
{
    Task<InboxAcceptOutcome> AcceptAsync(InboundDelivery delivery, CancellationToken cancellationToken);

    Task<StoredDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>
    /// Deliveries not yet completed or permanently failed, oldest first; used to resume after a restart and by the sweep.
    /// A corrupt entry never fails the list: it is quarantined (moved aside, reported) and the rest are returned.
    /// </summary>
    Task<PendingDeliveries> ListPendingAsync(CancellationToken cancellationToken);

    /// <summary>Permanently failed deliveries, oldest first (an operator's listing; may read every stored delivery).</summary>
    Task<IReadOnlyList<StoredDelivery>> ListFailedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Moves the stored entry of <paramref name="deliveryId"/> aside, never deleting it, so that nothing reads it as a
    /// delivery any more (a redelivery with this id is then accepted as new). Null when nothing is stored under it.
    /// </summary>
    Task<QuarantinedDelivery?> QuarantineAsync(string deliveryId, string reason, CancellationToken cancellationToken);

    /// <summary>Quarantined entries, oldest first.</summary>
    Task<IReadOnlyList<QuarantinedDelivery>> ListQuarantinedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes a permanently failed delivery pending again, or puts its newest quarantined entry back as pending, attempts
    /// reset; the redelivery sweep then dispatches it.
    /// </summary>
    Task<DeliveryRetryOutcome> RetryAsync(string deliveryId, CancellationToken cancellationToken);

    Task MarkCompletedAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt; <paramref name="permanent"/> stops further retries.</summary>
    Task MarkFailedAsync(string deliveryId, string failure, bool permanent, CancellationToken cancellationToken);
}
