using System.Collections.Immutable;
using System.Text.Json;
using FinGuard.Core.Deployments;
using FinGuard.Core.Snapshots;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.GitHub.Deployments;

/// <summary>A pull request GitHub associates with the deployed commit, and how.</summary>
/// <param name="Number">The pull request.</param>
/// <param name="HeadSha">Its head commit (the SHA its FinGuard decision is about).</param>
/// <param name="MatchedBy">Whether the deployed commit is its head or its merge commit.</param>
public sealed record CustodyCandidate(int Number, string HeadSha, CustodyMatch MatchedBy);

/// <summary>
/// Reads the deployment facts (<see cref="DeploymentFactSet"/>) into the pieces of a <see cref="DeploymentSnapshot"/>.
/// The pull request decisions come from FinGuard's evidence and are passed in.
/// </summary>
public static class DeploymentSnapshotParser
{
    private const string HeadsPrefix = "refs/heads/";
    private const string TagsPrefix = "refs/tags/";

    /// <summary>The ref when it is a short name that could be a branch or a tag (so GitHub must be asked); otherwise null.</summary>
    public static string? AmbiguousRef(string? gitRef) =>
        gitRef is null || gitRef.StartsWith("refs/", StringComparison.Ordinal) || IsSha(gitRef) || gitRef.Length == 0 ? null : gitRef;

    public static DeploymentSnapshot Parse(
        DeploymentFactSet facts,
        string environment,
        long runId,
        ImmutableArray<PullRequestDecisionFact> decisions,
        PreviousDeployment? previous)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var payload = facts.Payload;
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new GitHubFactsException("The deployment_protection_rule payload is not a JSON object.");
        }

        var deployment = Optional(payload, "deployment");
        var sha = deployment is { } d && OptionalString(d, "sha") is { } deployedSha
            ? deployedSha
            : OptionalString(payload, "sha") ?? throw new GitHubFactsException("The deployment_protection_rule payload names no deployed commit (deployment.sha).");
        var gitRef = deployment is { } withRef && OptionalString(withRef, "ref") is { } deploymentRef ? deploymentRef : OptionalString(payload, "ref");
        var (kind, name) = ClassifyRef(gitRef, facts.TagRefs);

        var deployers = new List<GitHubUser>();
        void AddDeployer(GitHubUser? user)
        {
            if (user is not null && !deployers.Any(u => u.Id == user.Id))
            {
                deployers.Add(user);
            }
        }

        AddDeployer(User(payload, "sender"));
        if (facts.WorkflowRun is { } run)
        {
            AddDeployer(User(run, "triggering_actor"));
            AddDeployer(User(run, "actor"));
        }

        var repository = Optional(payload, "repository");
        return new DeploymentSnapshot
        {
            Repository = facts.Repository,
            Environment = environment,
            DeploymentId = deployment is { } withId && withId.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var deploymentId) ? deploymentId : null,
            RunId = runId,
            Sha = sha,
            Ref = gitRef,
            RefKind = kind,
            RefName = name,
            DefaultBranch = repository is { } repo ? OptionalString(repo, "default_branch") : null,
            Event = OptionalString(payload, "event"),
            Deployers = [.. deployers],
            Approvals = [.. facts.ApprovalPages.SelectMany(page => Approvals(page))],
            PullRequestDecisions = decisions.IsDefault ? [] : decisions,
            PreviousApproved = previous,
            RequestedAt = deployment is { } created && OptionalString(created, "created_at") is { } at
                && DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var createdAt)
                    ? createdAt
                    : null,
            Scans = facts.ScanResponses?.Parse(),
            TeamMembers = facts.TeamMembers.ToImmutableDictionary(t => t.Key, t => t.Value.ToImmutableHashSet(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase),
            ReviewerPermissions = PullRequestSnapshotParser.Permissions(facts.Permissions),
        };
    }

    /// <summary>Branch, tag or commit: <c>refs/heads/x</c> and <c>refs/tags/x</c> say so; a short name is a tag when GitHub has that tag (as git resolves it), else a branch.</summary>
    public static (DeployedRefKind Kind, string? Name) ClassifyRef(string? gitRef, JsonElement? tagRefs)
    {
        if (string.IsNullOrEmpty(gitRef))
        {
            return (DeployedRefKind.Unknown, null);
        }

        if (gitRef.StartsWith(HeadsPrefix, StringComparison.Ordinal))
        {
            return (DeployedRefKind.Branch, gitRef[HeadsPrefix.Length..]);
        }

        if (gitRef.StartsWith(TagsPrefix, StringComparison.Ordinal))
        {
            return (DeployedRefKind.Tag, gitRef[TagsPrefix.Length..]);
        }

        if (gitRef.StartsWith("refs/", StringComparison.Ordinal))
        {
            return (DeployedRefKind.Unknown, null);
        }

        if (IsSha(gitRef))
        {
            return (DeployedRefKind.Commit, gitRef);
        }

        var isTag = tagRefs is { ValueKind: JsonValueKind.Array } refs
            && refs.EnumerateArray().Any(r => r.ValueKind == JsonValueKind.Object && OptionalString(r, "ref") == TagsPrefix + gitRef);
        return (isTag ? DeployedRefKind.Tag : DeployedRefKind.Branch, gitRef);
    }

    /// <summary>
    /// The pull requests that can vouch for <paramref name="sha"/>: those whose head it is, and merged ones whose
    /// <c>merge_commit_sha</c> it is (GET commits/{sha}/pulls also lists pull requests that merely contain it; those do not count).
    /// </summary>
    public static IReadOnlyList<CustodyCandidate> CustodyCandidates(string sha, IEnumerable<JsonElement> commitPullPages)
    {
        ArgumentNullException.ThrowIfNull(commitPullPages);
        var result = new List<CustodyCandidate>();
        foreach (var page in commitPullPages.Where(p => p.ValueKind == JsonValueKind.Array))
        {
            foreach (var pull in page.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
            {
                if (!pull.TryGetProperty("number", out var n) || n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var number)
                    || Optional(pull, "head") is not { } head || OptionalString(head, "sha") is not { } headSha)
                {
                    continue;
                }

                var merged = OptionalString(pull, "merged_at") is not null;
                CustodyMatch? match = string.Equals(headSha, sha, StringComparison.OrdinalIgnoreCase) ? CustodyMatch.Head
                    : merged && string.Equals(OptionalString(pull, "merge_commit_sha"), sha, StringComparison.OrdinalIgnoreCase) ? CustodyMatch.MergeCommit
                    : null;
                if (match is { } how && !result.Any(c => c.Number == number))
                {
                    result.Add(new CustodyCandidate(number, headSha, how));
                }
            }
        }

        return result;
    }

    /// <summary>GET …/actions/runs/{run_id}/approvals: one entry per review, with the environments it covered.</summary>
    public static ImmutableArray<EnvironmentApproval> Approvals(JsonElement approvals)
    {
        if (approvals.ValueKind != JsonValueKind.Array)
        {
            throw new GitHubFactsException("GET …/actions/runs/{run_id}/approvals did not return a list.");
        }

        var result = ImmutableArray.CreateBuilder<EnvironmentApproval>();
        foreach (var item in approvals.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object))
        {
            if (User(item, "user") is not { } user)
            {
                continue; // A review by a deleted account cannot count.
            }

            var environments = item.TryGetProperty("environments", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => OptionalString(e, "name")).OfType<string>().ToImmutableArray()
                : [];
            result.Add(new EnvironmentApproval(user, OptionalString(item, "state") ?? "", environments, OptionalString(item, "comment")));
        }

        return result.ToImmutable();
    }

    /// <summary>Whether <c>compare/{previous}...{sha}</c> says the deployed commit is older: its status is <c>behind</c>.</summary>
    public static bool? IsAncestorOfPrevious(JsonElement? compare) =>
        compare is { ValueKind: JsonValueKind.Object } c && OptionalString(c, "status") is { } status
            ? status == "behind"
            : null;

    private static GitHubUser? User(JsonElement parent, string property)
    {
        if (Optional(parent, property) is not { } user || OptionalString(user, "login") is not { } login
            || !user.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var accountId))
        {
            return null;
        }

        var isBot = string.Equals(OptionalString(user, "type"), "Bot", StringComparison.Ordinal) || login.EndsWith("[bot]", StringComparison.Ordinal);
        return new GitHubUser(login, accountId, isBot);
    }

    private static bool IsSha(string text) => text.Length is 40 or 64 && text.All(char.IsAsciiHexDigit);

    private static JsonElement? Optional(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static string? OptionalString(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
