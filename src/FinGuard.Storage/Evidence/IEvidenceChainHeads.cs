namespace FinGuard.Storage.Evidence;

/// <summary>
/// Where each chain's last known record is remembered. The head is a hint that saves probing from the start:
/// it may lag behind the objects (a writer crashed after writing its object), but it never points past them,
/// because it is advanced only after the object is durable.
/// </summary>
public interface IEvidenceChainHeads
{
    /// <summary>The current head, or <see cref="EvidenceChainHead.Empty"/> when the chain has none.</summary>
    Task<EvidenceChainHead> GetAsync(string chain, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the head with (<paramref name="sequence"/>, <paramref name="sha256"/>) only if it is still
    /// <paramref name="expected"/> (same <see cref="EvidenceChainHead.Version"/>; a null version means "no head
    /// stored yet"). Returns false when another writer changed it first.
    /// </summary>
    Task<bool> TryReplaceAsync(string chain, EvidenceChainHead expected, long sequence, string sha256, CancellationToken cancellationToken);
}

/// <summary>A chain's last known record and an opaque concurrency token (an ETag, for instance).</summary>
/// <param name="Sequence">Sequence of the last known record; 0 for an empty chain.</param>
/// <param name="Sha256">SHA-256 of that record's canonical bytes; null for an empty chain.</param>
/// <param name="Version">Concurrency token of the stored head; null when nothing is stored.</param>
public sealed record EvidenceChainHead(long Sequence, string? Sha256, string? Version)
{
    public static EvidenceChainHead Empty { get; } = new(0, null, null);
}
