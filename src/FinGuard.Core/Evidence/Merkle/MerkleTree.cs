using System.Numerics;

namespace FinGuard.Core.Evidence.Merkle;

/// <summary>
/// An append-only RFC 9162 Merkle tree over leaf hashes (<see cref="MerkleHash"/>), keeping every complete subtree's
/// hash so that the root at any earlier size, an inclusion proof and a consistency proof each take O(log² n) hashing
/// instead of rehashing the leaves. Memory is about two hashes (64 bytes) per leaf. Not thread-safe; pure (no I/O).
/// </summary>
public sealed class MerkleTree
{
    // levels[j] holds the hash of every complete subtree of 2^j leaves, in order: levels[j][i] covers leaves [i*2^j, (i+1)*2^j).
    private readonly List<HashLevel> levels = [new HashLevel()];

    /// <summary>The number of leaves.</summary>
    public long Size => levels[0].Count;

    /// <summary>Appends a record's canonical bytes as the next leaf.</summary>
    public void AppendRecord(ReadOnlySpan<byte> recordBytes)
    {
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(recordBytes, leaf);
        AppendLeafHash(leaf);
    }

    /// <summary>Appends a leaf hash (<see cref="MerkleHash.Leaf(ReadOnlySpan{byte})"/>) as the next leaf.</summary>
    public void AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"A leaf hash has {MerkleHash.Size} bytes, not {leafHash.Length}.", nameof(leafHash));
        }

        levels[0].Add(leafHash);
        Span<byte> node = stackalloc byte[MerkleHash.Size];
        for (var j = 0; levels[j].Count % 2 == 0; j++)
        {
            if (j + 1 == levels.Count)
            {
                levels.Add(new HashLevel());
            }

            var count = levels[j].Count;
            MerkleHash.Node(levels[j][count - 2], levels[j][count - 1], node);
            levels[j + 1].Add(node);
        }
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return levels[0][index].ToArray();
    }

    /// <summary>The root hash of the whole tree.</summary>
    public byte[] Root() => RootAt(Size);

    /// <summary>The root hash the tree had when it held its first <paramref name="size"/> leaves.</summary>
    public byte[] RootAt(long size)
    {
        CheckSize(size);
        return size == 0 ? MerkleHash.Empty() : SubtreeHash(0, size);
    }

    /// <summary>
    /// The audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves
    /// (RFC 9162 §2.1.3.1), nearest sibling first; check it with <see cref="MerkleProof.VerifyInclusion"/>.
    /// </summary>
    public IReadOnlyList<byte[]> InclusionProof(long index, long size)
    {
        CheckSize(size);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var path = new List<byte[]>();
        Path(index, 0, size, path);
        return path;
    }

    /// <summary>
    /// The proof that the tree of the first <paramref name="oldSize"/> leaves is a prefix of the tree of the first
    /// <paramref name="newSize"/> (RFC 9162 §2.1.4.1); check it with <see cref="MerkleProof.VerifyConsistency"/>.
    /// Empty when the sizes are equal or the old tree is empty.
    /// </summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long oldSize, long newSize)
    {
        CheckSize(newSize);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        var proof = new List<byte[]>();
        if (oldSize > 0 && oldSize < newSize)
        {
            SubProof(oldSize, 0, newSize, complete: true, proof);
        }

        return proof;
    }

    private void CheckSize(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Size);
    }

    // PATH(m, D[start:start+count]): siblings from the leaf up, so recurse first and add the sibling after.
    private void Path(long m, long start, long count, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(count);
        if (m < k)
        {
            Path(m, start, k, path);
            path.Add(SubtreeHash(start + k, count - k));
        }
        else
        {
            Path(m - k, start + k, count - k, path);
            path.Add(SubtreeHash(start, k));
        }
    }

    // SUBPROOF(m, D[start:start+count], b) of RFC 9162 §2.1.4.1.
    private void SubProof(long m, long start, long count, bool complete, List<byte[]> proof)
    {
        if (m == count)
        {
            if (!complete)
            {
                proof.Add(SubtreeHash(start, count));
            }

            return;
        }

        var k = LargestPowerOfTwoBelow(count);
        if (m <= k)
        {
            SubProof(m, start, k, complete, proof);
            proof.Add(SubtreeHash(start + k, count - k));
        }
        else
        {
            SubProof(m - k, start + k, count - k, complete: false, proof);
            proof.Add(SubtreeHash(start, k));
        }
    }

    // MTH(D[start:start+count]). Every subtree the RFC's recursion names is either a stored complete subtree (its size
    // a power of two and its start a multiple of it) or splits into one stored left part and a smaller right part.
    private byte[] SubtreeHash(long start, long count)
    {
        if (BitOperations.IsPow2(count) && start % count == 0)
        {
            return levels[BitOperations.Log2((ulong)count)][start / count].ToArray();
        }

        var k = LargestPowerOfTwoBelow(count);
        return MerkleHash.Node(SubtreeHash(start, k), SubtreeHash(start + k, count - k));
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n ≥ 2).</summary>
    internal static long LargestPowerOfTwoBelow(long n) => (long)BitOperations.RoundUpToPowerOf2((ulong)n) >> 1;

    /// <summary>Hashes of one level, in fixed-size chunks so that a long chain never needs one huge array.</summary>
    private sealed class HashLevel
    {
        private const int ChunkHashes = 1 << 14;
        private readonly List<byte[]> chunks = [];

        public long Count { get; private set; }

        public ReadOnlySpan<byte> this[long index]
        {
            get
            {
                var chunk = chunks[(int)(index / ChunkHashes)];
                return chunk.AsSpan((int)(index % ChunkHashes) * MerkleHash.Size, MerkleHash.Size);
            }
        }

        public void Add(ReadOnlySpan<byte> hash)
        {
            var offset = (int)(Count % ChunkHashes);
            if (offset == 0)
            {
                chunks.Add(new byte[ChunkHashes * MerkleHash.Size]);
            }

            hash.CopyTo(chunks[^1].AsSpan(offset * MerkleHash.Size));
            Count++;
        }
    }
}
