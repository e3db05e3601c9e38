using System.Globalization;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>What <see cref="CheckpointWriter"/> did for one organisation and day.</summary>
/// <param name="Organisation">The organisation.</param>
/// <param name="Day">The UTC day the checkpoint closes.</param>
/// <param name="Written">True when this call wrote it; false when it already existed.</param>
/// <param name="BlobName">The checkpoint record's object name.</param>
/// <param name="Heads">How many chain heads it states.</param>
public sealed record CheckpointOutcome(string Organisation, DateOnly Day, bool Written, string BlobName, int Heads);

/// <summary>
/// Writes the daily checkpoint of an organisation (<see cref="CheckpointRecords"/>): for the previous UTC day (per
/// <see cref="TimeProvider"/>), the head of every repository chain, i.e. the highest-sequence record stamped before
/// midnight UTC, with the SHA-256 of its stored bytes. Idempotent: the checkpoint chain is looked up first (index rows
/// and any unindexed objects after them) and an existing checkpoint for the day is returned, not written again.
/// </summary>
public sealed class CheckpointWriter(IEvidenceStore store, ICheckpointChainCatalog catalog, EvidenceModeState mode, TimeProvider time)
{
    public const string Source = "finguard-timer:" + DailyCheckpointJob.JobName;

    /// <summary>Writes (or finds) the checkpoint of every organisation in the store for the previous UTC day.</summary>
    public async Task<IReadOnlyList<CheckpointOutcome>> WritePreviousDayAsync(CancellationToken cancellationToken)
    {
        var outcomes = new List<CheckpointOutcome>();
        await foreach (var organisation in catalog.ListOrganisationsAsync(cancellationToken))
        {
            outcomes.Add(await WritePreviousDayAsync(organisation, cancellationToken));
        }

        return outcomes;
    }

    /// <summary>Writes (or finds) <paramref name="organisation"/>'s checkpoint for the previous UTC day.</summary>
    public Task<CheckpointOutcome> WritePreviousDayAsync(string organisation, CancellationToken cancellationToken) =>
        WriteAsync(organisation, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1), cancellationToken);

    /// <summary>Writes (or finds) <paramref name="organisation"/>'s checkpoint for <paramref name="day"/>, which must be over.</summary>
    public async Task<CheckpointOutcome> WriteAsync(string organisation, DateOnly day, CancellationToken cancellationToken)
    {
        var org = CheckpointChainCatalog.NormalizeOrganisation(organisation);
        var now = time.GetUtcNow();
        var before = CheckpointRecords.EndOf(day);
        if (before > now)
        {
            throw new ArgumentOutOfRangeException(nameof(day), day,
                string.Create(CultureInfo.InvariantCulture, $"The checkpoint of {day:yyyy-MM-dd} can only be written once the day is over (it is {now:O})."));
        }

        var checkpointChain = CheckpointRecords.ChainOf(org);
        var key = CheckpointRecords.DeliveryIdOf(org, day);
        var existing = (await EvidenceStoreReader.ListAsync(store, checkpointChain, cancellationToken))
            .FirstOrDefault(e => string.Equals(e.DeliveryId, key, StringComparison.Ordinal));
        if (existing is not null)
        {
            var bytes = await store.ReadAsync(existing.BlobName, cancellationToken)
                ?? throw new InvalidDataException($"Checkpoint {existing.BlobName} is indexed but missing from the store.");
            var stated = CheckpointRecords.TryRead(EvidenceSerializer.FromBytes(bytes), out var checkpoint, out _) ? checkpoint!.Heads.Count : 0;
            return new CheckpointOutcome(org, day, Written: false, existing.BlobName, stated);
        }

        var heads = new List<CheckpointHead>();
        await foreach (var chain in catalog.ListChainsAsync(org, cancellationToken))
        {
            if (CheckpointRecords.IsCheckpointChain(chain))
            {
                continue;
            }

            if (await HeadBeforeAsync(chain, before, cancellationToken) is { } head)
            {
                heads.Add(head);
            }
        }

        var record = CheckpointRecords.Create(org, day, heads, now, Hosting.FinGuardApp.Version, mode.Current, Source);
        var receipt = await store.AppendAsync(record, cancellationToken);
        return new CheckpointOutcome(org, day, Written: true, receipt.BlobName, heads.Count);
    }

    private async Task<CheckpointHead?> HeadBeforeAsync(string chain, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var entries = await EvidenceStoreReader.ListAsync(store, chain, cancellationToken);
        var head = entries.LastOrDefault(e => e.Timestamp < before);
        if (head is null)
        {
            return null;
        }

        // State the hash of the bytes as stored now, and refuse to anchor a record that no longer matches its index row.
        var bytes = await store.ReadAsync(head.BlobName, cancellationToken)
            ?? throw new InvalidDataException($"Evidence record {head.BlobName} is indexed but missing from the store; no checkpoint was written.");
        var sha = CanonicalJson.Sha256Hex(bytes);
        if (!string.Equals(sha, head.Sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"Evidence record {head.BlobName} hashes to {sha} but was indexed as {head.Sha256}; no checkpoint was written. Run 'finguard evidence verify --live'.");
        }

        return new CheckpointHead(chain, head.Sequence, sha, head.Timestamp);
    }
}
