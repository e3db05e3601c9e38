using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>One evidence object exactly as stored: its object name (<c>owner/repo/000000000001.json</c>) and bytes.</summary>
public sealed record StoredEvidence(string Name, byte[] Bytes);

/// <summary>What the store knows about one record of a chain without reading it (index row, or a probed object).</summary>
/// <param name="Sequence">Position in the chain.</param>
/// <param name="BlobName">Object name.</param>
/// <param name="Timestamp">The record's decision time.</param>
/// <param name="DeliveryId">The record's correlation id.</param>
/// <param name="Sha256">SHA-256 of the stored bytes as indexed (or as read, for an unindexed object).</param>
/// <param name="Indexed">False for an object written after the last index row (a writer stopped before indexing it).</param>
/// <param name="Row">The index row itself; null for an unindexed object.</param>
public sealed record StoredEvidenceEntry(long Sequence, string BlobName, DateTimeOffset Timestamp, string DeliveryId, string Sha256, bool Indexed, EvidenceIndexEntry? Row = null);

/// <summary>Every object of one chain read by name, with what was missing or disagreed with the index.</summary>
/// <param name="Chain">The chain.</param>
/// <param name="Objects">The objects found, in sequence order.</param>
/// <param name="Problems">Index rows whose object is missing or that disagree with their record (any field), a chain head
/// that does not match the records, and an index that cannot be read at all.</param>
/// <param name="Rows">The index rows of the objects read (and the separate lookup rows by head SHA, where the backend keeps them), as found.</param>
public sealed record StoredChain(string Chain, IReadOnlyList<StoredEvidence> Objects, IReadOnlyList<string> Problems, IReadOnlyList<FoundIndexRow>? Rows = null);

/// <summary>
/// Reads chains back from an <see cref="IEvidenceStore"/> (Azure or the local folder). The index is a hint that may
/// lag behind the objects (a writer stopped after writing a record and before indexing it), so every listing also
/// probes the objects after the last index row until one is absent.
/// </summary>
public static class EvidenceStoreReader
{
    /// <summary>The chain's index rows in sequence order, followed by any objects written after the last of them.</summary>
    public static async Task<IReadOnlyList<StoredEvidenceEntry>> ListAsync(IEvidenceStore store, string chain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var normalized = EvidenceObjectNames.NormalizeChain(chain);
        var entries = new List<StoredEvidenceEntry>();
        await foreach (var row in store.ListAsync(normalized, cancellationToken))
        {
            entries.Add(new StoredEvidenceEntry(row.Sequence, row.BlobName, row.Timestamp, row.DeliveryId, row.Sha256, Indexed: true, row));
        }

        var next = entries.Count == 0 ? 1 : entries[^1].Sequence + 1;
        while (next <= EvidenceObjectNames.MaxSequence)
        {
            var name = EvidenceObjectNames.ObjectName(normalized, next);
            var bytes = await store.ReadAsync(name, cancellationToken);
            if (bytes is null)
            {
                break;
            }

            var record = Parse(name, bytes);
            entries.Add(new StoredEvidenceEntry(next, name, record.Timestamp, record.DeliveryId, CanonicalJson.Sha256Hex(bytes), Indexed: false));
            next++;
        }

        return entries;
    }

    /// <summary>
    /// Reads the objects of sequences <paramref name="first"/>..<paramref name="last"/> (default: the whole chain as
    /// listed, and up to the chain head) by name, and cross-checks what the store says about them: every index row (and
    /// lookup row by head SHA) field against its record, missing records, and the chain head. Never throws for damage:
    /// an index that cannot be read is a problem, and the records are then read by name.
    /// </summary>
    public static async Task<StoredChain> ReadAsync(
        IEvidenceStore store, string chain, CancellationToken cancellationToken, long? first = null, long? last = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var normalized = EvidenceObjectNames.NormalizeChain(chain);
        var problems = new List<string>();
        IReadOnlyList<StoredEvidenceEntry> entries;
        try
        {
            entries = await ListAsync(store, normalized, cancellationToken);
        }
        catch (Exception ex) when (ex is EvidenceChainException or InvalidDataException or JsonException)
        {
            problems.Add($"{normalized}: its index cannot be read ({ex.Message}); the records were read by name instead");
            entries = [];
        }

        EvidenceChainTip? tip = null;
        try
        {
            tip = await store.GetTipAsync(normalized, cancellationToken);
        }
        catch (Exception ex) when (ex is EvidenceChainException or InvalidDataException or JsonException)
        {
            problems.Add($"{normalized}: its chain head cannot be read ({ex.Message})");
        }

        var bySequence = new Dictionary<long, StoredEvidenceEntry>();
        foreach (var entry in entries)
        {
            bySequence[entry.Sequence] = entry;
        }

        var highestIndexed = entries.Where(e => e.Indexed).Select(e => e.Sequence).DefaultIfEmpty(0).Max();
        var objects = new List<StoredEvidence>();
        var byName = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var rows = new List<FoundIndexRow>();
        var from = first ?? 1;
        var to = last ?? Math.Max(entries.Count == 0 ? 0 : entries.Max(e => e.Sequence), tip?.Sequence ?? 0);
        for (var sequence = from; sequence <= to || (last is null && sequence <= EvidenceObjectNames.MaxSequence); sequence++)
        {
            var name = EvidenceObjectNames.ObjectName(normalized, sequence);
            var bytes = await store.ReadAsync(name, cancellationToken);
            bySequence.TryGetValue(sequence, out var entry);
            if (entry?.Row is { } indexed)
            {
                rows.Add(new FoundIndexRow($"index/{name}", indexed));
            }

            if (bytes is null)
            {
                if (entry is not null)
                {
                    problems.Add($"{name}: is in the index (SHA-256 {entry.Sha256}) but the record is missing from the store");
                }

                if (sequence > to)
                {
                    break; // probed past the last known record: the chain ends here
                }

                continue;
            }

            // A record below the newest index row with no row of its own: FinGuard finds decisions through the index
            // (the deployment gate, merge checks, replay), so a deleted row hides this decision from all of them.
            if (entry is not { Indexed: true } && sequence < highestIndexed)
            {
                problems.Add($"{name}: has no index row, though later records do: FinGuard's lookups cannot find this decision (its index row was deleted)");
            }

            var sha = CanonicalJson.Sha256Hex(bytes);
            if (entry is { Indexed: true } && !string.Equals(entry.Sha256, sha, StringComparison.Ordinal))
            {
                problems.Add($"{name}: the stored bytes hash to {sha}, but the index recorded {entry.Sha256} when it was written");
            }

            if (entry?.Row is { } row && EvidenceIndexRows.Compare(new FoundIndexRow("index row", row with { Sha256 = sha }), name, bytes) is { } mismatch)
            {
                problems.Add(mismatch);
            }

            objects.Add(new StoredEvidence(name, bytes));
            byName[name] = bytes;
        }

        try
        {
            var lookups = new List<FoundIndexRow>();
            var position = 0;
            await foreach (var lookup in store.ListLookupRowsAsync(normalized, cancellationToken))
            {
                position++;
                if (lookup.Sequence >= from && lookup.Sequence <= to)
                {
                    lookups.Add(new FoundIndexRow(
                        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"lookup row by head SHA {lookup.HeadSha}, #{position}"), lookup));
                }
            }

            problems.AddRange(EvidenceIndexRows.CrossCheck(lookups, byName, _ => true));
            rows.AddRange(lookups);
        }
        catch (Exception ex) when (ex is EvidenceChainException or InvalidDataException or JsonException or FormatException)
        {
            problems.Add($"{normalized}: its lookup rows by head SHA cannot be read ({ex.Message})");
        }

        if (last is null && tip is { Sequence: > 0 } head)
        {
            var headName = EvidenceObjectNames.ObjectName(normalized, head.Sequence);
            if (byName.TryGetValue(headName, out var headBytes))
            {
                if (!string.Equals(CanonicalJson.Sha256Hex(headBytes), head.Sha256, StringComparison.Ordinal))
                {
                    problems.Add($"{headName}: hashes to {CanonicalJson.Sha256Hex(headBytes)}, but the chain head states {head.Sha256}");
                }
            }
            else if (objects.Count == 0 || head.Sequence > objects.Max(o => EvidenceObjectNames.TryParseObjectName(o.Name, out _, out var s) ? s : 0))
            {
                problems.Add($"{headName}: is missing, but the chain head states the chain reached it (SHA-256 {head.Sha256})");
            }
        }

        return new StoredChain(normalized, objects, problems, rows);
    }

    private static EvidenceRecord Parse(string name, byte[] bytes)
    {
        try
        {
            return EvidenceSerializer.FromBytes(bytes);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Evidence object '{name}' is not a valid evidence record: {ex.Message}", ex);
        }
    }
}
