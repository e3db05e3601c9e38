using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Deliveries;

namespace FinGuard.Storage.Local;

/// <summary>
/// The delivery inbox as files in <c>{root}</c>: <c>{key}.json</c> holds metadata and state, and the raw body is
/// <c>{key}.{sha256}.body</c>. Accepting writes the body first, then creates the state file without replacing
/// (<see cref="AtomicFile.TryCreateAsync"/>), which is the atomic dedupe: of any number of concurrent accepts,
/// threads or processes, exactly one creates it. Because the body's name includes its hash, concurrent accepts
/// never collide on the body either, and the state file always names the body it was accepted with. State
/// updates replace the state file atomically; they are serialised within the process (across processes the last
/// writer wins, which is acceptable for a development backend).
/// </summary>
internal sealed class LocalDeliveryInbox(string root) : IDeliveryInbox, IDisposable
{
    private const string StateSuffix = ".json";
    private readonly string _root = Path.GetFullPath(root);
    // Read-modify-write of one delivery's state is serialised per delivery (striped), not across the inbox: each write
    // waits for an fsync, and one lock for all deliveries made every worker queue behind every other's.
    private readonly SemaphoreSlim[] _updates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<InboxAcceptOutcome> AcceptAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var key = DeliveryKeys.ToKey(delivery.DeliveryId);
        var statePath = StatePath(key);
        if (File.Exists(statePath))
        {
            return InboxAcceptOutcome.Duplicate;
        }

        var bodySha = CanonicalJson.Sha256Hex(delivery.Body.Span);
        var bodyFile = $"{key}.{bodySha}.body";

        // Content-addressed: if it exists it holds these very bytes.
        _ = await AtomicFile.TryCreateAsync(Path.Combine(_root, bodyFile), delivery.Body, cancellationToken);

        var document = new LocalDeliveryDocument(
            delivery.DeliveryId,
            delivery.Event,
            delivery.Action,
            delivery.InstallationId,
            delivery.Repository,
            delivery.ReceivedAt.ToUniversalTime(),
            bodyFile,
            bodySha,
            delivery.Body.Length,
            DeliveryState.Pending,
            Attempts: 0,
            LastError: null);
        var created = await AtomicFile.TryCreateAsync(statePath, Serialize(document), cancellationToken);
        return created ? InboxAcceptOutcome.Accepted : InboxAcceptOutcome.Duplicate;
    }

    public async Task<StoredDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var document = await ReadDocumentAsync(DeliveryKeys.ToKey(deliveryId), cancellationToken);
        return document is null ? null : await ToStoredAsync(document, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredDelivery>> ListPendingAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
        {
            return [];
        }

        var pending = new List<LocalDeliveryDocument>();
        foreach (var path in Directory.EnumerateFiles(_root, "*" + StateSuffix))
        {
            var bytes = await AtomicFile.ReadIfExistsAsync(path, cancellationToken);
            if (bytes is not null && Deserialize(bytes, path) is { State: DeliveryState.Pending } document)
            {
                pending.Add(document);
            }
        }

        var result = new List<StoredDelivery>(pending.Count);
        foreach (var document in pending.OrderBy(d => d.ReceivedAt).ThenBy(d => d.DeliveryId, StringComparer.Ordinal))
        {
            result.Add(await ToStoredAsync(document, cancellationToken));
        }

        return result;
    }

    public Task MarkCompletedAsync(string deliveryId, CancellationToken cancellationToken) =>
        UpdateAsync(deliveryId, document => document with { State = DeliveryState.Completed }, cancellationToken);

    public Task MarkFailedAsync(string deliveryId, string failure, bool permanent, CancellationToken cancellationToken) =>
        UpdateAsync(
            deliveryId,
            document => document.State == DeliveryState.Completed
                ? document
                : document with
                {
                    State = permanent ? DeliveryState.Failed : DeliveryState.Pending,
                    Attempts = document.Attempts + 1,
                    LastError = DeliveryKeys.TruncateError(failure),
                },
            cancellationToken);

    public void Dispose()
    {
        foreach (var gate in _updates)
        {
            gate.Dispose();
        }
    }

    private async Task UpdateAsync(string deliveryId, Func<LocalDeliveryDocument, LocalDeliveryDocument> change, CancellationToken cancellationToken)
    {
        var key = DeliveryKeys.ToKey(deliveryId);
        var gate = _updates[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_updates.Length)];
        await gate.WaitAsync(cancellationToken);
        try
        {
            var document = await ReadDocumentAsync(key, cancellationToken)
                ?? throw new KeyNotFoundException($"Delivery '{key}' is not in the inbox.");
            var updated = change(document);
            if (updated != document)
            {
                await AtomicFile.ReplaceAsync(StatePath(key), Serialize(updated), cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<LocalDeliveryDocument?> ReadDocumentAsync(string key, CancellationToken cancellationToken)
    {
        var path = StatePath(key);
        var bytes = await AtomicFile.ReadIfExistsAsync(path, cancellationToken);
        return bytes is null ? null : Deserialize(bytes, path);
    }

    private async Task<StoredDelivery> ToStoredAsync(LocalDeliveryDocument document, CancellationToken cancellationToken)
    {
        var bodyPath = Path.Combine(_root, Path.GetFileName(document.BodyFile));
        var body = await AtomicFile.ReadIfExistsAsync(bodyPath, cancellationToken)
            ?? throw new InvalidDataException($"The body of delivery '{document.DeliveryId}' is missing.");
        if (!string.Equals(CanonicalJson.Sha256Hex(body), document.BodySha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The body of delivery '{document.DeliveryId}' does not match its recorded SHA-256.");
        }

        var delivery = new InboundDelivery(
            document.DeliveryId,
            document.Event,
            document.Action,
            document.InstallationId,
            document.Repository,
            document.ReceivedAt,
            body);
        return new StoredDelivery(delivery, document.State, document.Attempts, document.LastError);
    }

    private string StatePath(string key) => Path.Combine(_root, key + StateSuffix);

    private static byte[] Serialize(LocalDeliveryDocument document) =>
        JsonSerializer.SerializeToUtf8Bytes(document, LocalStorageJsonContext.Default.LocalDeliveryDocument);

    private static LocalDeliveryDocument Deserialize(byte[] bytes, string path) =>
        JsonSerializer.Deserialize(bytes, LocalStorageJsonContext.Default.LocalDeliveryDocument)
        ?? throw new InvalidDataException($"Delivery state file '{path}' is JSON null.");
}
