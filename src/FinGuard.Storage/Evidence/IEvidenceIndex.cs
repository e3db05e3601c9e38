using FinGuard.Core.Evidence;

namespace FinGuard.Storage.Evidence;

/// <summary>
/// Queryable rows describing stored evidence. Rows are derived from the immutable objects, so writing one is an
/// idempotent upsert keyed by chain and sequence: writing the same row twice is harmless.
/// </summary>
public interface IEvidenceIndex
{
    Task UpsertAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken);

    /// <summary>Rows of one chain in ascending sequence order.</summary>
    IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, CancellationToken cancellationToken);

    /// <summary>Rows of one chain whose subject head SHA is <paramref name="headSha"/>, newest (highest sequence) first.</summary>
    Task<IReadOnlyList<EvidenceIndexEntry>> FindByHeadShaAsync(string chain, string headSha, CancellationToken cancellationToken);

    /// <summary>
    /// Every row <see cref="FindByHeadShaAsync"/> answers from, when those are stored apart from <see cref="ListAsync"/>'s
    /// (a second table keyed by head SHA); empty when both read the same rows.
    /// </summary>
    IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, CancellationToken cancellationToken);
}
