using System.Security.Cryptography;

namespace FinGuard.Core.Evidence.Merkle;

/// <summary>
/// The hashes of an RFC 6962 / RFC 9162 Merkle tree with SHA-256: a leaf is <c>SHA-256(0x00 || record bytes)</c>, an
/// interior node <c>SHA-256(0x01 || left || right)</c>, the empty tree <c>SHA-256()</c>. The distinct prefixes keep a
/// leaf from being passed off as a node (second-preimage resistance), as in Certificate Transparency.
/// </summary>
public static class MerkleHash
{
    /// <summary>Bytes in one hash.</summary>
    public const int Size = SHA256.HashSizeInBytes;

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>The root of the tree with no leaves: the SHA-256 of nothing.</summary>
    public static byte[] Empty() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>The leaf hash of a record's canonical bytes.</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> recordBytes)
    {
        var hash = new byte[Size];
        Leaf(recordBytes, hash);
        return hash;
    }

    /// <summary>Writes the leaf hash of <paramref name="recordBytes"/> into <paramref name="destination"/>.</summary>
    public static void Leaf(ReadOnlySpan<byte> recordBytes, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([LeafPrefix]);
        hash.AppendData(recordBytes);
        hash.GetHashAndReset(destination);
    }

    /// <summary>The hash of an interior node over its two children.</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    /// <summary>Writes the interior node hash over <paramref name="left"/> and <paramref name="right"/> into <paramref name="destination"/>.</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Size)];
        input[0] = NodePrefix;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        SHA256.HashData(input, destination);
    }
}
