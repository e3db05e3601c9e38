using System.Collections.Concurrent;
using System.Globalization;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>
/// Chain heads derived from the files, never stored: the highest indexed sequence of the chain, with the hash of
/// that record's evidence file. Like the Azure head it can lag behind the evidence files (a writer crashed between
/// writing a record and indexing it), so the writer discovers such an orphan, checks it and indexes it. The chain's
/// folder is listed once per process; after that the cached head is carried forward over the index rows that follow
/// it (written by this process, another process, or an adoption), one existence check per row, so an append does not
/// list a folder that grows with the chain. The hash of a row this process wrote is the one it computed from the
/// bytes it stored; any other row's record is read and hashed.
/// </summary>
internal sealed class LocalEvidenceChainHeads(LocalEvidenceObjects objects, LocalEvidenceIndex index, string indexRoot) : IEvidenceChainHeads
{
    private readonly string _indexRoot = Path.GetFullPath(indexRoot);
    private readonly ConcurrentDictionary<string, EvidenceChainHead> _cache = new(StringComparer.Ordinal);

    public async Task<EvidenceChainHead> GetAsync(string chain, CancellationToken cancellationToken)
    {
        var indexDirectory = Path.Combine(_indexRoot, EvidenceObjectNames.NormalizeChain(chain).Replace('/', Path.DirectorySeparatorChar));
        EvidenceChainHead head;
        if (_cache.TryGetValue(chain, out var cached))
        {
            var last = cached.Sequence;
            while (File.Exists(Path.Combine(indexDirectory, EvidenceObjectNames.SequenceFileName(last + 1))))
            {
                last++;
            }

            if (last == cached.Sequence)
            {
                return cached;
            }

            head = index.WrittenSha256(chain, last) is { } sha
                ? new EvidenceChainHead(last, sha, last.ToString(CultureInfo.InvariantCulture))
                : await HeadAtAsync(chain, last, cancellationToken);
        }
        else
        {
            head = await ScanAsync(chain, indexDirectory, cancellationToken);
        }

        Remember(chain, head);
        return head;
    }

    public Task<bool> TryReplaceAsync(string chain, EvidenceChainHead expected, long sequence, string sha256, CancellationToken cancellationToken)
    {
        // The files are the truth (the index row is written before the head moves); this only keeps the cache current.
        Remember(chain, new EvidenceChainHead(sequence, sha256, sequence.ToString(CultureInfo.InvariantCulture)));
        return Task.FromResult(true);
    }

    private void Remember(string chain, EvidenceChainHead head) =>
        _cache.AddOrUpdate(chain, head, (_, current) => head.Sequence > current.Sequence ? head : current);

    private async Task<EvidenceChainHead> ScanAsync(string chain, string indexDirectory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(indexDirectory))
        {
            return EvidenceChainHead.Empty;
        }

        long last = 0;
        foreach (var file in Directory.EnumerateFiles(indexDirectory))
        {
            if (EvidenceObjectNames.TryParseSequenceFileName(Path.GetFileName(file), out var sequence) && sequence > last)
            {
                last = sequence;
            }
        }

        return last == 0 ? EvidenceChainHead.Empty : await HeadAtAsync(chain, last, cancellationToken);
    }

    /// <summary>The head at <paramref name="sequence"/>, hashing that record's file (the files are the truth).</summary>
    private async Task<EvidenceChainHead> HeadAtAsync(string chain, long sequence, CancellationToken cancellationToken)
    {
        var name = EvidenceObjectNames.ObjectName(chain, sequence);
        var bytes = await objects.ReadAsync(name, cancellationToken)
            ?? throw new EvidenceChainException($"Evidence record '{name}' is indexed but its file is missing.");
        return new EvidenceChainHead(sequence, CanonicalJson.Sha256Hex(bytes), sequence.ToString(CultureInfo.InvariantCulture));
    }
}
