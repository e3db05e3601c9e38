using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>In-memory evidence primitives with hooks to inject the faults the chain writer must survive.</summary>
internal sealed class InMemoryEvidenceBackend : IEvidenceObjects, IEvidenceIndex, IEvidenceChainHeads
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Chain, long Sequence), EvidenceIndexEntry> _rows = new();
    private readonly Dictionary<string, EvidenceChainHead> _heads = new(StringComparer.Ordinal);
    private int _version;

    /// <summary>Called after an object is stored, before TryCreate returns; returning false reports "exists" (a lost response).</summary>
    public Func<string, bool>? AfterCreate { get; set; }

    /// <summary>Thrown by the next index upsert, once (a crash between writing the object and indexing it).</summary>
    public Exception? FailNextUpsert { get; set; }

    public int CreateConflicts { get; private set; }

    public int Upserts { get; private set; }

    public IReadOnlyDictionary<string, byte[]> Objects => _objects;

    public Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (!_objects.TryAdd(name, bytes.ToArray()))
        {
            CreateConflicts++;
            return Task.FromResult(false);
        }

        return Task.FromResult(AfterCreate?.Invoke(name) ?? true);
    }

    /// <summary>Overwrites an object, as someone with write access to unprotected storage could (tests of tamper detection).</summary>
    public void Overwrite(string name, byte[] bytes) => _objects[name] = bytes;

    public Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(name, out var bytes) ? bytes.ToArray() : null);

    public Task UpsertAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
    {
        if (FailNextUpsert is { } failure)
        {
            FailNextUpsert = null;
            throw failure;
        }

        Upserts++;
        _rows[(entry.Chain, entry.Sequence)] = entry;
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var row in _rows.Values.Where(r => r.Chain == chain).OrderBy(r => r.Sequence))
        {
            yield return row;
        }
    }

    public Task<IReadOnlyList<EvidenceIndexEntry>> FindByHeadShaAsync(string chain, string headSha, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<EvidenceIndexEntry>>(
            [.. _rows.Values.Where(r => r.Chain == chain && r.HeadSha == headSha).OrderByDescending(r => r.Sequence)]);

    public IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<EvidenceIndexEntry>();

    public Task<EvidenceChainHead> GetAsync(string chain, CancellationToken cancellationToken)
    {
        lock (_heads)
        {
            return Task.FromResult(_heads.TryGetValue(chain, out var head) ? head : EvidenceChainHead.Empty);
        }
    }

    public Task<bool> TryReplaceAsync(string chain, EvidenceChainHead expected, long sequence, string sha256, CancellationToken cancellationToken)
    {
        lock (_heads)
        {
            var current = _heads.TryGetValue(chain, out var head) ? head : EvidenceChainHead.Empty;
            if (current.Version != expected.Version)
            {
                return Task.FromResult(false);
            }

            _heads[chain] = new EvidenceChainHead(sequence, sha256, $"v{++_version}");
            return Task.FromResult(true);
        }
    }

    /// <summary>Writes a correctly linked record directly, as a writer that crashed right after its object would have.</summary>
    public byte[] PlantOrphan(string chain, long sequence, string? previousSha)
    {
        var bytes = EvidenceSerializer.ToCanonicalBytes(EvidenceRecords.Create(chain, (int)sequence) with { Sequence = sequence, PreviousSha256 = previousSha });
        Assert.True(_objects.TryAdd(EvidenceObjectNames.ObjectName(chain, sequence), bytes));
        return bytes;
    }
}
