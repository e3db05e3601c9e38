using System.Collections.Immutable;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>Whether an approval of an earlier head carries over to the current head, and if not, why.</summary>
/// <param name="Kept">True when every commit between the approved one and the head is an update merge that brings only the base branch's changes.</param>
/// <param name="Merges">The update merges walked over, head first (short SHAs).</param>
/// <param name="Reason">Why the approval does not carry over; null when it does.</param>
public sealed record UpdateMergeJudgement(bool Kept, ImmutableArray<string> Merges, string? Reason);

/// <summary>
/// <c>separation-of-duties.ignore-update-merges</c>: GitHub's "Update branch" button merges the base branch into the pull
/// request's branch, which makes a new head and, by default, makes every approval stale. With the setting on, an
/// approval of commit A still counts on head H when, walking from H back to A along first parents, every commit M is an
/// update merge, which FinGuard checks from GitHub's answers alone:
/// <list type="number">
/// <item>GitHub made it: committer <c>web-flow</c> and a signature GitHub verified;</item>
/// <item>it merges exactly two parents, P1 (the branch) and P2, and P2 is a commit of the base branch:
/// <c>compare/{base}...{P2}</c> is <c>behind</c> or <c>identical</c>;</item>
/// <item>it brings nothing but the base branch's changes: the files <c>compare/{P1}...{M}</c> lists (what M adds to
/// the branch) are exactly those <c>compare/{P1}...{P2}</c> lists (what the base branch changed since the branch last
/// met it), each with the same status and the same resulting blob. A file both sides changed differs, so a merge that
/// had to combine them (or resolve a conflict) is not carried over; neither is anything GitHub lists 300 files or more
/// for, since it may have left files out.</item>
/// </list>
/// Anything else after the approval — a commit of the author, a merge a person made, a comparison FinGuard did not
/// read — makes it stale, as without the setting. Pure: it reads only the snapshot.
/// </summary>
public static class UpdateMerges
{
    /// <summary>The most files GitHub lists in a comparison.</summary>
    public const int MaxCompareFiles = 300;

    /// <summary>The comparison that tells whether <paramref name="sha"/> is a commit of <paramref name="baseRef"/>.</summary>
    public static string OnBase(string baseRef, string sha)
    {
        ArgumentNullException.ThrowIfNull(baseRef);
        return $"{Uri.EscapeDataString(baseRef)}...{sha}";
    }

    /// <summary><c>{base}...{head}</c> of two commits.</summary>
    public static string Between(string @base, string head) => $"{@base}...{head}";

    /// <summary>
    /// The comparisons to read before <see cref="Judge"/> can carry an approval over: for each commit from the head back
    /// along first parents that looks like an update merge (two parents, made and signed by GitHub), until one that does
    /// not or the first commit of the pull request. Nothing when the head itself is not one.
    /// </summary>
    public static IReadOnlyList<string> ComparisonsToRead(string headSha, string baseRef, IReadOnlyList<CommitFact> commits)
    {
        ArgumentNullException.ThrowIfNull(commits);
        var bySha = commits.ToDictionary(c => c.Sha, StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        var current = headSha;
        for (var steps = 0; steps < commits.Count && bySha.TryGetValue(current, out var commit) && LooksLikeUpdateMerge(commit); steps++)
        {
            result.Add(OnBase(baseRef, commit.Parents[1]));
            result.Add(Between(commit.Parents[0], commit.Sha));
            result.Add(Between(commit.Parents[0], commit.Parents[1]));
            current = commit.Parents[0];
        }

        return result;
    }

    /// <summary>Whether an approval of <paramref name="approvedSha"/> carries over to the head of <paramref name="pr"/>.</summary>
    public static UpdateMergeJudgement Judge(PullRequestSnapshot pr, string? approvedSha)
    {
        ArgumentNullException.ThrowIfNull(pr);
        if (approvedSha is null)
        {
            return new UpdateMergeJudgement(false, [], "GitHub did not say which commit was approved");
        }

        var bySha = pr.Commits.ToDictionary(c => c.Sha, StringComparer.OrdinalIgnoreCase);
        var merges = ImmutableArray.CreateBuilder<string>();
        var current = pr.HeadSha;
        for (var steps = 0; steps <= pr.Commits.Length; steps++)
        {
            if (string.Equals(current, approvedSha, StringComparison.OrdinalIgnoreCase))
            {
                return new UpdateMergeJudgement(true, merges.ToImmutable(), null);
            }

            if (!bySha.TryGetValue(current, out var commit))
            {
                break;
            }

            if (Refusal(pr, commit) is { } reason)
            {
                return new UpdateMergeJudgement(false, merges.ToImmutable(), reason);
            }

            merges.Add(commit.ShortSha);
            current = commit.Parents[0];
        }

        return new UpdateMergeJudgement(false, merges.ToImmutable(), $"{Short(approvedSha)} is not reached from the head through update merges");
    }

    private static bool LooksLikeUpdateMerge(CommitFact commit) =>
        commit.Parents.Length == 2 && commit.IsWebFlow && commit.Verification.Verified;

    /// <summary>Why <paramref name="merge"/> is not an update merge that brings only base-branch changes; null when it is.</summary>
    private static string? Refusal(PullRequestSnapshot pr, CommitFact merge)
    {
        var name = merge.ShortSha;
        if (merge.Parents.Length != 2)
        {
            return merge.Parents.Length < 2
                ? $"{name} is not a merge (a commit with its own changes came after the approval)"
                : $"{name} merges {merge.Parents.Length} parents, not the base branch alone";
        }

        if (!merge.IsWebFlow)
        {
            return $"{name} is a merge GitHub did not make (committer {merge.Committer?.Login ?? merge.CommitterName ?? "unknown"}, not web-flow)";
        }

        if (!merge.Verification.Verified)
        {
            return $"{name} is not signed by GitHub (verification: {merge.Verification.Reason})";
        }

        var (branch, @base) = (merge.Parents[0], merge.Parents[1]);
        if (!pr.Comparisons.TryGetValue(OnBase(pr.BaseRef, @base), out var onBase))
        {
            return $"FinGuard did not read whether {name}'s second parent {Short(@base)} is a commit of {pr.BaseRef}";
        }

        if (onBase.Status is not ("behind" or "identical"))
        {
            return $"{name} merges {Short(@base)}, which is not a commit of {pr.BaseRef} (GitHub compares it as {onBase.Status})";
        }

        if (!pr.Comparisons.TryGetValue(Between(branch, merge.Sha), out var added) || !pr.Comparisons.TryGetValue(Between(branch, @base), out var baseChanges))
        {
            return $"FinGuard did not read what {name} changes, so it cannot tell that it brings only {pr.BaseRef}'s changes";
        }

        if (!added.FilesComplete || !baseChanges.FilesComplete)
        {
            return $"GitHub lists {MaxCompareFiles} files or more for {name} (or no file list), so FinGuard cannot check that it brings only {pr.BaseRef}'s changes";
        }

        var expected = baseChanges.Files.ToDictionary(f => f.Filename, StringComparer.Ordinal);
        foreach (var file in added.Files)
        {
            if (!expected.Remove(file.Filename, out var fromBase) || fromBase != file)
            {
                return $"{name} changes `{file.Filename}` differently from {pr.BaseRef} (the pull request changes it too, or the merge added something)";
            }
        }

        return expected.Count > 0
            ? $"{name} leaves out {pr.BaseRef}'s change to `{expected.Keys.Order(StringComparer.Ordinal).First()}`"
            : null;
    }

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}
