using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Policy;

/// <summary>
/// The resolved policy for one evaluation (organisation defaults merged with the repository's file, read from the
/// base branch). <see cref="Default"/> is what a repository without any policy file gets, and it is safe:
/// on the default branch every commit must be signed and two independent reviewers must approve.
/// The YAML reference is docs/policy.md.
/// </summary>
public sealed record FinGuardPolicy
{
    /// <summary>
    /// GitHub's pull request commits API, and its compare API asked without paging, list at most this many commits;
    /// above it FinGuard reads the compare page by page.
    /// </summary>
    public const int GitHubCommitListLimit = 250;

    /// <summary>
    /// The most commits FinGuard reads for one pull request (30 pages of 100 of GitHub's paginated compare); above it the
    /// commit controls fail closed, since FinGuard cannot tell who wrote or signed commits it has not read.
    /// </summary>
    public const int CommitReadLimit = 3000;

    /// <summary>The pattern that stands for the repository's default branch in <see cref="Branches"/>.</summary>
    public const string DefaultBranchToken = "$default";

    public static FinGuardPolicy Default { get; } = new();

    /// <summary>Base branches whose pull requests the controls apply to: exact names, <c>*</c> globs, or <see cref="DefaultBranchToken"/>.</summary>
    public ImmutableArray<string> Branches { get; init; } = [DefaultBranchToken];

    public SignedCommitsPolicy SignedCommits { get; init; } = new();

    public SeparationOfDutiesPolicy SeparationOfDuties { get; init; } = new();

    /// <summary>Security-scan status: required checks, scanner output, threshold and waivers; no sources by default (skipped).</summary>
    public Scans.ScanStatusPolicy ScanStatus { get; init; } = new();

    /// <summary>Change-freeze windows and break-glass; no windows by default.</summary>
    public Freeze.FreezeWindowPolicy FreezeWindow { get; init; } = new();

    /// <summary>The deployment gate, per environment; the safe defaults for every environment the policy does not list.</summary>
    public Deployments.DeploymentsPolicy Deployments { get; init; } = new();
}

/// <summary>Kinds of commit signature GitHub verifies.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SignatureKind>))]
public enum SignatureKind
{
    Gpg,
    Ssh,
    Smime,
}

/// <summary>Settings of the <c>signed-commits</c> control.</summary>
public sealed record SignedCommitsPolicy
{
    public bool Enabled { get; init; } = true;

    /// <summary>Signature kinds that count.</summary>
    public ImmutableArray<SignatureKind> AllowedKinds { get; init; } = [SignatureKind.Gpg, SignatureKind.Ssh, SignatureKind.Smime];

    /// <summary>Whether commits GitHub made and signed itself (web edits, squash merges; committer <c>web-flow</c>) count.</summary>
    public bool AllowWebFlow { get; init; } = true;

    /// <summary>When not empty, only signatures of these GitHub logins (the verified committer) count.</summary>
    public ImmutableArray<string> AllowedSigners { get; init; } = [];
}

/// <summary>Settings of the <c>separation-of-duties</c> control.</summary>
public sealed record SeparationOfDutiesPolicy
{
    public bool Enabled { get; init; } = true;

    /// <summary>Distinct eligible approvals required on the current head.</summary>
    public int RequiredApprovals { get; init; } = 2;

    /// <summary>Whether an outstanding "changes requested" review from an eligible reviewer blocks.</summary>
    public bool BlockOnChangesRequested { get; init; } = true;

    /// <summary>Logins that may never approve (in addition to authors, committers, co-authors and bots).</summary>
    public ImmutableArray<string> ExcludedApprovers { get; init; } = [];

    /// <summary>When not empty, approvers must be members of at least one of these teams (<c>org/team-slug</c>).</summary>
    public ImmutableArray<string> ApproverTeams { get; init; } = [];

    /// <summary>
    /// <c>require-write-access</c>: an approval counts only from someone whose permission on the repository is write,
    /// maintain or admin (a custom role by its base permission), as GitHub's own required reviews count them.
    /// </summary>
    public bool RequireWriteAccess { get; init; } = true;

    /// <summary>
    /// Whether whoever pushed the current head is not eligible to approve it (GitHub's "require approval of the most
    /// recent reviewable push"): otherwise a reviewer could push a commit, even one authored by someone else, and approve it.
    /// </summary>
    public bool LastPusherCannotApprove { get; init; } = true;

    /// <summary>
    /// Whether an approval of an earlier head still counts when everything after it is GitHub's "Update branch": merges
    /// of the base branch that GitHub made and signed and that bring in nothing but the base branch's changes
    /// (<see cref="Controls.UpdateMerges"/>). Off by default: every new head needs new approvals.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool IgnoreUpdateMerges { get; init; }

    /// <summary>
    /// <c>code-owners</c>: every changed file with owners in the base branch's CODEOWNERS needs an eligible approval, on
    /// the current head, from one of its owners (GitHub's "require review from Code Owners").
    /// </summary>
    public bool CodeOwners { get; init; }

    /// <summary><c>approval-rules</c>: approvals required for changes to some paths or with some content, in addition to <see cref="RequiredApprovals"/>.</summary>
    public ImmutableArray<ApprovalRule> ApprovalRules { get; init; } = [];

    /// <summary>Whether the <c>path-approvals</c> control has anything to check (and the loader anything to load).</summary>
    [JsonIgnore]
    public bool NeedsChangedFiles => Enabled && (CodeOwners || !ApprovalRules.IsDefaultOrEmpty);
}
