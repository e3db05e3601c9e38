using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Deliveries;

namespace FinGuard.Storage.Local;

/// <summary>
/// The delivery inbox as one file per delivery in <c>{root}</c>, <c>{key}.json</c>:
/// <code>
/// {accepted document}\n{body, exactly as received}\n{state document}\n{state document}\n…
/// </code>
/// Accepting writes the whole file to a temporary name, fsyncs it and creates the final name without replacing
/// (<see cref="AtomicFile.TryCreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>), which is the atomic dedupe: of any number of concurrent accepts,
/// threads or processes, exactly one creates it, and a reader never sees a file without its body. One file and one
/// fsync per delivery before its 202 (until 2026-12-03 the body had a file of its own, fsynced and linked first).
/// <para>
/// State updates append one complete document (<see cref="AtomicFile.Append"/>, not fsynced: a lost update
/// only means the delivery is processed again, which replays its durable evidence); the last line after
/// the body that parses is the current state, and the accepted document when there is none. An update creates no
/// file, renames nothing and needs no directory fsync. A crash during an append leaves at most a torn last line,
/// which is ignored (the update did not happen, as when a crash comes before it), and the next append starts on a
/// new line. The body is found by the length in the first line, so its content never matters to the line parsing.
/// Entries written before 2026-12-03 (a state document naming a separate <c>{key}.{sha256}.body</c> file) read and
/// update the same way. Updates are serialised within the process per delivery (across processes the last writer
/// wins, which is acceptable for a development backend).
/// </para>
/// <para>
/// An entry that cannot be read back as accepted (a first line that does not parse, a body that no longer matches its
/// SHA-256, a document naming another delivery) is quarantined by whichever read meets it: the file is moved, never
/// deleted, to <c>{root}/quarantine/{key}.{time}.json</c> next to a <c>.reason.json</c> saying why, and reported
/// (<see cref="DeliveryQuarantineLog"/>). Nothing reads it as a delivery any more, so it holds up nobody, and a
/// redelivery of the same id is accepted as new.
/// </para>
/// </summary>
internal sealed class LocalDeliveryInbox(string root, TimeProvider time, DeliveryQuarantineLog quarantineLog) : IDeliveryInbox, IDisposable
{
    private const string StateSuffix = ".json";
    private const string ReasonSuffix = ".reason.json";
    private const string QuarantineFolder = "quarantine";
    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();
    private readonly string _root = Path.GetFullPath(root);
    private string QuarantineRoot => Path.Combine(_root, QuarantineFolder);

    public LocalDeliveryInbox(string root)
        : this(root, TimeProvider.System, DeliveryQuarantineLog.None)
    {
    }
    // Read-modify-write of one delivery's state is serialised per delivery (striped), not across the inbox: one lock for
    // all deliveries made every worker queue behind every other's.
    private readonly SemaphoreSlim[] _updates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<InboxAcceptOutcome> AcceptAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var key = DeliveryKeys.ToKey(delivery.DeliveryId);
        var statePath = StatePath(key);
        var bodySha = CanonicalJson.Sha256Hex(delivery.Body.Span);
        if (File.Exists(statePath))
        {
            return DuplicateOutcome(statePath, bodySha);
        }

        var document = new LocalDeliveryDocument(
            delivery.DeliveryId,
            delivery.Event,
            delivery.Action,
            delivery.InstallationId,
            delivery.Repository,
            delivery.ReceivedAt.ToUniversalTime(),
            BodyFile: null,
            bodySha,
            delivery.Body.Length,
            DeliveryState.Pending,
            Attempts: 0,
            LastError: null);
        var header = JsonSerializer.SerializeToUtf8Bytes(document, LocalStorageJsonContext.Default.LocalDeliveryDocument);
        var created = await AtomicFile.TryCreateAsync(statePath, [header, NewLine, delivery.Body, NewLine], cancellationToken);
        return created ? InboxAcceptOutcome.Accepted : DuplicateOutcome(statePath, bodySha);
    }

    /// <summary>Whether the stored delivery has the body whose SHA-256 is <paramref name="bodySha"/>; an unreadable entry counts as the same.</summary>
    private static InboxAcceptOutcome DuplicateOutcome(string statePath, string bodySha)
    {
        try
        {
            return ReadState(statePath) is { } stored && !string.Equals(stored.Current.BodySha256, bodySha, StringComparison.OrdinalIgnoreCase)
                ? InboxAcceptOutcome.DuplicateWithDifferentBody
                : InboxAcceptOutcome.Duplicate;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return InboxAcceptOutcome.Duplicate;
        }
    }

    /// <summary>The stored delivery, or null when there is none, or when its entry is corrupt (it is then quarantined).</summary>
    public async Task<StoredDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var key = DeliveryKeys.ToKey(deliveryId);
        var path = StatePath(key);
        var bytes = await AtomicFile.ReadIfExistsAsync(path, cancellationToken);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return await ToStoredAsync(key, Parse(bytes, path), cancellationToken);
        }
        catch (InvalidDataException corrupt)
        {
            await QuarantineCorruptAsync(key, corrupt.Message, cancellationToken);
            return null;
        }
    }

    public async Task<PendingDeliveries> ListPendingAsync(CancellationToken cancellationToken)
    {
        var (deliveries, quarantined) = await ListInStateAsync(DeliveryState.Pending, cancellationToken);
        return new PendingDeliveries(deliveries, quarantined);
    }

    public async Task<IReadOnlyList<StoredDelivery>> ListFailedAsync(CancellationToken cancellationToken) =>
        (await ListInStateAsync(DeliveryState.Failed, cancellationToken)).Deliveries;

    /// <summary>
    /// The deliveries in <paramref name="wanted"/>, oldest first. Only each file's first line and state lines are read to
    /// select them (the sweep runs every few minutes over every delivery ever kept); bodies only for the selected ones.
    /// A corrupt entry met on the way is quarantined and the listing goes on.
    /// </summary>
    private async Task<(List<StoredDelivery> Deliveries, List<QuarantinedDelivery> Quarantined)> ListInStateAsync(DeliveryState wanted, CancellationToken cancellationToken)
    {
        var result = new List<StoredDelivery>();
        var quarantined = new List<QuarantinedDelivery>();
        if (!Directory.Exists(_root))
        {
            return (result, quarantined);
        }

        var selected = new List<(string Key, string Path, LocalDeliveryDocument Current)>();
        foreach (var path in Directory.EnumerateFiles(_root, "*" + StateSuffix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetFileName(path)[..^StateSuffix.Length];
            try
            {
                if (ReadState(path) is { } state && state.Current.State == wanted)
                {
                    selected.Add((key, path, state.Current));
                }
            }
            catch (InvalidDataException corrupt)
            {
                if (await QuarantineCorruptAsync(key, corrupt.Message, cancellationToken) is { } entry)
                {
                    quarantined.Add(entry);
                }
            }
        }

        foreach (var (key, path, _) in selected.OrderBy(p => p.Current.ReceivedAt).ThenBy(p => p.Current.DeliveryId, StringComparer.Ordinal))
        {
            if (await AtomicFile.ReadIfExistsAsync(path, cancellationToken) is not { } bytes)
            {
                continue;
            }

            try
            {
                result.Add(await ToStoredAsync(key, Parse(bytes, path), cancellationToken));
            }
            catch (InvalidDataException corrupt)
            {
                if (await QuarantineCorruptAsync(key, corrupt.Message, cancellationToken) is { } entry)
                {
                    quarantined.Add(entry);
                }
            }
        }

        return (result, quarantined);
    }

    public async Task<QuarantinedDelivery?> QuarantineAsync(string deliveryId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var entry = await MoveAsideAsync(DeliveryKeys.ToKey(deliveryId), reason, cancellationToken);
        if (entry is not null)
        {
            quarantineLog.ByOperator(entry);
        }

        return entry;
    }

    public async Task<IReadOnlyList<QuarantinedDelivery>> ListQuarantinedAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(QuarantineRoot))
        {
            return [];
        }

        var entries = new List<QuarantinedDelivery>();
        foreach (var path in Directory.EnumerateFiles(QuarantineRoot, "*" + ReasonSuffix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            entries.Add(ReadReason(path));
        }

        return [.. entries.OrderBy(e => e.QuarantinedAt).ThenBy(e => e.DeliveryId, StringComparer.Ordinal)];
    }

    public async Task<DeliveryRetryOutcome> RetryAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var key = DeliveryKeys.ToKey(deliveryId);
        var path = StatePath(key);
        var quarantined = (await ListQuarantinedAsync(cancellationToken)).LastOrDefault(e => e.DeliveryId == key);
        if (File.Exists(path))
        {
            var outcome = DeliveryRetryOutcome.AlreadyPending;
            await UpdateAsync(
                deliveryId,
                document =>
                {
                    outcome = document.State switch
                    {
                        DeliveryState.Failed => DeliveryRetryOutcome.MadePending,
                        DeliveryState.Completed => DeliveryRetryOutcome.AlreadyCompleted,
                        _ => DeliveryRetryOutcome.AlreadyPending,
                    };
                    return document.State == DeliveryState.Failed ? document with { State = DeliveryState.Pending, Attempts = 0 } : document;
                },
                cancellationToken);
            return outcome == DeliveryRetryOutcome.AlreadyPending && quarantined is not null ? DeliveryRetryOutcome.StoredAgain : outcome;
        }

        if (quarantined is null)
        {
            return DeliveryRetryOutcome.NotFound;
        }

        // Back under its own name, without replacing a copy GitHub may have redelivered meanwhile; the reason file goes
        // once the entry is back (it described the entry's stay in quarantine).
        try
        {
            AtomicFile.Move(quarantined.Location, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            return DeliveryRetryOutcome.StoredAgain;
        }

        File.Delete(quarantined.Location[..^StateSuffix.Length] + ReasonSuffix);
        await UpdateAsync(deliveryId, document => document with { State = DeliveryState.Pending, Attempts = 0 }, cancellationToken);
        return DeliveryRetryOutcome.Restored;
    }

    /// <summary>Quarantines a corrupt entry found by a read and reports it; null when another reader moved it first.</summary>
    private async Task<QuarantinedDelivery?> QuarantineCorruptAsync(string key, string reason, CancellationToken cancellationToken)
    {
        var entry = await MoveAsideAsync(key, reason, cancellationToken);
        if (entry is not null)
        {
            quarantineLog.Corrupt(entry);
        }

        return entry;
    }

    /// <summary>
    /// Moves <c>{key}.json</c> to the quarantine folder under a name of its own, after writing (and fsyncing) why next to
    /// where it goes. A rename within one folder tree: the bytes are never copied, and never deleted.
    /// </summary>
    private async Task<QuarantinedDelivery?> MoveAsideAsync(string key, string reason, CancellationToken cancellationToken)
    {
        var path = StatePath(key);
        if (!File.Exists(path))
        {
            return null;
        }

        var at = time.GetUtcNow();
        var name = $"{key}.{at.UtcDateTime:yyyyMMdd'T'HHmmssfffffff'Z'}";
        var target = Path.Combine(QuarantineRoot, name + StateSuffix);
        var entry = new QuarantinedDelivery(key, reason, at, target);
        var reasonPath = Path.Combine(QuarantineRoot, name + ReasonSuffix);
        await AtomicFile.ReplaceAsync(reasonPath, JsonSerializer.SerializeToUtf8Bytes(entry, LocalStorageJsonContext.Default.QuarantinedDelivery), cancellationToken);
        try
        {
            AtomicFile.Move(path, target);
        }
        catch (FileNotFoundException)
        {
            // Moved by another reader (or retried away) since we looked: not ours to report.
            File.Delete(reasonPath);
            return null;
        }

        return entry;
    }

    private static QuarantinedDelivery ReadReason(string path)
    {
        // Where the entry is now comes from where its reason file is, not from the file, so that a moved folder still works.
        var name = Path.GetFileName(path)[..^ReasonSuffix.Length];
        var location = Path.Combine(Path.GetDirectoryName(path)!, name + StateSuffix);
        try
        {
            return (JsonSerializer.Deserialize(File.ReadAllBytes(path), LocalStorageJsonContext.Default.QuarantinedDelivery)
                ?? throw new JsonException("null")) with { Location = location };
        }
        catch (JsonException)
        {
            return new QuarantinedDelivery(name.Split('.')[0], $"(the reason file '{path}' is unreadable)", File.GetLastWriteTimeUtc(path), location);
        }
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
            var state = ReadState(path) ?? throw new KeyNotFoundException($"Delivery '{key}' is not in the inbox.");
            var updated = change(state.Current);
            if (updated != state.Current)
            {
                // Start on a new line if the file does not end with one (a torn append, or a pre-2026-12-03 file).
                // Not fsynced: a state change only records progress. If a crash loses it, the delivery is pending
                // again and is processed again, and that is idempotent: the evidence of a decision is durable before
                // the check run is published, and a delivery whose evidence exists is replayed, not decided twice.
                AtomicFile.Append(path, Line(updated, separated: !state.EndsWithNewline));
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<StoredDelivery> ToStoredAsync(string key, Entry entry, CancellationToken cancellationToken)
    {
        var document = entry.Current;
        if (!string.Equals(document.DeliveryId, key, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"The entry stored as delivery '{key}' names delivery '{document.DeliveryId}'.");
        }

        var body = entry.Body;
        if (document.BodyFile is { } bodyFile)
        {
            body = await AtomicFile.ReadIfExistsAsync(Path.Combine(_root, Path.GetFileName(bodyFile)), cancellationToken)
                ?? throw new InvalidDataException($"The body of delivery '{document.DeliveryId}' is missing.");
        }

        if (!string.Equals(CanonicalJson.Sha256Hex(body.Span), document.BodySha256, StringComparison.Ordinal))
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

    /// <summary>A delivery's file: its current state, and its body when the file holds it.</summary>
    private sealed record Entry(LocalDeliveryDocument Current, ReadOnlyMemory<byte> Body);

    /// <summary>
    /// Reads a delivery's file: the accepted document on the first line, the body after it (when the file holds it),
    /// then the last state line that is a complete document (a torn last append is skipped).
    /// </summary>
    private static Entry Parse(byte[] bytes, string path)
    {
        var (accepted, statesStart) = ReadFirstLine(bytes, bytes.Length, path);
        var body = accepted.BodyFile is null
            ? bytes.AsMemory((int)(statesStart - accepted.BodyLength), (int)accepted.BodyLength)
            : ReadOnlyMemory<byte>.Empty;
        return new Entry(LastState(bytes.AsSpan((int)statesStart)) ?? accepted, body);
    }

    /// <summary>A delivery's current state, and whether its file ends with a newline (else the next append starts one).</summary>
    private sealed record State(LocalDeliveryDocument Current, bool EndsWithNewline);

    /// <summary>
    /// A delivery's current state without reading its body: the first line, then everything after the body. Null when
    /// the file is gone.
    /// </summary>
    private static State? ReadState(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        // The first line is a few hundred bytes: read it into a pooled buffer, not a new 8 KiB array per state change.
        var head = System.Buffers.ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            using (stream)
            {
                return ReadState(stream, head.AsSpan(0, (int)Math.Min(stream.Length, 8192)), path);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>The state of the delivery file open as <paramref name="stream"/>, its first bytes read into <paramref name="head"/>.</summary>
    private static State ReadState(FileStream stream, Span<byte> head, string path)
    {
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (head[..read].IndexOf((byte)'\n') < 0 && read < stream.Length)
        {
            // A first line longer than 8 KiB (never written by FinGuard): read the file whole.
            var bytes = File.ReadAllBytes(path);
            return new State(Parse(bytes, path).Current, bytes[^1] == (byte)'\n');
        }

        var (accepted, statesStart) = ReadFirstLine(head[..read], stream.Length, path);

        // From the byte before the state lines, to see how the file ends even when there are none.
        var from = Math.Max(statesStart - 1, 0);
        stream.Position = from;
        var tail = new byte[stream.Length - from];
        stream.ReadExactly(tail);
        return new State(LastState(tail.AsSpan((int)(statesStart - from))) ?? accepted, tail.Length > 0 && tail[^1] == (byte)'\n');
    }

    /// <summary>
    /// The accepted document on the first line of <paramref name="head"/> (the start of a file of
    /// <paramref name="length"/> bytes, holding at least its first line), and where its state lines start: after the
    /// body when the file holds it.
    /// </summary>
    private static (LocalDeliveryDocument Accepted, long StatesStart) ReadFirstLine(ReadOnlySpan<byte> head, long length, string path)
    {
        var firstLineEnd = head.IndexOf((byte)'\n');
        var accepted = TryDeserialize(firstLineEnd < 0 ? head : head[..firstLineEnd])
            ?? throw new InvalidDataException($"Delivery state file '{path}' holds no complete state document.");
        if (firstLineEnd < 0)
        {
            return (accepted, head.Length);
        }

        var statesStart = firstLineEnd + 1L + (accepted.BodyFile is null ? accepted.BodyLength : 0);
        if (accepted.BodyFile is null && (accepted.BodyLength < 0 || statesStart > length))
        {
            throw new InvalidDataException($"Delivery state file '{path}' is shorter than the {accepted.BodyLength}-byte body it records.");
        }

        return (accepted, statesStart);
    }

    private static LocalDeliveryDocument? LastState(ReadOnlySpan<byte> lines)
    {
        var rest = lines;
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
            if (!line.IsEmpty && TryDeserialize(line) is { } document)
            {
                return document;
            }
        }

        return null;
    }

    /// <summary>A line's document, or null for a line that is not one (torn, or JSON null).</summary>
    private static LocalDeliveryDocument? TryDeserialize(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, LocalStorageJsonContext.Default.LocalDeliveryDocument);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
