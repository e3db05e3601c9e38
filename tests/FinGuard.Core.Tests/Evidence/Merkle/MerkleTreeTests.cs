using FinGuard.Core.Evidence.Merkle;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace FinGuard.Core.Tests.Evidence.Merkle;

/// <summary>
/// The Merkle tree against RFC 6962's published test vectors and, property-tested, against the RFC's recursive
/// definition of the root: every inclusion and consistency proof of every size verifies, and changing any bit of a
/// leaf, a proof hash, a root, an index or a size makes it fail.
/// </summary>
public sealed class MerkleTreeTests
{
    // The leaves and roots of the Certificate Transparency reference test (RFC 6962 implementations share them).
    private static readonly string[] VectorLeaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    private static readonly string[] VectorRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Roots_match_the_RFC_6962_test_vectors()
    {
        var tree = new MerkleTree();
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(tree.Root()));
        for (var i = 0; i < VectorLeaves.Length; i++)
        {
            tree.AppendRecord(Convert.FromHexString(VectorLeaves[i]));
            Assert.Equal(VectorRoots[i], Convert.ToHexStringLower(tree.Root()));
        }

        for (var size = 1; size <= VectorLeaves.Length; size++)
        {
            Assert.Equal(VectorRoots[size - 1], Convert.ToHexStringLower(tree.RootAt(size)));
        }
    }

    [Property(MaxTest = 200)]
    public bool Root_equals_the_RFC_definition(PositiveInt size, int seed)
    {
        var (tree, leaves) = Build(size.Get % 200, seed);
        return Enumerable.Range(0, leaves.Count + 1).All(m => tree.RootAt(m).AsSpan().SequenceEqual(ReferenceRoot(leaves.Take(m).ToList())));
    }

    [Property(MaxTest = 100)]
    public bool Every_inclusion_proof_verifies_for_every_size(PositiveInt size, int seed)
    {
        var (tree, _) = Build((size.Get % 70) + 1, seed);
        for (long n = 1; n <= tree.Size; n++)
        {
            var root = tree.RootAt(n);
            for (long i = 0; i < n; i++)
            {
                if (!MerkleProof.VerifyInclusion(i, n, tree.LeafHash(i), tree.InclusionProof(i, n), root))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public bool Every_consistency_proof_verifies_for_every_pair_of_sizes(PositiveInt size, int seed)
    {
        var (tree, _) = Build((size.Get % 70) + 1, seed);
        for (long n = 0; n <= tree.Size; n++)
        {
            for (long m = 0; m <= n; m++)
            {
                if (!MerkleProof.VerifyConsistency(m, n, tree.RootAt(m), tree.RootAt(n), tree.ConsistencyProof(m, n)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 500)]
    public bool Changing_any_bit_of_an_inclusion_proof_fails_it(PositiveInt size, int seed, NonNegativeInt which, NonNegativeInt bit)
    {
        var (tree, _) = Build((size.Get % 300) + 1, seed);
        var random = new Random(seed);
        var n = random.NextInt64(1, tree.Size + 1);
        var i = random.NextInt64(0, n);
        var leaf = tree.LeafHash(i);
        var proof = tree.InclusionProof(i, n).Select(p => p.ToArray()).ToList();
        var root = tree.RootAt(n);

        // One bit of the leaf, of a proof hash or of the root, chosen by 'which'.
        var targets = new List<byte[]> { leaf, root };
        targets.AddRange(proof);
        var target = targets[which.Get % targets.Count];
        target[bit.Get / 8 % MerkleHash.Size] ^= (byte)(1 << (bit.Get % 8));
        return !MerkleProof.VerifyInclusion(i, n, leaf, proof, root);
    }

    // The size is not checked here: the RFC's algorithm accepts some proofs of a left-hand leaf under a neighbouring
    // size, which is why a proof is only ever checked against a signed tree head that states size and root together.
    [Property(MaxTest = 300)]
    public bool An_inclusion_proof_holds_for_its_own_leaf_and_position_only(PositiveInt size, int seed)
    {
        var (tree, _) = Build((size.Get % 300) + 2, seed);
        var random = new Random(seed);
        var n = random.NextInt64(2, tree.Size + 1);
        var i = random.NextInt64(0, n);
        var proof = tree.InclusionProof(i, n);
        var root = tree.RootAt(n);
        var leaf = tree.LeafHash(i);
        var otherIndex = (i + random.NextInt64(1, n)) % n;
        return !MerkleProof.VerifyInclusion(otherIndex, n, leaf, proof, root)
            && !MerkleProof.VerifyInclusion(i, n, tree.LeafHash(otherIndex), proof, root)
            && !MerkleProof.VerifyInclusion(i, n, leaf, proof.Take(proof.Count - 1).ToList(), root)
            && !MerkleProof.VerifyInclusion(i, n, leaf, [.. proof, root], root);
    }

    [Property(MaxTest = 500)]
    public bool Changing_any_bit_of_a_consistency_proof_fails_it(PositiveInt size, int seed, NonNegativeInt which, NonNegativeInt bit)
    {
        var (tree, _) = Build((size.Get % 300) + 2, seed);
        var random = new Random(seed);
        var n = random.NextInt64(2, tree.Size + 1);
        var m = random.NextInt64(1, n);
        var proof = tree.ConsistencyProof(m, n).Select(p => p.ToArray()).ToList();
        var oldRoot = tree.RootAt(m);
        var newRoot = tree.RootAt(n);
        var targets = new List<byte[]> { oldRoot, newRoot };
        targets.AddRange(proof);
        var target = targets[which.Get % targets.Count];
        target[bit.Get / 8 % MerkleHash.Size] ^= (byte)(1 << (bit.Get % 8));
        return !MerkleProof.VerifyConsistency(m, n, oldRoot, newRoot, proof);
    }

    [Property(MaxTest = 300)]
    public bool A_rewritten_or_removed_leaf_breaks_consistency_with_the_old_head(PositiveInt size, int seed, NonNegativeInt at)
    {
        // The history an attacker with write access would present: the old tree head's leaves with one of them
        // rewritten (or removed and the rest moved up), then new leaves. No proof from that tree may verify.
        var (tree, leaves) = Build((size.Get % 200) + 2, seed);
        var random = new Random(seed);
        var m = random.NextInt64(1, tree.Size);
        var victim = (int)(at.Get % m);
        var oldRoot = tree.RootAt(m);

        var rewritten = new MerkleTree();
        var removed = new MerkleTree();
        for (var i = 0; i < leaves.Count; i++)
        {
            rewritten.AppendRecord(i == victim ? [.. leaves[i], 0x2a] : leaves[i]);
            if (i != victim)
            {
                removed.AppendRecord(leaves[i]);
            }
        }

        return !MerkleProof.VerifyConsistency(m, rewritten.Size, oldRoot, rewritten.Root(), rewritten.ConsistencyProof(m, rewritten.Size))
            && !MerkleProof.VerifyConsistency(m, removed.Size, oldRoot, removed.Root(), removed.ConsistencyProof(m, removed.Size));
    }

    [Fact]
    public void Proofs_have_logarithmic_length()
    {
        var tree = new MerkleTree();
        for (var i = 0; i < 5000; i++)
        {
            tree.AppendRecord(BitConverter.GetBytes(i));
        }

        Assert.All(new long[] { 0, 1, 2499, 4096, 4999 }, i => Assert.InRange(tree.InclusionProof(i, 5000).Count, 1, 13));
        Assert.InRange(tree.ConsistencyProof(1234, 5000).Count, 1, 2 * 13);
        Assert.Empty(tree.ConsistencyProof(5000, 5000));
        Assert.Empty(tree.ConsistencyProof(0, 5000));
    }

    private static (MerkleTree Tree, List<byte[]> Leaves) Build(int size, int seed)
    {
        var random = new Random(seed);
        var tree = new MerkleTree();
        var leaves = new List<byte[]>();
        for (var i = 0; i < size; i++)
        {
            // Distinct leaves (the index is part of each), of random length including empty-looking ones.
            var bytes = new byte[random.Next(0, 40) + 4];
            random.NextBytes(bytes);
            BitConverter.TryWriteBytes(bytes, i);
            leaves.Add(bytes);
            tree.AppendRecord(bytes);
        }

        return (tree, leaves);
    }

    // MTH of RFC 9162 §2.1.1, written from the definition with no stored nodes.
    private static byte[] ReferenceRoot(List<byte[]> leaves) => leaves.Count switch
    {
        0 => MerkleHash.Empty(),
        1 => MerkleHash.Leaf(leaves[0]),
        _ => MerkleHash.Node(
            ReferenceRoot(leaves.Take((int)MerkleTree.LargestPowerOfTwoBelow(leaves.Count)).ToList()),
            ReferenceRoot(leaves.Skip((int)MerkleTree.LargestPowerOfTwoBelow(leaves.Count)).ToList())),
    };
}
