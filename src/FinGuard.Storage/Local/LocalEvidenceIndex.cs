using System.Runtime.CompilerServices;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>
/// Index rows as one small JSON file per record, <c>{root}/{owner}/{repo}/{sequence:D12}.json</c>, each written
/// atomically (so there is no torn line to tolerate). Finding by head SHA — asked on every evaluation — answers from
/// rows this process has already read, keyed by head SHA: the first lookup of a chain lists its folder, later ones
/// read only the rows after the last one known without a gap (written by another process or adopted), so a lookup
/// costs one existence check when nothing changed, however long the chain. Rows are never deleted and a sequence's
/// row always describes the same record.
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
        Rows(entry.Chain).Add(entry, writtenHere: true);
    }

    /// <summary>
    /// The SHA-256 recorded in the row at <paramref name="sequence"/> if this process wrote that row: the writer hashed
    /// the very bytes it stored, so the chain head can take it without reading the record back. Null otherwise.
    /// </summary>
    public string? WrittenSha256(string chain, long sequence) => Rows(chain).WrittenSha256(sequence);

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
                yield return ParseRow(bytes, file.Path);
            }
        }
    }

    public async Task<IReadOnlyList<EvidenceIndexEntry>> FindByHeadShaAsync(string chain, string headSha, CancellationToken cancellationToken)
    {
        var rows = Rows(chain);
        var directory = ChainDirectory(chain);
        if (!rows.Listed)
        {
            // First lookup of this chain in this process: every row on disk.
            if (Directory.Exists(directory))
            {
                foreach (var path in Directory.EnumerateFiles(directory))
                {
                    if (EvidenceObjectNames.TryParseSequenceFileName(Path.GetFileName(path), out var sequence) && !rows.Contains(sequence))
                    {
                        await ReadRowAsync(rows, path, cancellationToken);
                    }
                }
            }

            rows.MarkListed();
        }
        else
        {
            // Later lookups: only the rows after those known without a gap. Rows never have gaps: a row is written
            // only after its record, and the record after it is appended only once this row exists (its writer found
            // the head there, or adopted the record and indexed it first). So the first sequence without a row ends
            // the chain, and a lookup costs one existence check when nothing was appended, instead of listing a folder
            // that grows with the chain.
            for (var sequence = rows.Contiguous + 1; ; sequence++)
            {
                if (!rows.Contains(sequence)
                    && !await ReadRowAsync(rows, Path.Combine(directory, EvidenceObjectNames.SequenceFileName(sequence)), cancellationToken))
                {
                    break;
                }
            }
        }

        return rows.WithHeadSha(headSha);
    }

    /// <summary>Reads a row written by anyone into <paramref name="rows"/>; false when it does not exist.</summary>
    private static async Task<bool> ReadRowAsync(ChainRows rows, string path, CancellationToken cancellationToken)
    {
        if (await AtomicFile.ReadIfExistsAsync(path, cancellationToken) is not { } bytes)
        {
            return false;
        }

        rows.Add(ParseRow(bytes, path), writtenHere: false);
        return true;
    }

    private static EvidenceIndexEntry ParseRow(byte[] bytes, string path) =>
        JsonSerializer.Deserialize(bytes, LocalStorageJsonContext.Default.EvidenceIndexEntry)
            ?? throw new InvalidDataException($"Evidence index row '{path}' is JSON null.");

    private ChainRows Rows(string chain) => _chains.GetOrAdd(EvidenceObjectNames.NormalizeChain(chain), static _ => new ChainRows());

    /// <summary>The rows of one chain this process has read or written, by sequence and by head SHA.</summary>
    private sealed class ChainRows
    {
        private readonly Lock gate = new();
        private readonly Dictionary<long, (EvidenceIndexEntry Entry, bool WrittenHere)> sequences = [];
        private readonly Dictionary<string, List<EvidenceIndexEntry>> byHeadSha = new(StringComparer.OrdinalIgnoreCase);
        private long contiguous;
        private bool listed;

        /// <summary>Whether every row on disk was read once (the first lookup lists the folder).</summary>
        public bool Listed
        {
            get
            {
                lock (gate)
                {
                    return listed;
                }
            }
        }

        /// <summary>The highest sequence up to which every row is known.</summary>
        public long Contiguous
        {
            get
            {
                lock (gate)
                {
                    return contiguous;
                }
            }
        }

        public void MarkListed()
        {
            lock (gate)
            {
                listed = true;
            }
        }

        public bool Contains(long sequence)
        {
            lock (gate)
            {
                return sequences.ContainsKey(sequence);
            }
        }

        public string? WrittenSha256(long sequence)
        {
            lock (gate)
            {
                return sequences.TryGetValue(sequence, out var row) && row.WrittenHere ? row.Entry.Sha256 : null;
            }
        }

        public void Add(EvidenceIndexEntry entry, bool writtenHere)
        {
            lock (gate)
            {
                if (sequences.TryGetValue(entry.Sequence, out var known))
                {
                    sequences[entry.Sequence] = known with { WrittenHere = known.WrittenHere || writtenHere };
                    return;
                }

                sequences[entry.Sequence] = (entry, writtenHere);
                while (sequences.ContainsKey(contiguous + 1))
                {
                    contiguous++;
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
