using System.Collections.Immutable;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Deployments;

/// <summary>What kind of git reference a deployment names.</summary>
public enum DeployedRefKind
{
    /// <summary>GitHub did not say which ref was deployed.</summary>
    Unknown,

    Branch,

    Tag,

    /// <summary>A bare commit SHA: the deployment names no branch or tag.</summary>
    Commit,
}

/// <summary>How a pull request is linked to the deployed commit.</summary>
public enum CustodyMatch
{
    /// <summary>The deployed commit is the pull request's head.</summary>
    Head,

    /// <summary>The deployed commit is the merge (or squash, or last rebased) commit GitHub made when merging it.</summary>
    MergeCommit,
}

/// <summary>A decision record in the evidence: enough for the deployment's record to link to it.</summary>
/// <param name="Chain">The chain (<c>owner/repo</c>, lower-cased).</param>
/// <param name="Sequence">Its position in the chain.</param>
/// <param name="Sha256">SHA-256 of its stored bytes.</param>
/// <param name="Timestamp">When the decision was made.</param>
public sealed record EvidencePointer(string Chain, long Sequence, string Sha256, DateTimeOffset Timestamp);

/// <summary>
/// A pull request linked to the deployed commit, and FinGuard's decision about it: the latest decision recorded for
/// its head (or, with <see cref="PullRequestDecisionSource.EvaluateNow"/>, one made now), or none.
/// </summary>
public sealed record PullRequestDecisionFact
{
    public required int Number { get; init; }

    /// <summary>The head SHA the decision is about.</summary>
    public required string HeadSha { get; init; }

    public required CustodyMatch MatchedBy { get; init; }

    /// <summary><c>pass</c> or <c>fail</c>; null when FinGuard has no decision about this head.</summary>
    public string? Verdict { get; init; }

    /// <summary>The decision's reason code (<c>all-controls-passed</c>, <c>separation-of-duties:pending</c>, …).</summary>
    public string? ReasonCode { get; init; }

    /// <summary>The decision record; null when there is none.</summary>
    public EvidencePointer? Evidence { get; init; }

    /// <summary>True when the decision was made for this deployment (<see cref="PullRequestDecisionSource.EvaluateNow"/>).</summary>
    public bool EvaluatedNow { get; init; }

    /// <summary>The pull request as the decision saw it (author, commits): who wrote the change. Null when unknown.</summary>
    public PullRequestSnapshot? Change { get; init; }

    /// <summary>
    /// Set when FinGuard's evidence about this pull request could not be verified (an index row that disagrees with its
    /// record, a record whose hash the chain does not confirm): what is wrong. Nothing else of the fact is then taken
    /// from the evidence, and it never passes. Omitted from the record when null.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? EvidenceProblem { get; init; }

    public bool Passed => EvidenceProblem is null && string.Equals(Verdict, "pass", StringComparison.Ordinal);
}

/// <summary>One review of the workflow run's deployment by one of the environment's required reviewers.</summary>
/// <param name="User">The reviewer.</param>
/// <param name="State"><c>approved</c> or <c>rejected</c> (kept as GitHub sent it).</param>
/// <param name="Environments">The environments the review was for.</param>
/// <param name="Comment">The reviewer's comment.</param>
public sealed record EnvironmentApproval(GitHubUser User, string State, ImmutableArray<string> Environments, string? Comment);

/// <summary>The environment's last approved deployment, from FinGuard's own records.</summary>
/// <param name="Sha">The commit it deployed.</param>
/// <param name="Evidence">Its decision record.</param>
/// <param name="IsAncestor">True when the commit deployed now is an ancestor of <paramref name="Sha"/> (an older commit: a rollback); null when unknown.</param>
public sealed record PreviousDeployment(string Sha, EvidencePointer Evidence, bool? IsAncestor);

/// <summary>
/// Immutable facts about one deployment waiting on FinGuard's protection rule: what is deployed where, by whom, how
/// it reached the repository (the pull request decisions), and who approved it. Built by the GitHub layer from the
/// <c>deployment_protection_rule</c> payload, GitHub's REST responses and FinGuard's evidence; controls never call out.
/// </summary>
public sealed record DeploymentSnapshot
{
    /// <summary><c>owner/repo</c>.</summary>
    public required string Repository { get; init; }

    public required string Environment { get; init; }

    /// <summary>GitHub's deployment id; null when GitHub did not create a deployment object.</summary>
    public long? DeploymentId { get; init; }

    /// <summary>The workflow run waiting on the environment.</summary>
    public required long RunId { get; init; }

    /// <summary>The deployed commit.</summary>
    public required string Sha { get; init; }

    /// <summary>The ref as GitHub sent it (<c>main</c>, <c>v1.2.0</c>, <c>refs/tags/v1.2.0</c>, or a SHA).</summary>
    public string? Ref { get; init; }

    public DeployedRefKind RefKind { get; init; }

    /// <summary>The branch or tag name without <c>refs/heads/</c> or <c>refs/tags/</c>.</summary>
    public string? RefName { get; init; }

    /// <summary>The repository's default branch (for <c>$default</c>).</summary>
    public string? DefaultBranch { get; init; }

    /// <summary>The event that started the workflow (<c>push</c>, <c>workflow_dispatch</c>, …).</summary>
    public string? Event { get; init; }

    /// <summary>
    /// Who deployed: the webhook's sender, and the workflow run's triggering actor and actor when GitHub reported them
    /// (distinct accounts).
    /// </summary>
    public required ImmutableArray<GitHubUser> Deployers { get; init; }

    /// <summary>The environment reviews of the run (GET …/actions/runs/{run_id}/approvals), every environment.</summary>
    public ImmutableArray<EnvironmentApproval> Approvals { get; init; } = [];

    /// <summary>Pull requests linked to the deployed commit and FinGuard's decision about each.</summary>
    public ImmutableArray<PullRequestDecisionFact> PullRequestDecisions { get; init; } = [];

    /// <summary>The environment's last deployment FinGuard approved; null when there is none.</summary>
    public PreviousDeployment? PreviousApproved { get; init; }

    /// <summary>When GitHub created the deployment (the payload's <c>deployment.created_at</c>): break-glass is time-boxed from it. Null when GitHub did not say.</summary>
    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>
    /// Members of the break-glass approver teams (<c>org/team-slug</c> → logins), loaded only for reviewers whose
    /// environment approval asks for break-glass during a freeze; a team absent here was not loaded.
    /// </summary>
    public ImmutableDictionary<string, ImmutableHashSet<string>> TeamMembers { get; init; } =
        ImmutableDictionary<string, ImmutableHashSet<string>>.Empty.WithComparers(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The base permission on the repository of each environment reviewer who approved (login, case-insensitive), as
    /// GitHub's <c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c> reports it; a reviewer absent here has
    /// a permission FinGuard does not know.
    /// </summary>
    public ImmutableDictionary<string, RepositoryAccess> ReviewerPermissions { get; init; } =
        ImmutableDictionary<string, RepositoryAccess>.Empty.WithComparers(StringComparer.OrdinalIgnoreCase);

    /// <summary>Check runs and scanner output for <see cref="Sha"/>; null when not loaded (the policy names no scan source).</summary>
    public Scans.ScanFacts? Scans { get; init; }

    /// <summary>
    /// True when the deployed commit is older than the environment's last approved deployment (its ancestor). A rollback
    /// is gated like any deployment and recorded as one.
    /// </summary>
    public bool IsRollback => PreviousApproved is { IsAncestor: true } previous && !string.Equals(previous.Sha, Sha, StringComparison.OrdinalIgnoreCase);
}
