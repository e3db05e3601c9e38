using System.Collections.Immutable;

namespace FinGuard.Core.Snapshots;

/// <summary>A GitHub account as seen in a fact (author, committer, reviewer, sender).</summary>
/// <param name="Login">The account login.</param>
/// <param name="Id">The numeric account id (stable across renames).</param>
/// <param name="IsBot">True for bot accounts (type <c>Bot</c> or a <c>[bot]</c> login).</param>
public sealed record GitHubUser(string Login, long Id, bool IsBot);

/// <summary>GitHub's signature verification of one commit, as returned by the REST API.</summary>
/// <param name="Verified">GitHub's <c>verification.verified</c>.</param>
/// <param name="Reason">GitHub's <c>verification.reason</c>, e.g. <c>valid</c>, <c>unsigned</c>, <c>unknown_key</c>.</param>
/// <param name="HasSignature">Whether the commit carries a signature at all.</param>
/// <param name="Kind">The kind of signature, read from its armour; null when unsigned or unrecognised.</param>
public sealed record CommitVerification(bool Verified, string Reason, bool HasSignature, Policy.SignatureKind? Kind = null);

/// <summary>One commit of a pull request.</summary>
public sealed record CommitFact
{
    public required string Sha { get; init; }

    public required string Message { get; init; }

    public string? AuthorName { get; init; }

    public string? AuthorEmail { get; init; }

    /// <summary>The GitHub account GitHub mapped the author email to; null when it could not.</summary>
    public GitHubUser? Author { get; init; }

    public string? CommitterName { get; init; }

    public string? CommitterEmail { get; init; }

    /// <summary>The GitHub account GitHub mapped the committer email to; null when it could not.</summary>
    public GitHubUser? Committer { get; init; }

    public required CommitVerification Verification { get; init; }

    /// <summary>The SHAs of its parents, as GitHub lists them (the first is the branch it was made on; a merge has two).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableArray<string> Parents { get; init; } = [];

    /// <summary>True when GitHub itself made and signed the commit (committer <c>web-flow</c>: web edits, merges from the UI).</summary>
    public bool IsWebFlow => Committer?.Login == "web-flow";

    /// <summary>The first line of the message, for display.</summary>
    public string Headline => Message.Split('\n', 2)[0].TrimEnd('\r');

    public string ShortSha => Sha.Length > 7 ? Sha[..7] : Sha;

    /// <summary>Value equality, the parents compared by their SHAs (an <see cref="ImmutableArray{T}"/> compares by reference).</summary>
    public bool Equals(CommitFact? other) =>
        other is not null
        && Sha == other.Sha
        && Message == other.Message
        && AuthorName == other.AuthorName
        && AuthorEmail == other.AuthorEmail
        && Author == other.Author
        && CommitterName == other.CommitterName
        && CommitterEmail == other.CommitterEmail
        && Committer == other.Committer
        && Verification == other.Verification
        && Parents.SequenceEqual(other.Parents);

    public override int GetHashCode() => HashCode.Combine(Sha, Message, Author, Committer, Verification);
}

/// <summary>
/// A person's access to the repository, as GitHub's <c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c>
/// reports it.
/// </summary>
/// <param name="Permission">
/// GitHub's <c>permission</c>: the base role, one of <c>admin</c>, <c>write</c>, <c>read</c> or <c>none</c>. GitHub maps
/// <c>maintain</c> to <c>write</c>, <c>triage</c> to <c>read</c>, and a custom role to the base role it is built on.
/// </param>
/// <param name="RoleName">GitHub's <c>role_name</c>: the role's own name (<c>maintain</c>, <c>triage</c>, a custom role's name).</param>
public sealed record RepositoryAccess(string Permission, string? RoleName)
{
    /// <summary>Whether the base permission lets them push: <c>write</c> or <c>admin</c> (and <c>maintain</c>, should GitHub ever report it unmapped).</summary>
    public bool CanWrite =>
        Permission.Equals("admin", StringComparison.OrdinalIgnoreCase)
        || Permission.Equals("maintain", StringComparison.OrdinalIgnoreCase)
        || Permission.Equals("write", StringComparison.OrdinalIgnoreCase);

    /// <summary>"read", or "triage (base permission read)" when the role's name differs from its base permission.</summary>
    public string Describe() =>
        RoleName is { Length: > 0 } role && !role.Equals(Permission, StringComparison.OrdinalIgnoreCase)
            ? $"{role} (base permission {Permission})"
            : Permission;
}

/// <summary>A label added to the pull request: one <c>labeled</c> event of <c>GET /repos/{owner}/{repo}/issues/{number}/events</c>.</summary>
/// <param name="Label">The label's name.</param>
/// <param name="Actor">Who added it; null when GitHub names no account (a deleted one).</param>
/// <param name="At">When it was added (the event's <c>created_at</c>).</param>
public sealed record LabelEvent(string Label, GitHubUser? Actor, DateTimeOffset At);

/// <summary>
/// Who pushed the pull request's head: the <c>sender</c> of a <c>pull_request</c> delivery (opened, synchronize,
/// reopened) whose <c>pull_request.head.sha</c> is the head, which FinGuard verified by its signature.
/// </summary>
/// <param name="Pusher">The delivery's <c>sender</c>.</param>
/// <param name="Action">The delivery's action.</param>
/// <param name="Source">Where the fact came from, e.g. <c>webhook pull_request.synchronize delivery {id}</c>.</param>
public sealed record HeadPushFact(GitHubUser Pusher, string Action, string Source);

/// <summary>One file of a comparison: its name, what happened to it, and its content's blob SHA afterwards.</summary>
/// <param name="Filename">Its path after the change.</param>
/// <param name="Status">GitHub's <c>status</c>: <c>added</c>, <c>removed</c>, <c>modified</c>, <c>renamed</c>, …</param>
/// <param name="BlobSha">GitHub's <c>sha</c>: the file's blob; null when GitHub gave none.</param>
/// <param name="PreviousFilename">Its path before a rename.</param>
public sealed record ChangedFile(string Filename, string Status, string? BlobSha, string? PreviousFilename);

/// <summary>
/// One <c>GET /repos/{owner}/{repo}/compare/{basehead}</c> response, reduced to what FinGuard reads from it.
/// </summary>
/// <param name="Status">GitHub's <c>status</c> of head relative to base: <c>identical</c>, <c>ahead</c>, <c>behind</c> or <c>diverged</c>.</param>
/// <param name="Files">The changed files GitHub listed.</param>
/// <param name="FilesComplete">False when GitHub may have left files out (it lists at most 300), or gave no file list.</param>
public sealed record ComparisonFact(string Status, ImmutableArray<ChangedFile> Files, bool FilesComplete);

/// <summary>One changed file of <c>GET /repos/{owner}/{repo}/pulls/{number}/files</c>.</summary>
/// <param name="Path">GitHub's <c>filename</c>: the path on the head.</param>
/// <param name="Status">GitHub's <c>status</c>: added, removed, modified, renamed, copied, changed, unchanged.</param>
/// <param name="PreviousPath">GitHub's <c>previous_filename</c> of a renamed file, else null.</param>
/// <param name="Patch">GitHub's <c>patch</c> (the unified diff hunks); null when GitHub left it out (large or binary files).</param>
public sealed record ChangedFileFact(string Path, string Status, string? PreviousPath, string? Patch);

/// <summary>The CODEOWNERS file of the pull request's base branch, from the first place GitHub looks that has one.</summary>
/// <param name="Path">Where it was found (<c>.github/CODEOWNERS</c>, <c>CODEOWNERS</c>, <c>docs/CODEOWNERS</c>); null when the branch has none.</param>
/// <param name="Text">Its text; null when the branch has none.</param>
public sealed record CodeOwnersFact(string? Path, string? Text);

/// <summary>One pull request review.</summary>
public sealed record ReviewFact(long Id, GitHubUser User, string State, string? CommitId, DateTimeOffset? SubmittedAt);

/// <summary>
/// Immutable facts about a pull request at one head SHA: everything the controls may look at. Built by the
/// GitHub loader (or the offline evaluator) from GitHub's REST responses; controls never call out.
/// </summary>
public sealed record PullRequestSnapshot
{
    /// <summary><c>owner/repo</c>.</summary>
    public required string Repository { get; init; }

    public required int Number { get; init; }

    public required string HeadSha { get; init; }

    public required string BaseRef { get; init; }

    /// <summary>The repository's default branch (for the <c>$default</c> branch pattern).</summary>
    public string? DefaultBranch { get; init; }

    public required GitHubUser Author { get; init; }

    public bool Draft { get; init; }

    /// <summary>The commit count GitHub reports on the pull request (may exceed what the commits API lists).</summary>
    public required int ReportedCommitCount { get; init; }

    public required ImmutableArray<CommitFact> Commits { get; init; }

    public ImmutableArray<ReviewFact> Reviews { get; init; } = [];

    /// <summary>Members of the teams the policy names (<c>org/team-slug</c> → logins); only loaded when the policy restricts approvers to teams.</summary>
    public ImmutableDictionary<string, ImmutableHashSet<string>> TeamMembers { get; init; } =
        ImmutableDictionary<string, ImmutableHashSet<string>>.Empty.WithComparers(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Who pushed <see cref="HeadSha"/>, one entry per delivery that named it (a push, then a close and reopen by
    /// someone else, gives two); empty when FinGuard has no such delivery, so the pusher is unknown.
    /// </summary>
    public ImmutableArray<HeadPushFact> HeadPushes { get; init; } = [];

    /// <summary>
    /// The comparisons FinGuard read to check update merges (<see cref="Controls.UpdateMerges"/>), by the
    /// <c>{base}...{head}</c> asked for; one absent here was not read, and then nothing is taken from it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableDictionary<string, ComparisonFact> Comparisons { get; init; } = ImmutableDictionary<string, ComparisonFact>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Label names on the pull request.</summary>
    public ImmutableArray<string> Labels { get; init; } = [];

    /// <summary>
    /// The base permission on the repository of each reviewer FinGuard asked GitHub about (login, case-insensitive);
    /// a reviewer absent here has a permission FinGuard does not know. Loaded for reviewers who approved.
    /// </summary>
    public ImmutableDictionary<string, RepositoryAccess> ReviewerPermissions { get; init; } =
        ImmutableDictionary<string, RepositoryAccess>.Empty.WithComparers(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The <c>labeled</c> events of the pull request, oldest first; null when they were not loaded (only loaded while the
    /// pull request carries the break-glass label).
    /// </summary>
    public ImmutableArray<LabelEvent>? LabelEvents { get; init; }

    /// <summary>
    /// Check runs and scanner output for <see cref="HeadSha"/>; null when they were not loaded (the policy names no scan
    /// source). Not serialized: evidence keeps the raw scanner files, not this parsed form.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Scans.ScanFacts? Scans { get; init; }

    /// <summary>
    /// The changed files, all pages of <c>GET pulls/{n}/files</c>; null when not loaded (the policy has no code owners or
    /// approval rules, or offline <c>files.json</c> is absent). Not serialized: evidence keeps GitHub's responses.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableArray<ChangedFileFact>? ChangedFiles { get; init; }

    /// <summary>The pull request's <c>changed_files</c> as GitHub reports it; null when the response has none.</summary>
    public int? ReportedChangedFileCount { get; init; }

    /// <summary>The base branch's CODEOWNERS; null when not loaded (unknown). Not serialized: evidence keeps the file.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public CodeOwnersFact? CodeOwners { get; init; }
}
