using System.Runtime.CompilerServices;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>
/// Index rows as one small JSON file per record, <c>{root}/{owner}/{repo}/{sequence:D12}.json</c>, each written
/// atomically for readers (so there is no torn line to tolerate while running). Finding by head SHA — asked on every
/// evaluation — answers from rows this process has already read, keyed by head SHA: the first lookup of a chain lists
/// its folder, later ones read only the rows after the last one known without a gap (written by another process or
/// adopted), so a lookup costs one existence check when nothing changed, however long the chain. A sequence's row
/// always describes the same record.
/// <para>
/// Rows are not fsynced (since 2026-12-03): a row only summarises its evidence record, which is durable before the row
/// is written, so a row is rebuilt from its record rather than made durable itself. Every process sees a row as soon as
/// it is written (the page cache is shared), so while the machine runs rows have no gaps; a crash of the machine can
/// lose rows or leave them zero-filled or short, in any order. So the first time a process reads a chain it rebuilds,
/// from its record, every row that is missing or unreadable below the highest row (a record above the highest row is an
/// orphan, which the chain writer checks and adopts). A rebuilt row has the same bytes as the one written at the append.
/// This saves two fsyncs per decision, the row's and its folder's (bench/README.md, sixth run, has the measurement).
/// </para>
/// </summary>
internal sealed class LocalEvidenceIndex(string root, LocalEvidenceObjects objects) : IEvidenceIndex
{
    private readonly string _root = Path.GetFullPath(root);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChainRows> _chains = new(StringComparer.Ordinal);

    public Task UpsertAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        WriteRow(entry);
        Rows(entry.Chain).Add(entry, writtenHere: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The SHA-256 recorded in the row at <paramref name="sequence"/> if this process wrote that row: the writer hashed
    /// the very bytes it stored, so the chain head can take it without reading the record back. Null otherwise.
    /// </summary>
    public string? WrittenSha256(string chain, long sequence) => Rows(chain).WrittenSha256(sequence);

    public async IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = ChainDirectory(chain);
        await EnsureLoadedAsync(chain, Rows(chain), cancellationToken);
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

    /// <summary>Lookups by head SHA read the same row files as <see cref="ListAsync"/>: there are no other rows.</summary>
    public IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<EvidenceIndexEntry>();

    public async Task<IReadOnlyList<EvidenceIndexEntry>> FindByHeadShaAsync(string chain, string headSha, CancellationToken cancellationToken)
    {
        var rows = Rows(chain);
        var directory = ChainDirectory(chain);
        if (!rows.Listed)
        {
            await EnsureLoadedAsync(chain, rows, cancellationToken);
        }
        else
        {
            // Later lookups: only the rows after those known without a gap. While the machine runs, rows never have
            // gaps: a row is written only after its record, and the record after it is appended only once this row
            // exists (its writer found the head there, or adopted the record and indexed it first); gaps a crash left
            // were filled when this process first read the chain. So the first sequence without a row ends the chain,
            // and a lookup costs one existence check when nothing was appended, instead of listing a folder that grows
            // with the chain.
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

    /// <summary>
    /// The first read of a chain in this process: every row on disk, and every row a crash lost or left unreadable below
    /// the highest one rebuilt from its record (see the class remarks). Concurrent first reads do the same work twice,
    /// harmlessly: a rebuilt row has the same bytes whoever writes it.
    /// </summary>
    private async Task EnsureLoadedAsync(string chain, ChainRows rows, CancellationToken cancellationToken)
    {
        if (rows.Listed)
        {
            return;
        }

        var directory = ChainDirectory(chain);
        long highest = 0;
        if (Directory.Exists(directory))
        {
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                if (!EvidenceObjectNames.TryParseSequenceFileName(Path.GetFileName(path), out var sequence))
                {
                    continue;
                }

                highest = Math.Max(highest, sequence);
                if (!rows.Contains(sequence) && await AtomicFile.ReadIfExistsAsync(path, cancellationToken) is { } bytes && TryParseRow(bytes) is { } entry)
                {
                    rows.Add(entry, writtenHere: false);
                }
            }
        }

        for (var sequence = 1L; sequence <= highest; sequence++)
        {
            if (!rows.Contains(sequence))
            {
                rows.Add(await RebuildRowAsync(chain, sequence, cancellationToken), writtenHere: false);
            }
        }

        rows.MarkListed();
    }

    /// <summary>Rewrites the row of record <paramref name="sequence"/> from the record itself (hashed as stored).</summary>
    private async Task<EvidenceIndexEntry> RebuildRowAsync(string chain, long sequence, CancellationToken cancellationToken)
    {
        var normalized = EvidenceObjectNames.NormalizeChain(chain);
        var name = EvidenceObjectNames.ObjectName(normalized, sequence);
        var bytes = await objects.ReadAsync(name, cancellationToken)
            ?? throw new EvidenceChainException(
                $"Evidence chain '{normalized}' has index rows beyond record {sequence}, but record '{name}' is missing.");
        var record = EvidenceChainWriter.ParseStored(normalized, sequence, name, bytes);
        var entry = EvidenceChainWriter.CreateIndexEntry(record, name, CanonicalJson.Sha256Hex(bytes));
        WriteRow(entry);
        return entry;
    }

    /// <summary>Writes <paramref name="entry"/>'s row, not fsynced (see the class remarks).</summary>
    private void WriteRow(EvidenceIndexEntry entry) =>
        AtomicFile.ReplaceWithoutSync(
            Path.Combine(ChainDirectory(entry.Chain), EvidenceObjectNames.SequenceFileName(entry.Sequence)),
            JsonSerializer.SerializeToUtf8Bytes(entry, LocalStorageJsonContext.Default.EvidenceIndexEntry));

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

    /// <summary>A row's entry, or null when a crash left it unreadable (zero-filled, short or empty).</summary>
    private static EvidenceIndexEntry? TryParseRow(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, LocalStorageJsonContext.Default.EvidenceIndexEntry);
        }
        catch (JsonException)
        {
            return null;
        }
    }

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
