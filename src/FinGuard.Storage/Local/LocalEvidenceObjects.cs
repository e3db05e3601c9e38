using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>Evidence objects as files: <c>{root}/{owner}/{repo}/{sequence:D12}.json</c>, created once, never rewritten.</summary>
internal sealed class LocalEvidenceObjects(string root) : IEvidenceObjects
{
    public string Root { get; } = Path.GetFullPath(root);

    public Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        AtomicFile.TryCreateAsync(PathOf(name), bytes, cancellationToken);

    public Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken) =>
        AtomicFile.ReadIfExistsAsync(PathOf(name), cancellationToken);

    private string ChainDirectory(string chain) =>
        Path.Combine(Root, EvidenceObjectNames.NormalizeChain(chain).Replace('/', Path.DirectorySeparatorChar));

    private string PathOf(string name)
    {
        // Only names of the form owner/repo/000000000001.json, so nothing can escape the root.
        if (!EvidenceObjectNames.TryParseObjectName(name, out var chain, out var sequence))
        {
            throw new ArgumentException("Not an evidence object name ('owner/repo/000000000001.json').", nameof(name));
        }

        return Path.Combine(ChainDirectory(chain), EvidenceObjectNames.SequenceFileName(sequence));
    }
}
