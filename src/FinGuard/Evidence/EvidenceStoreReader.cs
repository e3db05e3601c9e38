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
public sealed record StoredEvidenceEntry(long Sequence, string BlobName, DateTimeOffset Timestamp, string DeliveryId, string Sha256, bool Indexed);

/// <summary>Every object of one chain read by name, with what was missing or disagreed with the index.</summary>
/// <param name="Chain">The chain.</param>
/// <param name="Objects">The objects found, in sequence order.</param>
/// <param name="Problems">Index rows whose object is missing, or whose hash differs from the stored bytes.</param>
public sealed record StoredChain(string Chain, IReadOnlyList<StoredEvidence> Objects, IReadOnlyList<string> Problems);

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
            entries.Add(new StoredEvidenceEntry(row.Sequence, row.BlobName, row.Timestamp, row.DeliveryId, row.Sha256, Indexed: true));
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
    /// listed) by name, reporting index rows whose object is missing or whose bytes do not hash to the indexed value.
    /// </summary>
    public static async Task<StoredChain> ReadAsync(
        IEvidenceStore store, string chain, CancellationToken cancellationToken, long? first = null, long? last = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var normalized = EvidenceObjectNames.NormalizeChain(chain);
        var entries = await ListAsync(store, normalized, cancellationToken);
        var bySequence = new Dictionary<long, StoredEvidenceEntry>();
        foreach (var entry in entries)
        {
            bySequence[entry.Sequence] = entry;
        }

        var objects = new List<StoredEvidence>();
        var problems = new List<string>();
        var from = first ?? 1;
        var to = last ?? (entries.Count == 0 ? 0 : entries.Max(e => e.Sequence));
        for (var sequence = from; sequence <= to; sequence++)
        {
            var name = EvidenceObjectNames.ObjectName(normalized, sequence);
            var bytes = await store.ReadAsync(name, cancellationToken);
            bySequence.TryGetValue(sequence, out var entry);
            if (bytes is null)
            {
                if (entry is not null)
                {
                    problems.Add($"{name}: is in the index (SHA-256 {entry.Sha256}) but the record is missing from the store");
                }

                continue;
            }

            var sha = CanonicalJson.Sha256Hex(bytes);
            if (entry is { Indexed: true } && !string.Equals(entry.Sha256, sha, StringComparison.Ordinal))
            {
                problems.Add($"{name}: the stored bytes hash to {sha}, but the index recorded {entry.Sha256} when it was written");
            }

            objects.Add(new StoredEvidence(name, bytes));
        }

        return new StoredChain(normalized, objects, problems);
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
