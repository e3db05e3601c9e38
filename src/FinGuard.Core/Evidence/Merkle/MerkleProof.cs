using System.Security.Cryptography;

namespace FinGuard.Core.Evidence.Merkle;

/// <summary>
/// Verification of RFC 9162 proofs from the proof alone: an auditor needs the leaf (or the two roots) and a handful of
/// hashes, never the tree. These follow the RFC's verification algorithms (§2.1.3.2 and §2.1.4.2) step by step.
/// </summary>
public static class MerkleProof
{
    /// <summary>
    /// True when <paramref name="proof"/> shows that <paramref name="leafHash"/> is leaf <paramref name="index"/> of the
    /// tree of <paramref name="size"/> leaves whose root is <paramref name="root"/>.
    /// </summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0 || index >= size || leafHash.Length != MerkleHash.Size || root.Length != MerkleHash.Size)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0 || p is null || p.Length != MerkleHash.Size)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// True when <paramref name="proof"/> shows that the tree of <paramref name="oldSize"/> leaves with root
    /// <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/> leaves with root
    /// <paramref name="newRoot"/>: nothing the old tree held was changed or removed, only leaves were added.
    /// </summary>
    public static bool VerifyConsistency(
        long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (oldSize < 0 || oldSize > newSize || oldRoot.Length != MerkleHash.Size || newRoot.Length != MerkleHash.Size)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        }

        if (oldSize == 0)
        {
            // Every tree extends the empty tree; its root is the hash of nothing.
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, MerkleHash.Empty());
        }

        if (proof.Count == 0 || proof.Any(p => p is null || p.Length != MerkleHash.Size))
        {
            return false;
        }

        var path = new List<byte[]>(proof.Count + 1);
        if ((oldSize & (oldSize - 1)) == 0)
        {
            path.Add(oldRoot.ToArray());
        }

        path.AddRange(proof);
        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, oldRoot) && CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }
}
