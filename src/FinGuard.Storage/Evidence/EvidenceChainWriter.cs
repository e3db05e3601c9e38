using System.Collections.Concurrent;
using System.Text.Json;
using FinGuard.Core.Evidence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinGuard.Storage.Evidence;

/// <summary>
/// The evidence chain algorithm, shared by every backend. To append a record it
/// <list type="number">
/// <item>reads the chain head (a hint) and proposes the next sequence, linking to the head's hash;</item>
/// <item>creates the object <c>{chain}/{sequence:D12}.json</c> holding exactly the canonical bytes, never overwriting;</item>
/// <item>if that name is taken, reads the record there: if it is byte-for-byte this very record (a retried write whose
/// first response was lost) the write is done; otherwise it belongs to another writer, or to a writer that crashed
/// before indexing it, so it is checked to link to its predecessor, indexed, and the append moves on to the next
/// sequence, linking to it (bounded by <c>maxConflicts</c>);</item>
/// <item>once the object is durable, upserts its index row and advances the head with optimistic concurrency.</item>
/// </list>
/// The head and the index can therefore lag behind the objects but never disagree with them, and a crash at any
/// point leaves a chain that the next append continues correctly. Appends to one chain are also serialised within
/// the process, which only saves needless conflicts; correctness across processes rests on create-if-absent.
/// </summary>
public sealed partial class EvidenceChainWriter : IEvidenceStore, IDisposable
{
    /// <summary>How many taken sequences one append walks past before giving up.</summary>
    public const int DefaultMaxConflicts = 100;

    private const int MaxHeadAttempts = 10;

    private readonly IEvidenceObjects _objects;
    private readonly IEvidenceIndex _index;
    private readonly IEvidenceChainHeads _heads;
    private readonly ILogger _logger;
    private readonly int _maxConflicts;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _chainGates = new(StringComparer.Ordinal);

    public EvidenceChainWriter(
        IEvidenceObjects objects,
        IEvidenceIndex index,
        IEvidenceChainHeads heads,
        ILogger<EvidenceChainWriter>? logger = null,
        int maxConflicts = DefaultMaxConflicts)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConflicts, 1);
        _objects = objects;
        _index = index;
        _heads = heads;
        _logger = logger ?? NullLogger<EvidenceChainWriter>.Instance;
        _maxConflicts = maxConflicts;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The record's <see cref="EvidenceRecord.Chain"/> is lower-cased; <see cref="EvidenceRecord.Sequence"/> and
    /// <see cref="EvidenceRecord.PreviousSha256"/> are assigned here, whatever the caller set. Cancellation is
    /// honoured until the object is written; after that the index and head are updated regardless, so a
    /// cancelled caller never leaves more work for the next append than a crash would.
    /// </remarks>
    public async Task<EvidenceReceipt> AppendAsync(EvidenceRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var chain = EvidenceObjectNames.NormalizeChain(record.Chain);
        var gate = _chainGates.GetOrAdd(chain, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await AppendCoreAsync(record with { Chain = chain }, chain, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public Task<byte[]?> ReadAsync(string blobName, CancellationToken cancellationToken)
    {
        if (!EvidenceObjectNames.TryParseObjectName(blobName, out _, out _))
        {
            throw new ArgumentException("Not an evidence object name ('owner/repo/000000000001.json').", nameof(blobName));
        }

        return _objects.ReadAsync(blobName, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, CancellationToken cancellationToken) =>
        _index.ListAsync(EvidenceObjectNames.NormalizeChain(chain), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<EvidenceIndexEntry>> FindByShaAsync(string chain, string headSha, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(headSha);
        return _index.FindByHeadShaAsync(EvidenceObjectNames.NormalizeChain(chain), headSha, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Walks from the head hint while the next sequence's object exists, checking that each links to its predecessor,
    /// indexing it and advancing the head: the same adoption an append does when it finds a sequence taken. One read
    /// (of the object after the head) when nothing needs recovering.
    /// </remarks>
    public async Task RecoverAsync(string chain, CancellationToken cancellationToken)
    {
        chain = EvidenceObjectNames.NormalizeChain(chain);
        var gate = _chainGates.GetOrAdd(chain, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var head = await _heads.GetAsync(chain, cancellationToken);
            var (sequence, previousSha) = (head.Sequence, head.Sha256);
            for (var adopted = 0; adopted < _maxConflicts; adopted++)
            {
                var next = sequence + 1;
                var name = EvidenceObjectNames.ObjectName(chain, next);
                if (await _objects.ReadAsync(name, cancellationToken) is not { } existing)
                {
                    return;
                }

                var existingSha = CanonicalJson.Sha256Hex(existing);
                var occupant = ParseOccupant(chain, next, previousSha, name, existing);
                LogAdopted(_logger, chain, next, existingSha);
                await _index.UpsertAsync(CreateIndexEntry(occupant, name, existingSha), cancellationToken);
                await AdvanceHeadAsync(chain, next, existingSha, cancellationToken);
                (sequence, previousSha) = (next, existingSha);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var gate in _chainGates.Values)
        {
            gate.Dispose();
        }

        _chainGates.Clear();
    }

    /// <summary>The index row describing a stored record.</summary>
    public static EvidenceIndexEntry CreateIndexEntry(EvidenceRecord record, string blobName, string sha256) =>
        EvidenceIndexCheck.RowOf(record, blobName, sha256);

    /// <inheritdoc />
    /// <remarks>
    /// The record's bytes are anchored by the next record's <c>previousSha256</c>, which is itself a write-once object;
    /// the newest record only by the chain head. Two object reads (the record and the one after it), and a head read
    /// for the newest record. A head behind the record (an append in flight, or one that stopped before moving it) is
    /// first brought forward as <see cref="RecoverAsync"/> does; a head that still does not reach it leaves the record
    /// unanchored.
    /// </remarks>
    public async Task<VerifiedEvidence> ReadVerifiedAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!EvidenceObjectNames.IsValidChain(entry.Chain) || entry.Sequence < 1 || entry.Sequence >= EvidenceObjectNames.MaxSequence)
        {
            return VerifiedEvidence.Corrupt($"{entry.BlobName}: its index row names chain '{entry.Chain}' record {entry.Sequence}, which cannot exist");
        }

        var chain = EvidenceObjectNames.NormalizeChain(entry.Chain);
        var name = EvidenceObjectNames.ObjectName(chain, entry.Sequence);
        if (!string.Equals(entry.BlobName, name, StringComparison.Ordinal))
        {
            return VerifiedEvidence.Corrupt($"{name}: its index row names the object '{entry.BlobName}' instead");
        }

        if (await _objects.ReadAsync(name, cancellationToken) is not { } bytes)
        {
            return VerifiedEvidence.Corrupt($"{name}: is in the index, but the record is missing");
        }

        var sha = CanonicalJson.Sha256Hex(bytes);
        EvidenceRecord record;
        try
        {
            record = ParseStored(chain, entry.Sequence, name, bytes);
        }
        catch (EvidenceChainException ex)
        {
            return VerifiedEvidence.Corrupt(ex.Message);
        }

        var differences = EvidenceIndexCheck.Differences(entry, CreateIndexEntry(record, name, sha));
        if (differences.Count > 0)
        {
            return VerifiedEvidence.Corrupt($"{name}: its index row does not match the record ({string.Join("; ", differences)})");
        }

        var nextName = EvidenceObjectNames.ObjectName(chain, entry.Sequence + 1);
        if (await _objects.ReadAsync(nextName, cancellationToken) is { } nextBytes)
        {
            string? linked;
            try
            {
                linked = ParseStored(chain, entry.Sequence + 1, nextName, nextBytes).PreviousSha256;
            }
            catch (EvidenceChainException ex)
            {
                return VerifiedEvidence.Corrupt(ex.Message);
            }

            return string.Equals(linked, sha, StringComparison.Ordinal)
                ? new VerifiedEvidence(record, sha, null)
                : VerifiedEvidence.Corrupt($"{name}: hashes to {sha}, but record {entry.Sequence + 1} links to {linked ?? "null"}");
        }

        var head = await _heads.GetAsync(chain, cancellationToken);
        if (head.Sequence < entry.Sequence)
        {
            // An append between indexing the record and moving the head (here or in another process), or one that
            // stopped there: finish it as the next append would, then look again.
            try
            {
                await RecoverAsync(chain, cancellationToken);
            }
            catch (EvidenceChainException ex)
            {
                return VerifiedEvidence.Corrupt(ex.Message);
            }

            head = await _heads.GetAsync(chain, cancellationToken);
        }

        if (head.Sequence == entry.Sequence)
        {
            return string.Equals(head.Sha256, sha, StringComparison.Ordinal)
                ? new VerifiedEvidence(record, sha, null)
                : VerifiedEvidence.Corrupt($"{name}: hashes to {sha}, but the chain head states {head.Sha256 ?? "null"}");
        }

        return VerifiedEvidence.Corrupt(head.Sequence > entry.Sequence
            ? $"{nextName}: is missing, but the chain head is at record {head.Sequence}"
            : $"{name}: is not anchored: the chain head is at record {head.Sequence} and no record follows it");
    }

    /// <inheritdoc />
    public async Task<EvidenceChainTip> GetTipAsync(string chain, CancellationToken cancellationToken)
    {
        var head = await _heads.GetAsync(EvidenceObjectNames.NormalizeChain(chain), cancellationToken);
        return new EvidenceChainTip(head.Sequence, head.Sha256);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, CancellationToken cancellationToken) =>
        _index.ListLookupRowsAsync(EvidenceObjectNames.NormalizeChain(chain), cancellationToken);

    private async Task<EvidenceReceipt> AppendCoreAsync(EvidenceRecord record, string chain, CancellationToken cancellationToken)
    {
        var head = await _heads.GetAsync(chain, cancellationToken);
        var sequence = head.Sequence;
        var previousSha = head.Sha256;
        var conflicts = 0;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = sequence + 1;
            var candidate = record with { Sequence = next, PreviousSha256 = previousSha };
            var bytes = EvidenceSerializer.ToCanonicalBytes(candidate);
            var name = EvidenceObjectNames.ObjectName(chain, next);

            if (await _objects.TryCreateAsync(name, bytes, cancellationToken))
            {
                return await CommitAsync(candidate, name, bytes);
            }

            var existing = await _objects.ReadAsync(name, cancellationToken)
                ?? throw new EvidenceChainException($"Evidence object '{name}' was reported as existing but cannot be read.");

            if (existing.AsSpan().SequenceEqual(bytes))
            {
                // Our own earlier attempt (a retried request whose first response was lost): it is the record.
                return await CommitAsync(candidate, name, bytes);
            }

            if (++conflicts > _maxConflicts)
            {
                throw new EvidenceChainException(
                    $"Could not append to evidence chain '{chain}': {_maxConflicts} consecutive sequences up to {next} were taken by other writers. " +
                    "Each attempt advances the chain head, so retrying continues from there.");
            }

            LogSequenceTaken(_logger, chain, next);
            var latest = await _heads.GetAsync(chain, cancellationToken);
            if (latest.Sequence >= next && latest.Sha256 is not null)
            {
                // Another writer has already indexed it and moved the head on: continue from the head.
                sequence = latest.Sequence;
                previousSha = latest.Sha256;
                continue;
            }

            // Taken but not yet reflected in the head: an append in flight elsewhere, or an orphan left by a crash.
            // Check that it links to its predecessor, index it (idempotent) and move past it.
            var existingSha = CanonicalJson.Sha256Hex(existing);
            var occupant = ParseOccupant(chain, next, previousSha, name, existing);
            LogAdopted(_logger, chain, next, existingSha);
            await _index.UpsertAsync(CreateIndexEntry(occupant, name, existingSha), cancellationToken);
            var advanced = await AdvanceHeadAsync(chain, next, existingSha, cancellationToken);
            (sequence, previousSha) = advanced.Sequence > next && advanced.Sha256 is not null
                ? (advanced.Sequence, advanced.Sha256)
                : (next, existingSha);
        }
    }

    private async Task<EvidenceReceipt> CommitAsync(EvidenceRecord record, string name, byte[] bytes)
    {
        // The object is durable: finish the bookkeeping even if the caller has gone away.
        var sha = CanonicalJson.Sha256Hex(bytes);
        await _index.UpsertAsync(CreateIndexEntry(record, name, sha), CancellationToken.None);
        await AdvanceHeadAsync(record.Chain, record.Sequence, sha, CancellationToken.None);
        return new EvidenceReceipt(record.Chain, record.Sequence, name, sha, record.PreviousSha256);
    }

    /// <summary>Moves the head forward to (sequence, sha) unless it is already there or beyond; returns the head as left.</summary>
    private async Task<EvidenceChainHead> AdvanceHeadAsync(string chain, long sequence, string sha, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxHeadAttempts; attempt++)
        {
            var current = await _heads.GetAsync(chain, cancellationToken);
            if (current.Sequence >= sequence)
            {
                return current;
            }

            if (await _heads.TryReplaceAsync(chain, current, sequence, sha, cancellationToken))
            {
                return new EvidenceChainHead(sequence, sha, null);
            }
        }

        // Not fatal: the head is a hint and the next append probes past it.
        LogHeadNotAdvanced(_logger, chain, sequence, MaxHeadAttempts);
        return new EvidenceChainHead(sequence, sha, null);
    }

    /// <summary>
    /// The record stored as <paramref name="name"/>, which must be record <paramref name="sequence"/> of the normalised
    /// <paramref name="chain"/>; an <see cref="EvidenceChainException"/> naming the object otherwise.
    /// </summary>
    internal static EvidenceRecord ParseStored(string chain, long sequence, string name, byte[] bytes)
    {
        EvidenceRecord stored;
        try
        {
            stored = EvidenceSerializer.FromBytes(bytes);
        }
        catch (JsonException ex)
        {
            throw new EvidenceChainException($"Evidence object '{name}' is not a valid evidence record.", ex);
        }

        if (stored.Sequence != sequence || !string.Equals(stored.Chain, chain, StringComparison.Ordinal))
        {
            throw new EvidenceChainException(
                $"Evidence object '{name}' holds record {stored.Sequence} of chain '{stored.Chain}', not record {sequence} of '{chain}'.");
        }

        return stored;
    }

    private static EvidenceRecord ParseOccupant(string chain, long sequence, string? expectedPrevious, string name, byte[] bytes)
    {
        var occupant = ParseStored(chain, sequence, name, bytes);
        if (!string.Equals(occupant.PreviousSha256, expectedPrevious, StringComparison.Ordinal))
        {
            throw new EvidenceChainException(
                $"Evidence chain '{chain}' is broken at record {sequence}: it names previous hash '{occupant.PreviousSha256 ?? "null"}' " +
                $"but record {sequence - 1} hashes to '{expectedPrevious ?? "null"}'.");
        }

        return occupant;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Evidence chain {Chain}: record {Sequence} ({Sha256}) was written by another writer or left unindexed by a crash; indexed it and continued after it")]
    private static partial void LogAdopted(ILogger logger, string chain, long sequence, string sha256);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Evidence chain {Chain}: sequence {Sequence} is already taken; moving past it")]
    private static partial void LogSequenceTaken(ILogger logger, string chain, long sequence);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Evidence chain {Chain}: could not advance the head to {Sequence} after {Attempts} attempts; the next append will probe past it")]
    private static partial void LogHeadNotAdvanced(ILogger logger, string chain, long sequence, int attempts);
}
