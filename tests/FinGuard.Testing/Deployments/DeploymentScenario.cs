using System.Globalization;
using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Testing.Deployments;

/// <summary>A GitHub account of a deployment scenario.</summary>
public sealed record ScenarioUser(string Login, long Id, string Type = "User");

/// <summary>A pull request GitHub associates with the deployed commit (GET commits/{sha}/pulls).</summary>
public sealed record ScenarioPull(int Number, string HeadSha, string? MergeCommitSha, bool Merged);

/// <summary>
/// A deployment waiting on FinGuard's custom protection rule: the <c>deployment_protection_rule</c> payload (the file
/// tests/FinGuard.GitHub.Tests/Webhooks/Payloads/deployment_protection_rule.requested.json, re-pointed at this
/// scenario), the <c>deployment_review</c> payloads (GitHub's recorded <c>requested</c> example, adapted), and the REST
/// responses FinGuard reads (built from GitHub's documented examples): the workflow run, its environment approvals, the
/// pull requests of the deployed commit and the tag refs.
/// </summary>
public sealed class DeploymentScenario
{
    private readonly object gate = new();
    private readonly List<(ScenarioUser User, string State, string? Comment)> approvals = [];

    public DeploymentScenario(string owner, string repo)
    {
        Owner = owner;
        Repo = repo;
    }

    public string Owner { get; }

    public string Repo { get; }

    public string FullName => $"{Owner}/{Repo}";

    public long InstallationId { get; init; } = 7_000_001;

    public string Environment { get; init; } = "production";

    public long RunId { get; init; } = 5_453_085_689;

    public long DeploymentId { get; init; } = 1_121_983_254;

    public string Sha { get; init; } = PullRequestScenario.NewSha();

    public string Ref { get; init; } = "main";

    public string DefaultBranch { get; init; } = "main";

    /// <summary>Who started the workflow run (the webhook's sender and the run's triggering actor).</summary>
    public ScenarioUser Deployer { get; init; } = new("deployer-dave", 9_201);

    /// <summary>The deployment's <c>created_at</c> in the payload; null: the payload file's.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Environment reviews per page of GET …/approvals (GitHub's <c>Link</c> header to the next); null: one page.</summary>
    public int? ApprovalsPerPage { get; init; }

    /// <summary>The pull requests GitHub associates with <see cref="Sha"/>.</summary>
    public List<ScenarioPull> Pulls { get; } = [];

    /// <summary>The repository's <c>.github/finguard.yml</c> on the default branch; null: no file.</summary>
    public string? RepositoryPolicy { get; set; }

    /// <summary>
    /// Repository roles of accounts for GET /repos/{o}/{r}/collaborators/{username}/permission (see
    /// <see cref="PullRequestScenario.BasePermission"/>); a null role: 404. Anyone not named here has <c>write</c> (this
    /// route also answers for the reviewers of a pull request of the same repository).
    /// </summary>
    public Dictionary<string, string?> Roles { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds an environment review (GET …/approvals answers with every review added so far).</summary>
    public DeploymentScenario WithApproval(ScenarioUser user, string state = "approved", string? comment = null)
    {
        lock (gate)
        {
            approvals.Add((user, state, comment));
        }

        return this;
    }

    /// <summary>The callback URL GitHub would send for this run on <paramref name="apiBase"/>.</summary>
    public Uri CallbackUrl(Uri apiBase) =>
        new(apiBase, string.Create(CultureInfo.InvariantCulture, $"repos/{FullName}/actions/runs/{RunId}/deployment_protection_rule"));

    /// <summary>The <c>deployment_protection_rule.requested</c> payload, from the payload file, re-pointed at this scenario.</summary>
    public JsonObject ProtectionRulePayload(Uri callbackUrl)
    {
        ArgumentNullException.ThrowIfNull(callbackUrl);
        var path = Path.Combine(RepositoryRoot.Path, "tests", "FinGuard.GitHub.Tests", "Webhooks", "Payloads", "deployment_protection_rule.requested.json");
        var payload = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        payload["environment"] = Environment;
        payload["event"] = "push";
        payload["deployment_callback_url"] = callbackUrl.AbsoluteUri;
        var deployment = payload["deployment"]!.AsObject();
        deployment["id"] = DeploymentId;
        deployment["sha"] = Sha;
        deployment["ref"] = Ref;
        deployment["environment"] = Environment;
        deployment["original_environment"] = Environment;
        if (CreatedAt is { } created)
        {
            deployment["created_at"] = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            deployment["updated_at"] = deployment["created_at"]!.DeepClone();
        }

        deployment["creator"]!["login"] = Deployer.Login;
        deployment["creator"]!["id"] = Deployer.Id;
        payload["pull_requests"] = new JsonArray();
        Retarget(payload);
        payload["sender"]!["login"] = Deployer.Login;
        payload["sender"]!["id"] = Deployer.Id;
        payload["sender"]!["type"] = Deployer.Type;
        return payload;
    }

    /// <summary>A <c>deployment_review</c> payload (<c>approved</c> or <c>rejected</c>) by <paramref name="reviewer"/>, from GitHub's recorded <c>requested</c> example.</summary>
    public JsonObject ReviewPayload(ScenarioUser reviewer, string action = "approved")
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        var payload = WebhookExamples.First("deployment_review", "requested");
        payload["action"] = action;
        payload["environment"] = Environment;
        payload["workflow_run"]!["id"] = RunId;
        payload["workflow_run"]!["head_sha"] = Sha;
        var job = payload["workflow_job_run"]!.DeepClone().AsObject();
        job["environment"] = Environment;
        payload.Remove("workflow_job_run");
        payload.Remove("requestor");
        payload["workflow_job_runs"] = new JsonArray(job);
        payload["approver"] = User(reviewer);
        payload["comment"] = action == "approved" ? "Looks good" : "Not now";
        Retarget(payload);
        payload["sender"] = User(reviewer);
        return payload;
    }

    /// <summary>Registers the REST responses FinGuard reads for this deployment.</summary>
    public void ServeOn(FakeGitHubServer github)
    {
        ArgumentNullException.ThrowIfNull(github);
        github.RespondJson("GET", string.Create(CultureInfo.InvariantCulture, $"/repos/{FullName}/actions/runs/{RunId}"), WorkflowRunJson().ToJsonString());
        var approvalsPath = string.Create(CultureInfo.InvariantCulture, $"/repos/{FullName}/actions/runs/{RunId}/approvals");
        if (ApprovalsPerPage is { } perPage)
        {
            github.RespondPaged("GET", approvalsPath, () => [.. ApprovalsJson().Chunk(perPage).Select(page => new JsonArray([.. page.Select(a => a!.DeepClone())]).ToJsonString())]);
        }
        else
        {
            github.Respond("GET", approvalsPath, _ => FakeResponse.Json(ApprovalsJson()));
        }
        github.Respond("GET", $"/repos/{FullName}/collaborators/{{username}}/permission", request =>
        {
            var login = request.RouteValues["username"];
            ScenarioUser? reviewer;
            lock (gate)
            {
                reviewer = approvals.Select(a => a.User).FirstOrDefault(u => string.Equals(u.Login, login, StringComparison.OrdinalIgnoreCase));
            }

            var role = Roles.TryGetValue(login, out var set) ? set : "write";
            return role is null ? FakeResponse.NotFound() : FakeResponse.Json(PullRequestScenario.PermissionJson(login, reviewer?.Id ?? 9999, role));
        });
        github.RespondPaged("GET", $"/repos/{FullName}/commits/{Sha}/pulls", [PullsJson().ToJsonString()]);
        github.RespondJson("GET", $"/repos/{FullName}/git/matching-refs/tags/{Ref}", "[]");
        if (RepositoryPolicy is not null)
        {
            github.RespondJson("GET", $"/repos/{FullName}/contents/.github/finguard.yml", PullRequestScenario.ContentsJson(".github/finguard.yml", RepositoryPolicy));
        }
    }

    /// <summary>GET /repos/{o}/{r}/actions/runs/{run_id}, from GitHub's documented example.</summary>
    public JsonObject WorkflowRunJson()
    {
        var run = GitHubExamples.Get("workflow-run").AsObject();
        run["id"] = RunId;
        run["head_sha"] = Sha;
        run["head_branch"] = Ref;
        run["event"] = "push";
        run["actor"] = User(Deployer);
        run["triggering_actor"] = User(Deployer);
        return run;
    }

    /// <summary>GET /repos/{o}/{r}/actions/runs/{run_id}/approvals: every review added so far.</summary>
    public JsonArray ApprovalsJson()
    {
        var template = GitHubExamples.Get("environment-approvals-items").AsArray()[0]!;
        lock (gate)
        {
            return new JsonArray([.. approvals.Select(a =>
            {
                var item = template.DeepClone().AsObject();
                item["state"] = a.State;
                item["comment"] = a.Comment ?? "";
                item["user"] = User(a.User);
                item["environments"]![0]!["name"] = Environment;
                return (JsonNode)item;
            })]);
        }
    }

    /// <summary>GET /repos/{o}/{r}/commits/{sha}/pulls, from GitHub's documented example.</summary>
    public JsonArray PullsJson()
    {
        var template = GitHubExamples.Get("pull-request-simple-items").AsArray()[0]!;
        return new JsonArray([.. Pulls.Select(p =>
        {
            var item = template.DeepClone().AsObject();
            item["number"] = p.Number;
            item["state"] = p.Merged ? "closed" : "open";
            item["merged_at"] = p.Merged ? "2026-11-20T11:00:00Z" : null;
            item["merge_commit_sha"] = p.MergeCommitSha;
            item["head"]!["sha"] = p.HeadSha;
            item["base"]!["ref"] = DefaultBranch;
            return (JsonNode)item;
        })]);
    }

    private void Retarget(JsonObject payload)
    {
        var repository = payload["repository"]!.AsObject();
        repository["full_name"] = FullName;
        repository["name"] = Repo;
        repository["owner"]!["login"] = Owner;
        repository["default_branch"] = DefaultBranch;
        payload["installation"] = new JsonObject { ["id"] = InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    }

    private static JsonObject User(ScenarioUser user) => new()
    {
        ["login"] = user.Login,
        ["id"] = user.Id,
        ["node_id"] = "MDQ6VXNlcjE=",
        ["type"] = user.Type,
        ["site_admin"] = false,
    };
}
