using System.Runtime.CompilerServices;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>
/// Index rows as one small JSON file per record, <c>{root}/{owner}/{repo}/{sequence:D12}.json</c>, each written
/// atomically (so there is no torn line to tolerate). Finding by head SHA scans the chain's rows; this backend is
/// for development and single-node use, where chains are small.
/// </summary>
internal sealed class LocalEvidenceIndex(string root) : IEvidenceIndex
{
    private readonly string _root = Path.GetFullPath(root);

    public Task UpsertAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = Path.Combine(ChainDirectory(entry.Chain), EvidenceObjectNames.SequenceFileName(entry.Sequence));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, LocalStorageJsonContext.Default.EvidenceIndexEntry);
        return AtomicFile.ReplaceAsync(path, bytes, cancellationToken);
    }

    public async IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = ChainDirectory(chain);
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        var files = Directory.EnumerateFiles(directory)
            .Select(path => (Path: path, IsRow: EvidenceObjectNames.TryParseSequenceFileName(Path.GetFileName(path), out var sequence), Sequence: sequence))
            .Where(file => file.IsRow)
            .OrderBy(file => file.Sequence)
            .ToList();

        foreach (var file in files)
        {
            var bytes = await AtomicFile.ReadIfExistsAsync(file.Path, cancellationToken);
            if (bytes is not null)
            {
                yield return JsonSerializer.Deserialize(bytes, LocalStorageJsonContext.Default.EvidenceIndexEntry)
                    ?? throw new InvalidDataException($"Evidence index row '{file.Path}' is JSON null.");
            }
        }
    }

    public async Task<IReadOnlyList<EvidenceIndexEntry>> FindByHeadShaAsync(string chain, string headSha, CancellationToken cancellationToken)
    {
        var matches = new List<EvidenceIndexEntry>();
        await foreach (var entry in ListAsync(chain, cancellationToken))
        {
            if (string.Equals(entry.HeadSha, headSha, StringComparison.OrdinalIgnoreCase))
            {
                matches.Add(entry);
            }
        }

        matches.Reverse();
        return matches;
    }

    private string ChainDirectory(string chain) =>
        Path.Combine(_root, EvidenceObjectNames.NormalizeChain(chain).Replace('/', Path.DirectorySeparatorChar));
}
