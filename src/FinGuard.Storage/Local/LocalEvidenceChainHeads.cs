using System.Collections.Concurrent;
using System.Globalization;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>
/// Chain heads derived from the files, never stored: the highest indexed sequence of the chain, with the hash of
/// that record's evidence file. Like the Azure head it can lag behind the evidence files (a writer crashed between
/// writing a record and indexing it), so the writer discovers such an orphan, checks it and indexes it. The result is
/// cached per chain and trusted only while the index row after it does not exist, so rows written by another
/// process are noticed on the next read.
/// </summary>
internal sealed class LocalEvidenceChainHeads(LocalEvidenceObjects objects, string indexRoot) : IEvidenceChainHeads
{
    private readonly string _indexRoot = Path.GetFullPath(indexRoot);
    private readonly ConcurrentDictionary<string, EvidenceChainHead> _cache = new(StringComparer.Ordinal);

    public async Task<EvidenceChainHead> GetAsync(string chain, CancellationToken cancellationToken)
    {
        var indexDirectory = Path.Combine(_indexRoot, EvidenceObjectNames.NormalizeChain(chain).Replace('/', Path.DirectorySeparatorChar));
        if (_cache.TryGetValue(chain, out var cached)
            && !File.Exists(Path.Combine(indexDirectory, EvidenceObjectNames.SequenceFileName(cached.Sequence + 1))))
        {
            return cached;
        }

        var head = await ScanAsync(chain, indexDirectory, cancellationToken);
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

        if (last == 0)
        {
            return EvidenceChainHead.Empty;
        }

        var name = EvidenceObjectNames.ObjectName(chain, last);
        var bytes = await objects.ReadAsync(name, cancellationToken)
            ?? throw new EvidenceChainException($"Evidence record '{name}' is indexed but its file is missing.");
        return new EvidenceChainHead(last, CanonicalJson.Sha256Hex(bytes), last.ToString(CultureInfo.InvariantCulture));
    }
}
