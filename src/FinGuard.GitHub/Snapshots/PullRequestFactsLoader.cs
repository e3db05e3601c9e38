using System.Text.Json;
using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.GitHub.Snapshots;

/// <summary>A GitHub response a decision used: its name in the fact set, which request, and the body exactly as received.</summary>
public sealed record GitHubFact(string Name, string Request, JsonElement Body);

/// <summary>
/// The body of a <c>pull_request</c> delivery (opened, synchronize, reopened) that set a head — its <c>sender</c> is who
/// pushed it — and where it came from (recorded as the fact's request, e.g. <c>webhook pull_request.synchronize delivery {id}</c>).
/// </summary>
public sealed record HeadPushDelivery(JsonElement Body, string Source);

/// <summary>The pull request object of a webhook delivery, and where it came from (recorded as the fact's request).</summary>
public sealed record DeliveredPull(JsonElement Pull, string Source);

/// <summary>
/// Loads what the pull request controls need: the pull request (from the delivery when it cannot be stale), its
/// commits (one compare request for up to 250, pages of 100 up to 3,000) and reviews (paginated, 100 a page),
/// the policy files — the repository's <c>.github/finguard.yml</c> from the pull request's <b>base</b> branch
/// (never the head: a pull request must not weaken its own policy) and the organisation's <c>finguard.yml</c> from
/// the <c>&lt;owner&gt;/.github</c> repository's default branch — and, when the policy restricts approvers to
/// teams (separation-of-duties approver teams; freeze-window break-glass teams while the pull request carries the
/// break-glass label), the team membership of each approving reviewer; when the policy requires write access, each
/// approving reviewer's permission on the repository (conditional requests: an unchanged permission is a 304); while
/// the pull request carries the break-glass label, its issue events (who added the label, and when); and, when the
/// policy names scan sources, the
/// head commit's check runs and scanner output (<see cref="Scans.ScanFactsLoader"/>).
/// </summary>
public sealed class PullRequestFactsLoader(GitHubApiClient api, Scans.ScanFactsLoader scans)
{
    public const string RepositoryPolicyPath = ".github/finguard.yml";

    /// <summary>Pages of issue events read (100 each); a pull request with more cannot have its break-glass verified.</summary>
    public const int MaxIssueEventPages = 30;
    public const string OrganizationPolicyPath = "finguard.yml";
    public const string OrganizationPolicyRepository = ".github";

    public async Task<PullRequestFactSet> LoadAsync(long installationId, string repository, int number, CancellationToken cancellationToken) =>
        await LoadAsync(installationId, repository, number, delivered: null, cancellationToken);

    /// <summary>
    /// Loads the facts; with <paramref name="delivered"/>, the pull request object of a <c>pull_request</c> delivery is
    /// used instead of asking GitHub for it again (GitHub sends the same object the REST API returns). Callers pass it
    /// only when it cannot be stale: no decision has been recorded for its head SHA yet (a newer delivery processed
    /// first would have recorded one).
    /// </summary>
    public async Task<PullRequestFactSet> LoadAsync(long installationId, string repository, int number, DeliveredPull? delivered, CancellationToken cancellationToken)
    {
        var facts = new List<GitHubFact>();
        JsonElement pullJson;
        if (delivered is { } fromDelivery)
        {
            pullJson = fromDelivery.Pull;
            facts.Add(new GitHubFact(PullRequestFactSet.PullFact, fromDelivery.Source, pullJson));
        }
        else
        {
            var pull = await api.GetAsync(installationId, $"repos/{repository}/pulls/{number}", cancellationToken);
            pullJson = GitHubFacts.Parse(pull);
            facts.Add(new GitHubFact(PullRequestFactSet.PullFact, pull.Request, pullJson));
        }

        var reported = pullJson.ValueKind == JsonValueKind.Object && pullJson.TryGetProperty("commits", out var c) && c.TryGetInt32(out var n) ? n : 0;
        var commitPages = reported <= FinGuardPolicy.CommitReadLimit
            ? await LoadCommitsAsync(installationId, repository, pullJson, reported, facts, cancellationToken)
            : [];

        var reviewPages = await GitHubFacts.LoadPagesAsync(api, installationId, $"repos/{repository}/pulls/{number}/reviews?per_page=100", PullRequestFactSet.ReviewsFact, 10, facts, cancellationToken);

        var baseRef = pullJson.TryGetProperty("base", out var b) && b.TryGetProperty("ref", out var r) ? r.GetString() : null;
        var (organizationPolicy, repositoryPolicy) = await LoadPolicyFilesAsync(installationId, repository, baseRef, cancellationToken);
        PolicyFileReader.Record(facts, repository, organizationPolicy, repositoryPolicy);

        var set = new PullRequestFactSet
        {
            Repository = repository,
            Pull = pullJson,
            CommitPages = commitPages,
            ReviewPages = reviewPages,
            RepositoryPolicy = repositoryPolicy,
            OrganizationPolicy = organizationPolicy,
        };

        var policy = PullRequestEvaluator.ResolvePolicy(organizationPolicy, repositoryPolicy).Policy;
        var teams = policy.SeparationOfDuties.ApproverTeams;
        var breakGlassAsked = policy.FreezeWindow.BreakGlass is { } breakGlass && HasLabel(pullJson, breakGlass.Label);
        if (breakGlassAsked)
        {
            // Break-glass approvers must be members of its teams; only worth asking while the label asks for break-glass.
            teams = [.. teams.Concat(policy.FreezeWindow.BreakGlass!.ApproverTeams).Distinct(StringComparer.OrdinalIgnoreCase)];
        }

        if (policy.SeparationOfDuties.NeedsChangedFiles)
        {
            // Code owners and approval rules: the changed files, the base branch's CODEOWNERS, and the teams they name.
            var (withFiles, pathTeams) = await LoadChangedFilesAsync(installationId, repository, number, baseRef, policy.SeparationOfDuties, set, facts, cancellationToken);
            set = withFiles;
            teams = [.. teams.Concat(pathTeams).Distinct(StringComparer.OrdinalIgnoreCase)];
        }

        var approvers = ApprovingReviewers(reviewPages);
        if (teams.Length > 0)
        {
            var members = await LoadTeamMembersAsync(installationId, teams, approvers, cancellationToken);
            facts.Add(new GitHubFact(PullRequestFactSet.TeamMembersFact, "GET /orgs/{org}/teams/{team_slug}/memberships/{username}", PullRequestFactSet.WriteTeamMembers(members)));
            set = set with { TeamMembers = members };
        }

        if (policy.SeparationOfDuties.RequireWriteAccess && (policy.SeparationOfDuties.Enabled || breakGlassAsked))
        {
            set = set with { Permissions = await GitHubFacts.PermissionsAsync(api, installationId, repository, approvers, facts, cancellationToken) };
        }

        if (policy.SeparationOfDuties is { Enabled: true, IgnoreUpdateMerges: true } && baseRef is not null)
        {
            set = set with { Comparisons = await LoadUpdateMergeComparisonsAsync(installationId, repository, pullJson, baseRef, commitPages, reviewPages, facts, cancellationToken) };
        }

        if (breakGlassAsked)
        {
            // When and by whom the label was added: a break-glass approval must come after it. GitHub lists events
            // oldest first, so a list longer than FinGuard reads would hide the latest labelling: then nothing is
            // recorded and break-glass cannot be verified (fail closed).
            set = set with
            {
                IssueEventPages = await GitHubFacts.LoadAllPagesOrNoneAsync(
                    api, installationId, $"repos/{repository}/issues/{number}/events?per_page=100", PullRequestFactSet.IssueEventsFact, MaxIssueEventPages, facts, cancellationToken),
            };
        }

        if (policy.ScanStatus is { Enabled: true, HasSources: true }
            && pullJson.TryGetProperty("head", out var head) && head.TryGetProperty("sha", out var headSha) && headSha.GetString() is { } sha)
        {
            var loaded = await scans.LoadAsync(installationId, repository, sha, policy.ScanStatus, facts, cancellationToken);
            set = set with { ScanResponses = loaded };
        }

        return set with { Facts = facts };
    }

    /// <summary>
    /// The comparisons <see cref="UpdateMerges"/> needs to carry approvals of earlier heads over GitHub's update merges:
    /// read only when an approval is of an earlier head and the head is a merge GitHub made, three per such merge
    /// (conditional requests: an unchanged comparison is a 304). A comparison GitHub refuses (404, 422) is not
    /// recorded, so that merge does not carry approvals over.
    /// </summary>
    private async Task<Dictionary<string, JsonElement>> LoadUpdateMergeComparisonsAsync(
        long installationId, string repository, JsonElement pullJson, string baseRef, IReadOnlyList<JsonElement> commitPages, IReadOnlyList<JsonElement> reviewPages, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var headSha = pullJson.TryGetProperty("head", out var head) && head.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
        var earlierApprovals = reviewPages
            .Where(p => p.ValueKind == JsonValueKind.Array)
            .SelectMany(p => p.EnumerateArray())
            .Any(r => r.ValueKind == JsonValueKind.Object
                && r.TryGetProperty("state", out var state) && state.ValueEquals("APPROVED")
                && r.TryGetProperty("commit_id", out var commit) && !string.Equals(commit.GetString(), headSha, StringComparison.OrdinalIgnoreCase));
        if (headSha is null || !earlierApprovals)
        {
            return result;
        }

        var commits = PullRequestSnapshotParser.ParseCommits(commitPages);
        foreach (var basehead in UpdateMerges.ComparisonsToRead(headSha, baseRef, commits).Distinct(StringComparer.Ordinal))
        {
            try
            {
                var response = await api.GetAsync(installationId, $"repos/{repository}/compare/{basehead}", cancellationToken);
                var json = GitHubFacts.Parse(response);
                result[basehead] = json;
                facts.Add(new GitHubFact(PullRequestFactSet.ComparisonFactPrefix + basehead, response.Request, json));
            }
            catch (GitHubApiException ex) when (ex.Status is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.UnprocessableEntity)
            {
                // Unknown: the merge is then not carried over, and the check says which comparison was missing.
            }
        }

        return result;
    }

    /// <summary>
    /// The pull request's commits, from GitHub's compare of the pull request's base branch and head SHA
    /// (<c>git log base...head</c>: the commits of the head not on the base branch, oldest first — what the pull
    /// request's Commits tab lists), with their signature verification. Up to 250 commits in one request: the compare
    /// unpaged returns up to 250, where the pull request's commit list would take three pages of 100. Above 250, up to
    /// <see cref="FinGuardPolicy.CommitReadLimit"/>, the compare page by page (<c>per_page=100</c>, following GitHub's
    /// <c>Link</c> header): asked unpaged, GitHub would silently leave out the rest. The base is compared by branch name,
    /// so commits merged into the head from the base branch are never counted as the change's. Recorded as the
    /// <c>compare</c> fact (pages: <c>compare.page2</c>, …) without its <c>files</c> (the diff: large, source code, and
    /// read by no control); everything else exactly as GitHub returned it.
    /// </summary>
    private async Task<List<JsonElement>> LoadCommitsAsync(
        long installationId, string repository, JsonElement pull, int reported, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var path = $"repos/{repository}/compare/{GitHubFacts.EscapeRef(BaseRefOf(pull))}...{HeadShaOf(pull)}";
        var responses = reported <= FinGuardPolicy.GitHubCommitListLimit
            ? [await api.GetAsync(installationId, path, cancellationToken)]
            : await api.GetPagesAsync(installationId, $"{path}?per_page={ComparePageSize}", MaxComparePages, cancellationToken);
        var pages = new List<JsonElement>(responses.Count);
        for (var i = 0; i < responses.Count; i++)
        {
            var compare = GitHubFacts.Parse(responses[i]);
            if (compare.ValueKind != JsonValueKind.Object || !compare.TryGetProperty("commits", out var commits) || commits.ValueKind != JsonValueKind.Array)
            {
                throw new GitHubFactsException($"GitHub's response to {responses[i].Request} has no `commits` array.");
            }

            var recorded = PullRequestFactSet.WithoutFiles(compare);
            facts.Add(new GitHubFact(i == 0 ? PullRequestFactSet.CompareFact : $"{PullRequestFactSet.CompareFact}.page{i + 1}", responses[i].Request, recorded));
            pages.Add(recorded.GetProperty("commits"));
        }

        return pages;
    }

    /// <summary>GitHub's largest page; <see cref="MaxComparePages"/> of them hold <see cref="FinGuardPolicy.CommitReadLimit"/> commits.</summary>
    private const int ComparePageSize = 100;

    private const int MaxComparePages = FinGuardPolicy.CommitReadLimit / ComparePageSize;

    private static string HeadShaOf(JsonElement pull) =>
        pull.ValueKind == JsonValueKind.Object && pull.TryGetProperty("head", out var head) && head.ValueKind == JsonValueKind.Object
            && head.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String && sha.GetString() is { Length: > 0 } value
            && value.All(char.IsAsciiHexDigit)
            ? value
            : throw new GitHubFactsException("The pull request has no `head.sha` commit SHA, so its commits cannot be listed.");

    private static string BaseRefOf(JsonElement pull) =>
        pull.ValueKind == JsonValueKind.Object && pull.TryGetProperty("base", out var @base) && @base.ValueKind == JsonValueKind.Object
            && @base.TryGetProperty("ref", out var reference) && reference.ValueKind == JsonValueKind.String && reference.GetString() is { Length: > 0 } value
            && !value.Contains("..", StringComparison.Ordinal)
            ? value
            : throw new GitHubFactsException("The pull request has no usable `base.ref` branch name, so its commits cannot be listed.");

    /// <summary>
    /// The organisation's policy file and the repository's at <paramref name="reference"/> (null: the repository's
    /// default branch), each null when absent — what a pull request to that branch would be evaluated with.
    /// </summary>
    public Task<(PolicyFile? Organization, PolicyFile? Repository)> LoadPolicyFilesAsync(
        long installationId, string repository, string? reference, CancellationToken cancellationToken) =>
        PolicyFileReader.ReadBothAsync(api, installationId, repository, reference, cancellationToken);

    /// <summary>The repository's policy file at <paramref name="reference"/> (null: the default branch), or null when absent.</summary>
    public Task<PolicyFile?> LoadRepositoryPolicyAsync(long installationId, string repository, string? reference, CancellationToken cancellationToken) =>
        PolicyFileReader.ReadRepositoryAsync(api, installationId, repository, reference, cancellationToken);

    /// <summary>The organisation's policy file of <paramref name="owner"/>, or null when absent.</summary>
    public Task<PolicyFile?> LoadOrganizationPolicyAsync(long installationId, string owner, CancellationToken cancellationToken) =>
        PolicyFileReader.ReadOrganizationAsync(api, installationId, owner, cancellationToken);

    /// <summary>
    /// For code owners and approval rules: every page of the pull request's files (<c>per_page=100</c>, GitHub lists at
    /// most 3,000), recorded as <c>files</c>, <c>files.page2</c>, …; with <c>code-owners</c>, the base branch's CODEOWNERS
    /// from the first of GitHub's locations that has one (recorded as <c>codeowners</c>, or that none has one); and the
    /// teams whose membership the evaluation needs (those owning changed files, those of the rules).
    /// </summary>
    private async Task<(PullRequestFactSet Set, IEnumerable<string> Teams)> LoadChangedFilesAsync(
        long installationId, string repository, int number, string? baseRef, Core.Policy.SeparationOfDutiesPolicy policy, PullRequestFactSet set, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        // Patches are source code: recorded only when a rule reads added lines, so evidence replays the same decision.
        var readsPatches = policy.ApprovalRules.Any(r => !r.AddedLinesMatch.IsDefaultOrEmpty);
        var responses = await api.GetPagesAsync(installationId, $"repos/{repository}/pulls/{number}/files?per_page={FilesPageSize}", MaxFilePages, cancellationToken);
        var filePages = new List<JsonElement>(responses.Count);
        for (var i = 0; i < responses.Count; i++)
        {
            var page = GitHubFacts.Parse(responses[i]);
            var recorded = readsPatches ? page : PullRequestFactSet.WithoutPatches(page);
            facts.Add(new GitHubFact(i == 0 ? PullRequestFactSet.FilesFact : $"{PullRequestFactSet.FilesFact}.page{i + 1}", responses[i].Request, recorded));
            filePages.Add(recorded);
        }

        set = set with { FilePages = filePages };
        string? codeOwnersText = null;
        if (policy.CodeOwners && baseRef is not null)
        {
            var source = await ReadCodeOwnersAsync(installationId, repository, baseRef, cancellationToken);
            if (source is not null)
            {
                var request = source.File is { } file
                    ? $"GET /repos/{repository}/contents/{file.Path}?ref={baseRef}"
                    : $"GET /repos/{repository}/contents/{{{string.Join(",", Core.CodeOwners.CodeOwnersFile.Locations)}}}?ref={baseRef}";
                facts.Add(new GitHubFact(PullRequestFactSet.CodeOwnersFact, request, source.ToJson()));
                set = set with { CodeOwners = source };
                codeOwnersText = source.File?.Text;
            }
        }

        var teams = Core.Controls.PathApprovalsControl.TeamsNeeded(policy, PullRequestSnapshotParser.ChangedFiles(filePages), codeOwnersText);
        return (set, teams);
    }

    /// <summary>
    /// The base branch's CODEOWNERS where GitHub looks, first found wins; a source without a file when none has one;
    /// null (unknown) when GitHub does not return one's content (over the contents API's 1 MB).
    /// </summary>
    private async Task<CodeOwnersSource?> ReadCodeOwnersAsync(long installationId, string repository, string baseRef, CancellationToken cancellationToken)
    {
        foreach (var location in Core.CodeOwners.CodeOwnersFile.Locations)
        {
            PolicyFile? file;
            try
            {
                file = await PolicyFileReader.ReadAsync(api, installationId, repository, location, baseRef, cancellationToken);
            }
            catch (GitHubFactsException)
            {
                return null;
            }

            if (file is not null)
            {
                return new CodeOwnersSource(file, baseRef);
            }
        }

        return new CodeOwnersSource(null, baseRef);
    }

    /// <summary>GitHub's largest page of files; <see cref="MaxFilePages"/> of them hold the 3,000 files GitHub lists at most.</summary>
    private const int FilesPageSize = 100;

    private const int MaxFilePages = Core.Controls.PathApprovalsControl.GitHubFileListLimit / FilesPageSize;

    private async Task<Dictionary<string, IReadOnlyCollection<string>>> LoadTeamMembersAsync(
        long installationId, IEnumerable<string> teams, IReadOnlyCollection<string> candidates, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var team in teams)
        {
            result[team] = await GitHubFacts.TeamMembersAsync(api, installationId, team, candidates, cancellationToken);
        }

        return result;
    }

    private static bool HasLabel(JsonElement pull, string label) =>
        pull.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Array
        && labels.EnumerateArray().Any(l => l.ValueKind == JsonValueKind.Object && l.TryGetProperty("name", out var name)
            && string.Equals(name.GetString(), label, StringComparison.OrdinalIgnoreCase));

    private static List<string> ApprovingReviewers(IEnumerable<JsonElement> reviewPages) =>
        reviewPages
            .Where(p => p.ValueKind == JsonValueKind.Array)
            .SelectMany(p => p.EnumerateArray())
            .Where(r => r.TryGetProperty("state", out var s) && s.GetString() == "APPROVED"
                && r.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.Object && u.TryGetProperty("login", out _))
            .Select(r => r.GetProperty("user").GetProperty("login").GetString()!)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
}
