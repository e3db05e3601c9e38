using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using FinGuard.Core.Evidence.Merkle;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence.TreeHeads;

/// <summary><c>proofs/{owner}/{repo}/{sequence:D12}.json</c>: record <paramref name="Sequence"/> is leaf <paramref name="LeafIndex"/> of the signed tree of <paramref name="TreeSize"/> records.</summary>
public sealed record InclusionProofFile(
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("leafIndex")] long LeafIndex,
    [property: JsonPropertyName("treeSize")] long TreeSize,
    [property: JsonPropertyName("rootSha256")] string RootSha256,
    [property: JsonPropertyName("leafSha256")] string LeafSha256,
    [property: JsonPropertyName("path")] IReadOnlyList<string> Path);

/// <summary><c>proofs/{owner}/{repo}/consistency/{from:D12}-{to:D12}.json</c>: the tree of <paramref name="FromSize"/> records is a prefix of the tree of <paramref name="ToSize"/>.</summary>
public sealed record ConsistencyProofFile(
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("fromSize")] long FromSize,
    [property: JsonPropertyName("fromRootSha256")] string FromRootSha256,
    [property: JsonPropertyName("toSize")] long ToSize,
    [property: JsonPropertyName("toRootSha256")] string ToRootSha256,
    [property: JsonPropertyName("path")] IReadOnlyList<string> Path);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(InclusionProofFile))]
[JsonSerializable(typeof(ConsistencyProofFile))]
internal sealed partial class TreeHeadProofJsonContext : JsonSerializerContext;

/// <summary>
/// The tree-head part of an evidence bundle: <c>treeheads/</c> holds the exact bytes of every signed tree-head record
/// of the exported chain, <c>proofs/</c> an inclusion proof of every exported record against the newest head and a
/// consistency proof between each pair of consecutive heads, so that an auditor can check one record, or that the
/// chain only ever grew, from the bundle alone (docs/auditor-guide.md).
/// </summary>
public static class TreeHeadProofs
{
    public const string TreeHeadsFolder = "treeheads/";
    public const string ProofsFolder = "proofs/";

    public static string InclusionPath(string chain, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{ProofsFolder}{chain}/{sequence:D12}.json");

    public static string ConsistencyPath(string chain, long from, long to) =>
        string.Create(CultureInfo.InvariantCulture, $"{ProofsFolder}{chain}/consistency/{from:D12}-{to:D12}.json");

    /// <summary>The bundle files for <paramref name="exported"/> records of <paramref name="chain"/>, given every record of the chain (to build the tree) and its heads.</summary>
    public static IReadOnlyList<(string Path, byte[] Bytes, string Kind)> Files(
        string chain, IReadOnlyList<StoredEvidence> allRecords, IReadOnlyList<StoredEvidence> exported, ChainTreeHeads heads)
    {
        ArgumentNullException.ThrowIfNull(allRecords);
        ArgumentNullException.ThrowIfNull(exported);
        ArgumentNullException.ThrowIfNull(heads);
        var files = new List<(string, byte[], string)>();
        foreach (var record in heads.Records)
        {
            files.Add((TreeHeadsFolder + record.Name, record.Bytes, "tree-head"));
        }

        if (heads.Heads.Count == 0)
        {
            return files;
        }

        var tree = ChainTree.Build(allRecords);
        var newest = heads.Heads[^1].Head;
        if (newest.Size > tree.Size)
        {
            return files; // the store lost records the head covers: no proof can be made, verify reports the cut
        }

        for (var i = 1; i < heads.Heads.Count; i++)
        {
            var from = heads.Heads[i - 1].Head;
            var to = heads.Heads[i].Head;
            var proof = new ConsistencyProofFile(chain, from.Size, from.RootSha256, to.Size, to.RootSha256,
                [.. tree.ConsistencyProof(from.Size, to.Size).Select(Convert.ToHexStringLower)]);
            files.Add((ConsistencyPath(chain, from.Size, to.Size), JsonSerializer.SerializeToUtf8Bytes(proof, TreeHeadProofJsonContext.Default.ConsistencyProofFile), "proof"));
        }

        foreach (var record in exported)
        {
            if (EvidenceObjectNames.TryParseObjectName(record.Name, out _, out var sequence) && sequence <= newest.Size)
            {
                var proof = new InclusionProofFile(chain, sequence, sequence - 1, newest.Size, newest.RootSha256,
                    Convert.ToHexStringLower(MerkleHash.Leaf(record.Bytes)),
                    [.. tree.InclusionProof(sequence - 1, newest.Size).Select(Convert.ToHexStringLower)]);
                files.Add((InclusionPath(chain, sequence), JsonSerializer.SerializeToUtf8Bytes(proof, TreeHeadProofJsonContext.Default.InclusionProofFile), "proof"));
            }
        }

        return files;
    }

    /// <summary>
    /// Checks a bundle's tree heads and proofs: every head's signature (against the key id <paramref name="trust"/> pins when
    /// given) and time-stamp token, a verifying consistency proof between consecutive heads, a verifying inclusion
    /// proof for every exported record the newest head covers, and, for a bundle exported to the end of the chain,
    /// that it holds every record the newest head counts.
    /// </summary>
    public static void Verify(
        IReadOnlyDictionary<string, byte[]> files, string? repository, DeclaredChainRange? declared, bool toEnd,
        IReadOnlyList<StoredEvidence> records, EvidenceVerification verification, TreeHeadTrust trust)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(verification);
        ArgumentNullException.ThrowIfNull(trust);
        var heads = new List<SignedTreeHead>();
        foreach (var (path, bytes) in files.Where(f => f.Key.StartsWith(TreeHeadsFolder, StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var signed = TreeHeadRecords.TryRead(path, bytes, out var problem);
            if (signed is null)
            {
                verification.Fail(path, problem!);
                continue;
            }

            if (CheckHead(signed, trust, verification))
            {
                heads.Add(signed);
            }
        }

        if (repository is null)
        {
            return;
        }

        var own = heads.Where(h => h.Head.Chain == repository).OrderBy(h => h.Head.Size).ThenBy(h => h.Head.Timestamp).ToList();
        if (own.Count == 0)
        {
            verification.Note($"{repository}: the bundle carries no signed tree head (none was signed yet, or it was exported before tree heads existed): its records are checked by their hash chain only.");
            return;
        }

        for (var i = 1; i < own.Count; i++)
        {
            var from = own[i - 1].Head;
            var to = own[i].Head;
            var path = ConsistencyPath(repository, from.Size, to.Size);
            if (from.Size == to.Size)
            {
                if (from.RootSha256 != to.RootSha256)
                {
                    verification.Fail(own[i].ObjectName, string.Create(CultureInfo.InvariantCulture,
                        $"signs root {to.RootSha256} for {to.Size} record(s), but {own[i - 1].ObjectName} signed {from.RootSha256} for the same size: the history was rewritten"));
                }

                continue;
            }

            if (ReadProof(files, path, TreeHeadProofJsonContext.Default.ConsistencyProofFile, verification) is not { } proof)
            {
                continue;
            }

            if (proof.FromSize != from.Size || proof.ToSize != to.Size || proof.FromRootSha256 != from.RootSha256 || proof.ToRootSha256 != to.RootSha256
                || !TryHashes(proof.Path, out var path2)
                || !MerkleProof.VerifyConsistency(from.Size, to.Size, Convert.FromHexString(from.RootSha256), Convert.FromHexString(to.RootSha256), path2))
            {
                verification.Fail(path, string.Create(CultureInfo.InvariantCulture,
                    $"does not prove that the tree head of {from.Size} record(s) ({own[i - 1].ObjectName}) is a prefix of the one of {to.Size} ({own[i].ObjectName}): the history between them was rewritten, or the proof was"));
            }
        }

        var newest = own[^1];
        foreach (var record in records)
        {
            if (!EvidenceObjectNames.TryParseObjectName(record.Name, out var chain, out var sequence) || chain != repository || sequence > newest.Head.Size)
            {
                continue;
            }

            var path = InclusionPath(repository, sequence);
            if (ReadProof(files, path, TreeHeadProofJsonContext.Default.InclusionProofFile, verification) is not { } proof)
            {
                continue;
            }

            var leaf = MerkleHash.Leaf(record.Bytes);
            if (proof.TreeSize != newest.Head.Size || proof.RootSha256 != newest.Head.RootSha256 || proof.LeafIndex != sequence - 1
                || !TryHashes(proof.Path, out var hashes)
                || !MerkleProof.VerifyInclusion(sequence - 1, newest.Head.Size, leaf, hashes, Convert.FromHexString(newest.Head.RootSha256)))
            {
                verification.Fail(RecordsName(record), string.Create(CultureInfo.InvariantCulture,
                    $"is not leaf {sequence - 1} of the tree head of {newest.Head.Size} record(s) signed at {newest.Head.Timestamp:O} ({newest.ObjectName}): the record differs from the one that was signed, or its proof {path} was changed"));
            }
        }

        var last = declared?.Last ?? 0;
        if (toEnd && last < newest.Head.Size)
        {
            verification.Fail(repository, string.Create(CultureInfo.InvariantCulture,
                $"the bundle ends at record {last}, but the tree head signed at {newest.Head.Timestamp:O} ({newest.ObjectName}) states the chain held {newest.Head.Size}: the newest records were cut off"));
        }
        else if (last > newest.Head.Size)
        {
            verification.Note(string.Create(CultureInfo.InvariantCulture,
                $"{repository}: records {newest.Head.Size + 1} to {last} are newer than the newest signed tree head ({newest.Head.Timestamp:O}); they are checked by their hash chain only until the next head."));
        }

        verification.Note(string.Create(CultureInfo.InvariantCulture,
            $"{repository}: {own.Count} signed tree head(s), newest {newest.Head.Size} record(s) root {newest.Head.RootSha256} at {newest.Head.Timestamp:O}, key {newest.KeyId}{(trust.KeyId is null ? " (not pinned: compare it with the key id FinGuard's operators published, or pass --tree-key)" : " (the key you gave)")}."));
    }

    /// <summary>Signature and time-stamp token of one head; false (with failures recorded) when either does not hold.</summary>
    public static bool CheckHead(SignedTreeHead treeHead, TreeHeadTrust trust, EvidenceVerification verification)
    {
        ArgumentNullException.ThrowIfNull(treeHead);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(verification);
        if (TreeHeadRecords.CheckSignature(treeHead, trust.KeyId) is { } problem)
        {
            verification.Fail(treeHead.ObjectName, problem);
            return false;
        }

        if (treeHead.TimestampToken is { } token)
        {
            if (TreeHeadTimestamper.Check(token, treeHead.Head.SignedText(), trust.TimestampAuthority, out var tokenProblem) is { } stamped)
            {
                verification.Note(string.Create(CultureInfo.InvariantCulture,
                    $"{treeHead.ObjectName}: time-stamped at {stamped.Time:O} by {stamped.Authority}{(trust.TimestampAuthority is null ? " (authority not pinned: pass --tsa-cert)" : "")}."));
            }
            else
            {
                verification.Fail(treeHead.ObjectName, tokenProblem!);
                return false;
            }
        }
        else if (trust.TimestampAuthority is not null)
        {
            verification.Fail(treeHead.ObjectName, "has no RFC 3161 time-stamp token, but you asked for one (--tsa-cert)");
            return false;
        }

        return true;
    }

    private static string RecordsName(StoredEvidence record) => EvidenceBundle.RecordsFolder + record.Name;

    private static T? ReadProof<T>(IReadOnlyDictionary<string, byte[]> files, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, EvidenceVerification verification)
        where T : class
    {
        if (!files.TryGetValue(path, out var bytes))
        {
            verification.Fail(path, "is missing: the bundle has a signed tree head but not this proof");
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            verification.Fail(path, $"is not a readable proof ({ex.Message.Split('\n')[0].Trim()})");
            return null;
        }
    }

    private static bool TryHashes(IReadOnlyList<string>? hex, out List<byte[]> hashes)
    {
        hashes = [];
        foreach (var h in hex ?? [])
        {
            if (h is null || h.Length != 2 * MerkleHash.Size)
            {
                return false;
            }

            try
            {
                hashes.Add(Convert.FromHexString(h));
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>What the auditor trusts: the tree-head key id (null: whatever key the heads carry) and the time-stamping authority's certificate (null: any).</summary>
public sealed record TreeHeadTrust(string? KeyId, X509Certificate2? TimestampAuthority)
{
    public static TreeHeadTrust None { get; } = new(null, null);
}
