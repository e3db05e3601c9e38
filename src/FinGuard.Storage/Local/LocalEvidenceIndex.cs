using System.Runtime.CompilerServices;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>
/// Index rows as one small JSON file per record, <c>{root}/{owner}/{repo}/{sequence:D12}.json</c>, each written
/// atomically (so there is no torn line to tolerate). Finding by head SHA — asked on every evaluation — answers from
/// rows this process has already read, keyed by head SHA: each lookup lists the chain's file names and reads only rows
/// it has not seen (written by another process, or before a restart), so its cost no longer grows with the number of
/// records read from disk. Rows are never deleted and a sequence's row always describes the same record.
/// </summary>
internal sealed class LocalEvidenceIndex(string root) : IEvidenceIndex
{
    private readonly string _root = Path.GetFullPath(root);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChainRows> _chains = new(StringComparer.Ordinal);

    public async Task UpsertAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = Path.Combine(ChainDirectory(entry.Chain), EvidenceObjectNames.SequenceFileName(entry.Sequence));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, LocalStorageJsonContext.Default.EvidenceIndexEntry);
        await AtomicFile.ReplaceAsync(path, bytes, cancellationToken);
        Rows(entry.Chain).Add(entry);
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
        var rows = Rows(chain);
        var directory = ChainDirectory(chain);
        if (Directory.Exists(directory))
        {
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                if (EvidenceObjectNames.TryParseSequenceFileName(Path.GetFileName(path), out var sequence) && !rows.Contains(sequence)
                    && await AtomicFile.ReadIfExistsAsync(path, cancellationToken) is { } bytes)
                {
                    rows.Add(JsonSerializer.Deserialize(bytes, LocalStorageJsonContext.Default.EvidenceIndexEntry)
                        ?? throw new InvalidDataException($"Evidence index row '{path}' is JSON null."));
                }
            }
        }

        return rows.WithHeadSha(headSha);
    }

    private ChainRows Rows(string chain) => _chains.GetOrAdd(EvidenceObjectNames.NormalizeChain(chain), static _ => new ChainRows());

    /// <summary>The rows of one chain this process has read or written, by sequence and by head SHA.</summary>
    private sealed class ChainRows
    {
        private readonly Lock gate = new();
        private readonly HashSet<long> sequences = [];
        private readonly Dictionary<string, List<EvidenceIndexEntry>> byHeadSha = new(StringComparer.OrdinalIgnoreCase);

        public bool Contains(long sequence)
        {
            lock (gate)
            {
                return sequences.Contains(sequence);
            }
        }

        public void Add(EvidenceIndexEntry entry)
        {
            lock (gate)
            {
                if (!sequences.Add(entry.Sequence))
                {
                    return;
                }

                if (!byHeadSha.TryGetValue(entry.HeadSha, out var list))
                {
                    byHeadSha[entry.HeadSha] = list = [];
                }

                list.Add(entry);
            }
        }

        /// <summary>Newest first, as the callers expect.</summary>
        public IReadOnlyList<EvidenceIndexEntry> WithHeadSha(string headSha)
        {
            lock (gate)
            {
                return byHeadSha.TryGetValue(headSha, out var list) ? [.. list.OrderByDescending(e => e.Sequence)] : [];
            }
        }
    }

    private string ChainDirectory(string chain) =>
        Path.Combine(_root, EvidenceObjectNames.NormalizeChain(chain).Replace('/', Path.DirectorySeparatorChar));
}
