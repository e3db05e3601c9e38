using System.Globalization;
using FinGuard.Core.Evidence;
using FinGuard.Core.Evidence.Merkle;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence.TreeHeads;

/// <summary>What <see cref="TreeHeadWriter"/> did for one chain.</summary>
/// <param name="Chain">The chain.</param>
/// <param name="Size">The records the tree covers (0 when nothing could be signed).</param>
/// <param name="RootSha256">The root hash signed, or null.</param>
/// <param name="Written">True when a new head was written; false when the newest head already covers the chain, or on a problem.</param>
/// <param name="BlobName">The tree-head record written, or null.</param>
/// <param name="Problems">Why no head was signed (damage found in the chain, its index, or against an earlier head).</param>
public sealed record TreeHeadOutcome(string Chain, long Size, string? RootSha256, bool Written, string? BlobName, IReadOnlyList<string> Problems);

/// <summary>
/// Signs the tree head of each repository chain that grew since its newest head (<see cref="TreeHeadRecords"/>). Before
/// signing it reads every record of the chain and refuses, naming the damage, when the chain does not verify, an index
/// row disagrees with its record or is missing, or the records no longer hash to an earlier signed head's root (history
/// rewritten or cut): a head is never signed over damaged evidence, and a refusal is an alert for the operators.
/// </summary>
public sealed class TreeHeadWriter(
    IEvidenceStore store, ICheckpointChainCatalog catalog, ITreeHeadSigner signer, EvidenceModeState mode, TimeProvider time, TreeHeadTimestamper? timestamper = null)
{
    public const string Source = "finguard-timer:" + TreeHeadJob.JobName;

    /// <summary>Signs the head of every repository chain of every organisation in the store.</summary>
    public async Task<IReadOnlyList<TreeHeadOutcome>> WriteAllAsync(CancellationToken cancellationToken)
    {
        var outcomes = new List<TreeHeadOutcome>();
        await foreach (var organisation in catalog.ListOrganisationsAsync(cancellationToken))
        {
            await foreach (var chain in catalog.ListChainsAsync(organisation, cancellationToken))
            {
                if (!TreeHeadRecords.IsSystemChain(chain))
                {
                    outcomes.Add(await WriteAsync(chain, cancellationToken));
                }
            }
        }

        return outcomes;
    }

    /// <summary>Signs <paramref name="chain"/>'s head now, unless its newest head already covers every record.</summary>
    public async Task<TreeHeadOutcome> WriteAsync(string chain, CancellationToken cancellationToken)
    {
        var normalized = EvidenceObjectNames.NormalizeChain(chain);
        var stored = await EvidenceStoreReader.ReadAsync(store, normalized, cancellationToken);
        var problems = new List<string>(stored.Problems);
        var verification = EvidenceChainVerifier.Verify(stored.Objects, new EvidenceVerificationScope { RequiredChains = [normalized] });
        problems.AddRange(verification.Failures);

        // Checked against the earlier heads even when the chain is damaged, so that the refusal names a cut or rewrite.
        var tree = ChainTree.Build(stored.Objects);
        var heads = await TreeHeadReader.ReadAsync(store, normalized, cancellationToken);
        problems.AddRange(heads.Problems);
        foreach (var previous in heads.Heads)
        {
            problems.AddRange(ChainTree.Check(tree, previous));
        }

        if (problems.Count > 0)
        {
            return new TreeHeadOutcome(normalized, 0, null, false, null, problems);
        }

        var root = Convert.ToHexStringLower(tree.Root());
        if (heads.Heads.Count > 0 && heads.Heads[^1].Head.Size == tree.Size)
        {
            return new TreeHeadOutcome(normalized, tree.Size, root, false, heads.Heads[^1].ObjectName, []);
        }

        var head = new TreeHead(normalized, tree.Size, root, time.GetUtcNow());
        var text = head.SignedText();
        var signature = await signer.SignAsync(text, cancellationToken);
        var token = timestamper is null ? null : await timestamper.TimestampAsync(text, cancellationToken);
        var record = TreeHeadRecords.Create(head, signer.KeyId, signer.PublicKey, signature, token, Hosting.FinGuardApp.Version, mode.Current, Source);
        var receipt = await store.AppendAsync(record, cancellationToken);
        return new TreeHeadOutcome(normalized, tree.Size, root, true, receipt.BlobName, []);
    }

    /// <summary>One line per outcome, for the job log and the CLI.</summary>
    public static string Describe(TreeHeadOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Problems.Count > 0
            ? $"{outcome.Chain}: NO tree head signed: {string.Join("; ", outcome.Problems)}"
            : string.Create(CultureInfo.InvariantCulture,
                $"{outcome.Chain}: {(outcome.Written ? "signed" : "already signed")} tree head of {outcome.Size} record(s), root {outcome.RootSha256} ({outcome.BlobName})");
    }
}

/// <summary>The Merkle tree of a chain's records and its checks against signed heads.</summary>
public static class ChainTree
{
    /// <summary>The tree over records 1..N (the objects in sequence order; a verified chain has no gap).</summary>
    public static MerkleTree Build(IEnumerable<StoredEvidence> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var tree = new MerkleTree();
        foreach (var stored in objects.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            tree.AppendRecord(stored.Bytes);
        }

        return tree;
    }

    /// <summary>How the records disagree with a signed head: fewer records than it states, or a different root at its size.</summary>
    public static IReadOnlyList<string> Check(MerkleTree tree, SignedTreeHead treeHead)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(treeHead);
        var head = treeHead.Head;
        if (head.Size > tree.Size)
        {
            return [string.Create(CultureInfo.InvariantCulture,
                $"{treeHead.ObjectName}: the tree head signed at {head.Timestamp:O} states {head.Chain} held {head.Size} record(s), but the store holds {tree.Size}: records {tree.Size + 1} to {head.Size} were deleted (history cut off)")];
        }

        var root = Convert.ToHexStringLower(tree.RootAt(head.Size));
        return string.Equals(root, head.RootSha256, StringComparison.Ordinal)
            ? []
            : [string.Create(CultureInfo.InvariantCulture,
                $"{treeHead.ObjectName}: records 1 to {head.Size} of {head.Chain} hash to root {root}, not the {head.RootSha256} signed at {head.Timestamp:O}: a record it covers was rewritten, removed or reordered")];
    }
}

/// <summary>The signed tree heads of one chain, oldest (smallest) first, and the tree-head records that could not be read.</summary>
public sealed record ChainTreeHeads(IReadOnlyList<SignedTreeHead> Heads, IReadOnlyList<string> Problems, IReadOnlyList<StoredEvidence> Records);

/// <summary>Reads a chain's signed tree heads from its organisation's <c>_treeheads</c> chain.</summary>
public static class TreeHeadReader
{
    public static async Task<ChainTreeHeads> ReadAsync(IEvidenceStore store, string chain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var normalized = EvidenceObjectNames.NormalizeChain(chain);
        var stored = await EvidenceStoreReader.ReadAsync(store, TreeHeadRecords.ChainOf(normalized.Split('/')[0]), cancellationToken);
        var heads = new List<SignedTreeHead>();
        var records = new List<StoredEvidence>();
        var problems = new List<string>(stored.Problems);
        foreach (var record in stored.Objects)
        {
            var signed = TreeHeadRecords.TryRead(record.Name, record.Bytes, out var problem);
            if (signed is null)
            {
                problems.Add($"{record.Name}: {problem}");
            }
            else if (signed.Head.Chain == normalized)
            {
                heads.Add(signed);
                records.Add(record);
            }
        }

        return new ChainTreeHeads([.. heads.OrderBy(h => h.Head.Size).ThenBy(h => h.Head.Timestamp)], problems, records);
    }
}
