namespace FinGuard.Storage.Evidence;

/// <summary>
/// Write-once object storage for evidence records (an Azure blob container, or a local folder). The only
/// write is create-if-absent: an existing object is never overwritten, never appended to, never deleted.
/// </summary>
public interface IEvidenceObjects
{
    /// <summary>
    /// Creates <paramref name="name"/> with exactly <paramref name="bytes"/> and makes it durable.
    /// Returns false, writing nothing, when an object with that name already exists.
    /// </summary>
    Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>The exact bytes of <paramref name="name"/>, or null when there is no such object.</summary>
    Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken);
}
