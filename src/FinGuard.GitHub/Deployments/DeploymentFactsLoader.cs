using System.Net;
using System.Text.Json;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.GitHub.Deployments;

/// <summary>
/// The GitHub responses a deployment decision is computed from, as GitHub returned them, and the webhook payload that
/// asked. Every one is also in <see cref="Facts"/>, named as the evidence records them.
/// </summary>
public sealed record DeploymentFactSet
{
    public const string PayloadFact = "deployment_protection_rule";
    public const string WorkflowRunFact = "workflow-run";
    public const string ApprovalsFact = "approvals";
    public const string CommitPullsFact = "commit-pulls";
    public const string TagRefsFact = "tag-refs";
    public const string CompareFact = "compare-previous";

    public required string Repository { get; init; }

    /// <summary>The <c>deployment_protection_rule</c> payload.</summary>
    public required JsonElement Payload { get; init; }

    /// <summary>GET /repos/{o}/{r}/actions/runs/{run_id}; null when GitHub no longer has the run.</summary>
    public JsonElement? WorkflowRun { get; init; }

    /// <summary>GET /repos/{o}/{r}/actions/runs/{run_id}/approvals pages (GitHub's <c>Link</c> header followed).</summary>
    public IReadOnlyList<JsonElement> ApprovalPages { get; init; } = [];

    /// <summary>GET /repos/{o}/{r}/commits/{sha}/pulls pages.</summary>
    public IReadOnlyList<JsonElement> CommitPullPages { get; init; } = [];

    /// <summary>GET /repos/{o}/{r}/git/matching-refs/tags/{ref}, when the ref is a short name.</summary>
    public JsonElement? TagRefs { get; init; }

    /// <summary>GET /repos/{o}/{r}/compare/{previous}...{sha}, when the environment has an earlier approved deployment of another commit.</summary>
    public JsonElement? Compare { get; init; }

    public PolicyFile? RepositoryPolicy { get; init; }

    public PolicyFile? OrganizationPolicy { get; init; }

    /// <summary>
    /// <c>org/team</c> → logins known to be members: the freeze-window break-glass approver teams, checked only for the
    /// reviewers whose environment approval asks for break-glass (recorded as <c>team-members</c>, as for pull requests).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<string>> TeamMembers { get; init; } = new Dictionary<string, IReadOnlyCollection<string>>();

    /// <summary>
    /// Each approving environment reviewer's <c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c>, by
    /// login (recorded as <c>permission.{login}</c>, as for pull requests); absent: unknown.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> Permissions { get; init; } = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The deployed commit's check runs and scanner output files; null when not loaded (the policy names no scan source).</summary>
    public Scans.ScanFactsResponses? ScanResponses { get; init; }

    public IReadOnlyList<GitHubFact> Facts { get; init; } = [];

    /// <summary>Rebuilds a fact set from the facts of a deployment record (evidence replay).</summary>
    public static DeploymentFactSet FromFacts(string repository, IEnumerable<GitHubFact> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var list = facts.ToList();
        JsonElement? Single(string name) => list.FirstOrDefault(f => f.Name == name) is { } fact ? fact.Body : null;
        IReadOnlyList<JsonElement> Pages(string name) => [.. list.Where(f => GitHubFacts.IsPage(f.Name, name)).Select(f => f.Body)];
        var teams = Single(PullRequestFactSet.TeamMembersFact);
        return new DeploymentFactSet
        {
            Repository = repository,
            Payload = Single(PayloadFact) ?? throw new GitHubFactsException($"The recorded facts have no '{PayloadFact}' payload."),
            WorkflowRun = Single(WorkflowRunFact),
            ApprovalPages = Pages(ApprovalsFact),
            CommitPullPages = Pages(CommitPullsFact),
            TagRefs = Single(TagRefsFact),
            Compare = Single(CompareFact),
            RepositoryPolicy = Single(PullRequestFactSet.RepositoryPolicyFact) is { } repo ? PolicyFile.FromJson(repo) : null,
            OrganizationPolicy = Single(PullRequestFactSet.OrganizationPolicyFact) is { } org ? PolicyFile.FromJson(org) : null,
            TeamMembers = teams is { } t ? PullRequestFactSet.ReadTeamMembers(t) : new Dictionary<string, IReadOnlyCollection<string>>(),
            Permissions = PullRequestFactSet.PermissionsOf(list),
            ScanResponses = Scans.ScanFactsResponses.FromFacts(list),
            Facts = list,
        };
    }
}

/// <summary>
/// Loads what the deployment controls need from GitHub: the workflow run (its triggering actor), the environment
/// reviews of the run, the pull requests associated with the deployed commit, whether a short ref is a tag, the policy
/// files — <c>.github/finguard.yml</c> from the repository's <b>default branch</b> (never the deployed ref: a deployment
/// must not bring its own policy) and the organisation's <c>finguard.yml</c> — when the policy requires write access,
/// each approving environment reviewer's permission on the repository; and, when the environment has an earlier
/// approved deployment of another commit, how the two commits compare (for the rollback flag).
/// </summary>
public sealed class DeploymentFactsLoader(GitHubApiClient api, Scans.ScanFactsLoader scans)
{
    /// <summary>Most pages of environment reviews read for one run.</summary>
    public const int MaxApprovalPages = 10;

    public async Task<DeploymentFactSet> LoadAsync(
        long installationId,
        string repository,
        long runId,
        string sha,
        string? shortRef,
        string? previousSha,
        JsonElement payload,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(sha);
        var facts = new List<GitHubFact> { new(DeploymentFactSet.PayloadFact, "webhook deployment_protection_rule.requested", payload) };

        JsonElement? run = null;
        try
        {
            var response = await api.GetAsync(installationId, $"repos/{repository}/actions/runs/{runId}", cancellationToken);
            run = GitHubFacts.Parse(response);
            facts.Add(new GitHubFact(DeploymentFactSet.WorkflowRunFact, response.Request, run.Value));
        }
        catch (GitHubApiException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            // The run is gone (deleted): the deployers are then only the webhook's sender.
        }

        // The review history of a run is documented without paging parameters; GitHub still pages long lists with a
        // Link header, and a review on a later page must count (or block) like one on the first.
        var approvals = await GitHubFacts.LoadPagesAsync(api, installationId, $"repos/{repository}/actions/runs/{runId}/approvals", DeploymentFactSet.ApprovalsFact, MaxApprovalPages, facts, cancellationToken);
        var pullPages = await GitHubFacts.LoadPagesAsync(api, installationId, $"repos/{repository}/commits/{sha}/pulls?per_page=100", DeploymentFactSet.CommitPullsFact, 3, facts, cancellationToken);

        JsonElement? tagRefs = null;
        if (shortRef is not null)
        {
            var response = await api.GetAsync(installationId, $"repos/{repository}/git/matching-refs/tags/{GitHubFacts.EscapeRef(shortRef)}", cancellationToken);
            tagRefs = GitHubFacts.Parse(response);
            facts.Add(new GitHubFact(DeploymentFactSet.TagRefsFact, response.Request, tagRefs.Value));
        }

        JsonElement? compare = null;
        if (previousSha is not null && !string.Equals(previousSha, sha, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var response = await api.GetAsync(installationId, $"repos/{repository}/compare/{previousSha}...{sha}?per_page=1", cancellationToken);
                compare = GitHubFacts.Parse(response);
                facts.Add(new GitHubFact(DeploymentFactSet.CompareFact, response.Request, compare.Value));
            }
            catch (GitHubApiException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity)
            {
                // Unrelated histories or a commit that is gone: the rollback flag stays unknown.
            }
        }

        // The policy of the default branch: a deployment's own branch must not bring its own policy.
        var (organizationPolicy, repositoryPolicy) = await PolicyFileReader.ReadBothAsync(api, installationId, repository, null, cancellationToken);
        PolicyFileReader.Record(facts, repository, organizationPolicy, repositoryPolicy);

        // Break-glass: the approver teams' membership of each reviewer whose approval comment asks for it.
        var teamMembers = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.OrdinalIgnoreCase);
        var policy = PullRequestEvaluator.ResolvePolicy(organizationPolicy, repositoryPolicy).Policy;
        if (policy.FreezeWindow.BreakGlass is { } breakGlass)
        {
            var candidates = approvals
                .SelectMany(page => DeploymentSnapshotParser.Approvals(page))
                .Where(a => string.Equals(a.State, "approved", StringComparison.OrdinalIgnoreCase) && Core.Deployments.DeploymentFreezeControl.AsksForBreakGlass(a.Comment, breakGlass.Label))
                .Select(a => a.User.Login)
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (candidates.Count > 0)
            {
                foreach (var team in breakGlass.ApproverTeams.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    teamMembers[team] = await GitHubFacts.TeamMembersAsync(api, installationId, team, candidates, cancellationToken);
                }

                facts.Add(new GitHubFact(PullRequestFactSet.TeamMembersFact, "GET /orgs/{org}/teams/{team_slug}/memberships/{username}", PullRequestFactSet.WriteTeamMembers(teamMembers)));
            }
        }

        // Environment approvals count only from people with write access, when the policy says so (as for pull requests).
        var permissions = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        if (policy.SeparationOfDuties.RequireWriteAccess)
        {
            var approvers = approvals
                .SelectMany(page => DeploymentSnapshotParser.Approvals(page))
                .Where(a => string.Equals(a.State, "approved", StringComparison.OrdinalIgnoreCase))
                .Select(a => a.User.Login);
            permissions = await GitHubFacts.PermissionsAsync(api, installationId, repository, approvers, facts, cancellationToken);
        }

        Scans.ScanFactsResponses? scanResponses = null;
        if (policy.ScanStatus is { Enabled: true, HasSources: true })
        {
            scanResponses = await scans.LoadAsync(installationId, repository, sha, policy.ScanStatus, facts, cancellationToken);
        }

        return new DeploymentFactSet
        {
            ScanResponses = scanResponses,
            TeamMembers = teamMembers,
            Permissions = permissions,
            Repository = repository,
            Payload = payload,
            WorkflowRun = run,
            ApprovalPages = approvals,
            CommitPullPages = pullPages,
            TagRefs = tagRefs,
            Compare = compare,
            RepositoryPolicy = repositoryPolicy,
            OrganizationPolicy = organizationPolicy,
            Facts = facts,
        };
    }
}
