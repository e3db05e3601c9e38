using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Core.Evidence.Merkle;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence.TreeHeads;

/// <summary>A signed tree head read back from its evidence record.</summary>
/// <param name="Head">What it states.</param>
/// <param name="KeyId">The signing key's id.</param>
/// <param name="PublicKey">The signing key's DER SubjectPublicKeyInfo, as the record carries it.</param>
/// <param name="Signature">The DER ECDSA signature over <see cref="TreeHead.SignedText"/>.</param>
/// <param name="TimestampToken">The RFC 3161 time-stamp token over the same text, when a TSA was configured.</param>
/// <param name="ObjectName">The evidence record it was read from.</param>
public sealed record SignedTreeHead(TreeHead Head, string KeyId, byte[] PublicKey, byte[] Signature, byte[]? TimestampToken, string ObjectName);

/// <summary>
/// Signed tree heads as evidence records, written write-once into the same store as every decision (so both backends
/// keep them under the evidence container's WORM policy), one record per head in the organisation's chain
/// <c>{org}/_treeheads</c>:
/// <list type="bullet">
/// <item><c>action</c> <c>treehead.signed</c>; <c>subject.type</c> <c>tree_head</c>; <c>subject.id</c> and
/// <c>subject.repository</c> the chain it covers; <c>subject.headSha</c> the root hash;</item>
/// <item><c>deliveryId</c> <c>treehead:{chain}:{size}</c>: one head per chain and size;</item>
/// <item>one fact, <c>tree-head</c>: <c>{"chain","size","rootSha256","timestamp","algorithm","keyId","publicKey","signature","timestampToken"}</c>
/// (key, signature and token base64; the token omitted without a TSA).</item>
/// </list>
/// The signature, not the record's place in the chain, is what an auditor relies on: it is made with a key the
/// evidence writer does not hold in its storage.
/// </summary>
public static class TreeHeadRecords
{
    public const string Action = "treehead.signed";
    public const string SubjectType = "tree_head";
    public const string RepositoryName = "_treeheads";
    public const string HeadFact = "tree-head";

    /// <summary>The tree-head chain of an organisation: <c>{org}/_treeheads</c>.</summary>
    public static string ChainOf(string organisation) => $"{CheckpointChainCatalog.NormalizeOrganisation(organisation)}/{RepositoryName}";

    /// <summary>True for chains FinGuard keeps about other chains (checkpoints, tree heads): no tree head is signed over them.</summary>
    public static bool IsSystemChain(string chain) =>
        chain is not null && chain.Split('/') is [_, var repo] && repo.StartsWith('_');

    public static EvidenceRecord Create(
        TreeHead head, string keyId, byte[] publicKey, byte[] signature, byte[]? timestampToken, string finGuardVersion, string mode, string source)
    {
        ArgumentNullException.ThrowIfNull(head);
        var org = head.Chain.Split('/')[0];
        var body = new JsonObject
        {
            ["chain"] = head.Chain,
            ["size"] = head.Size,
            ["rootSha256"] = head.RootSha256,
            ["timestamp"] = Format(head.Timestamp),
            ["algorithm"] = TreeHead.Algorithm,
            ["keyId"] = keyId,
            ["publicKey"] = Convert.ToBase64String(publicKey),
            ["signature"] = Convert.ToBase64String(signature),
        };
        if (timestampToken is not null)
        {
            body["timestampToken"] = Convert.ToBase64String(timestampToken);
        }

        var element = JsonSerializer.SerializeToElement(body);
        var bodySha = CanonicalJson.Sha256(element);
        return new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(head.Timestamp).ToString(),
            Chain = ChainOf(org),
            Timestamp = head.Timestamp,
            FinGuardVersion = finGuardVersion,
            Mode = mode,
            Action = Action,
            Source = source,
            DeliveryId = DeliveryIdOf(head.Chain, head.Size),
            Actor = new EvidenceActor("system", null, "finguard"),
            Subject = new EvidenceSubject { Type = SubjectType, Id = head.Chain, Repository = head.Chain, HeadSha = head.RootSha256 },
            Facts = [new EvidenceFact(HeadFact, string.Create(CultureInfo.InvariantCulture, $"finguard:tree-head?chain={head.Chain}&size={head.Size}"), bodySha, element)],
            Policy = new EvidencePolicy("none", [], JsonSerializer.SerializeToElement(new JsonObject())),
            Result = new EvidenceResult("recorded", "neutral", "tree-head",
                string.Create(CultureInfo.InvariantCulture, $"Signed tree head of {head.Chain}: {head.Size} record(s)"), []),
        };
    }

    public static string DeliveryIdOf(string chain, long size) => string.Create(CultureInfo.InvariantCulture, $"treehead:{chain}:{size}");

    /// <summary>Reads a tree-head record; null with a reason when the bytes are not a well-formed one.</summary>
    public static SignedTreeHead? TryRead(string objectName, byte[] bytes, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        problem = null;
        try
        {
            var record = EvidenceSerializer.FromBytes(bytes);
            if (record.Action != Action || record.Facts.FirstOrDefault(f => f.Name == HeadFact) is not { } fact)
            {
                problem = $"is not a tree-head record (action '{record.Action}')";
                return null;
            }

            var body = fact.Body;
            var head = new TreeHead(
                body.GetProperty("chain").GetString() ?? throw new FormatException("chain is null"),
                body.GetProperty("size").GetInt64(),
                body.GetProperty("rootSha256").GetString() ?? throw new FormatException("rootSha256 is null"),
                DateTimeOffset.Parse(body.GetProperty("timestamp").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
            var token = body.TryGetProperty("timestampToken", out var t) ? Convert.FromBase64String(t.GetString() ?? "") : null;
            return new SignedTreeHead(
                head,
                body.GetProperty("keyId").GetString() ?? "",
                Convert.FromBase64String(body.GetProperty("publicKey").GetString() ?? ""),
                Convert.FromBase64String(body.GetProperty("signature").GetString() ?? ""),
                token,
                objectName);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            problem = $"is not a well-formed tree-head record: {ex.Message}";
            return null;
        }
    }

    /// <summary>Whether the head's own public key matches its key id and signs its text; a problem otherwise.</summary>
    public static string? CheckSignature(SignedTreeHead treeHead, string? pinnedKeyId)
    {
        ArgumentNullException.ThrowIfNull(treeHead);
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(treeHead.PublicKey, out _);
        }
        catch (CryptographicException ex)
        {
            return $"its public key cannot be read ({ex.Message})";
        }

        var keyId = TreeHead.KeyIdOf(key);
        if (!string.Equals(keyId, treeHead.KeyId, StringComparison.Ordinal))
        {
            return $"its public key has id {keyId}, not the {treeHead.KeyId} it states";
        }

        if (pinnedKeyId is not null && !string.Equals(keyId, pinnedKeyId, StringComparison.Ordinal))
        {
            return $"is signed with key {keyId}, not the tree-head key {pinnedKeyId} you gave; whoever signed it is not FinGuard's tree-head key";
        }

        return treeHead.Head.VerifySignature(treeHead.Signature, key)
            ? null
            : "its signature does not verify: the head (chain, size, root or time) was changed after signing, or it was never signed by this key";
    }

    private static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
