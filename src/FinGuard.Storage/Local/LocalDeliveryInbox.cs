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
/// never collide on the body either, and the state file always names the body it was accepted with.
/// <para>
/// The state file is JSON lines: the accepted document, then one complete document per state update, appended and
/// fsynced (<see cref="AtomicFile.AppendAsync"/>); the last line that parses is the current state. An update
/// therefore creates no file, renames nothing and needs no directory fsync. A crash during an append leaves at most
/// a torn last line, which is ignored (the update did not happen, as when a crash comes before it), and the next
/// append starts on a new line. A file of one document without a newline, as written before 2026-12-03, reads the
/// same. Updates are serialised within the process per delivery (across processes the last writer wins, which is
/// acceptable for a development backend).
/// </para>
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
            var path = StatePath(key);
            var bytes = await AtomicFile.ReadIfExistsAsync(path, cancellationToken)
                ?? throw new KeyNotFoundException($"Delivery '{key}' is not in the inbox.");
            var document = Deserialize(bytes, path);
            var updated = change(document);
            if (updated != document)
            {
                // Start on a new line if the file does not end with one (a torn append, or a pre-2026-12-03 file).
                var separated = bytes.Length > 0 && bytes[^1] != (byte)'\n';
                await AtomicFile.AppendAsync(path, Line(updated, separated), cancellationToken);
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

    private static byte[] Serialize(LocalDeliveryDocument document) => Line(document, separated: false);

    /// <summary>One state line: the document and a newline, after a newline of its own when <paramref name="separated"/>.</summary>
    private static byte[] Line(LocalDeliveryDocument document, bool separated)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(document, LocalStorageJsonContext.Default.LocalDeliveryDocument);
        var line = new byte[json.Length + (separated ? 2 : 1)];
        if (separated)
        {
            line[0] = (byte)'\n';
        }

        json.CopyTo(line, separated ? 1 : 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>The last line of the state file that is a complete document (a torn last append is skipped).</summary>
    private static LocalDeliveryDocument Deserialize(byte[] bytes, string path)
    {
        var rest = bytes.AsSpan();
        JsonException? lastError = null;
        while (!rest.IsEmpty)
        {
            var end = rest.Length;
            while (end > 0 && rest[end - 1] == (byte)'\n')
            {
                end--;
            }

            var start = rest[..end].LastIndexOf((byte)'\n') + 1;
            var line = rest[start..end];
            rest = rest[..start];
            if (line.IsEmpty)
            {
                continue;
            }

            try
            {
                return JsonSerializer.Deserialize(line, LocalStorageJsonContext.Default.LocalDeliveryDocument)
                    ?? throw new InvalidDataException($"Delivery state file '{path}' holds JSON null.");
            }
            catch (JsonException ex)
            {
                lastError ??= ex;
            }
        }

        throw new InvalidDataException($"Delivery state file '{path}' holds no complete state document.", lastError);
    }
}
