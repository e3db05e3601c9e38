using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace FinGuard.Testing.Scenarios;

/// <summary>One review of a scenario.</summary>
public sealed record ScenarioReview(long Id, string Login, long UserId, string State, string CommitId, string SubmittedAt, string UserType = "User");

/// <summary>One commit of a scenario: whether GitHub verified its signature, and why.</summary>
public sealed record ScenarioCommit(string Sha, bool Verified, string Reason, string Message = "Change things", string AuthorLogin = "octocat", long AuthorId = 1)
{
    /// <summary>The committer's account, when not the example's.</summary>
    public (string Login, long Id, string Name, string Email)? Committer { get; init; }

    /// <summary>Its parents, when not the example's one parent.</summary>
    public IReadOnlyList<string>? Parents { get; init; }

    /// <summary>GitHub's committer of the commits it makes itself (the web editor, "Update branch").</summary>
    public static (string Login, long Id, string Name, string Email) WebFlow => ("web-flow", 19_864_447, "GitHub", "noreply@github.com");
}

/// <summary>A <c>labeled</c> event of a scenario: who added which label, when.</summary>
public sealed record ScenarioLabelEvent(string Label, string ActorLogin, long ActorId, string CreatedAt);

/// <summary>
/// Builds GitHub REST responses for a pull request (GET pulls/{n}, GET pulls/{n}/commits) by adapting GitHub's
/// documented examples: same shape, our numbers, SHAs and verification results.
/// </summary>
public sealed class PullRequestScenario
{
    public PullRequestScenario(string owner = "octo-org", string repo = "payments", int number = 42)
    {
        Owner = owner;
        Repo = repo;
        Number = number;
    }

    public string Owner { get; }

    public string Repo { get; }

    public string FullName => $"{Owner}/{Repo}";

    public int Number { get; }

    public long InstallationId { get; init; } = 7_000_001;

    public string BaseRef { get; init; } = "main";

    public string AuthorLogin { get; init; } = "dev-alice";

    /// <summary>The repository's default branch (the <c>$default</c> branch of the policy).</summary>
    public string DefaultBranch { get; init; } = "main";

    public List<ScenarioCommit> Commits { get; } = [];

    public List<ScenarioReview> Reviews { get; } = [];

    /// <summary>The repository's <c>.github/finguard.yml</c> on the base branch; null: no file (GitHub answers 404).</summary>
    public string? RepositoryPolicy { get; set; }

    /// <summary>The organisation's <c>finguard.yml</c> in <c>&lt;owner&gt;/.github</c>; null: no file.</summary>
    public string? OrganizationPolicy { get; set; }

    /// <summary>The pull request's label names; null: the labels of GitHub's documented example.</summary>
    public IReadOnlyList<string>? Labels { get; set; }

    /// <summary>
    /// Repository roles (<c>role_name</c>) of accounts, for <c>GET /repos/{o}/{r}/collaborators/{username}/permission</c>;
    /// a null role: GitHub answers 404. A reviewer not named here has <c>write</c>; anyone else gets 404.
    /// </summary>
    public Dictionary<string, string?> Roles { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The pull request's <c>labeled</c> events (<c>GET /repos/{o}/{r}/issues/{n}/events</c>); null: one per label, added
    /// by the author at 2026-11-20T09:00:00Z (before the reviews).
    /// </summary>
    public List<ScenarioLabelEvent>? LabelEvents { get; set; }

    /// <summary>Sets <paramref name="login"/>'s repository role (<c>read</c>, <c>triage</c>, <c>write</c>, <c>maintain</c>, <c>admin</c> or a custom role's name); null: 404.</summary>
    public PullRequestScenario WithRole(string login, string? role)
    {
        Roles[login] = role;
        return this;
    }

    /// <summary>The base permission GitHub reports for a role: maintain → write, triage → read; a custom role named <c>name:base</c> → base.</summary>
    public static (string Permission, string RoleName) BasePermission(string role) => role switch
    {
        "admin" => ("admin", "admin"),
        "maintain" or "write" => ("write", role),
        "triage" or "read" => ("read", role),
        "none" => ("none", "none"),
        _ when role.Split(':') is [var name, var @base] => (@base, name),
        _ => throw new ArgumentException($"Unknown role '{role}': write a custom role as name:base.", nameof(role)),
    };

    /// <summary>
    /// GET /repos/{owner}/{repo}/collaborators/{username}/permission for <paramref name="login"/>, adapted from GitHub's
    /// documented example; null when GitHub answers 404.
    /// </summary>
    public string? PermissionJson(string login, long userId)
    {
        string? role = Roles.TryGetValue(login, out var set) ? set : Reviews.Any(r => string.Equals(r.Login, login, StringComparison.OrdinalIgnoreCase)) ? "write" : null;
        return role is null ? null : PermissionJson(login, userId, role);
    }

    /// <summary>GET /repos/{owner}/{repo}/collaborators/{username}/permission for someone with <paramref name="role"/>, from GitHub's documented example.</summary>
    public static string PermissionJson(string login, long userId, string role)
    {
        var (permission, roleName) = BasePermission(role);
        var body = GitHubExamples.Get("repository-collaborator-permission-response-if-user-has-admin-permissions").AsObject();
        body["permission"] = permission;
        body["role_name"] = roleName;
        body["user"]!["login"] = login;
        body["user"]!["id"] = userId;
        body["user"]!["permissions"] = new JsonObject
        {
            ["admin"] = permission == "admin",
            ["maintain"] = permission == "admin" || roleName == "maintain",
            ["push"] = permission is "admin" or "write",
            ["triage"] = permission is "admin" or "write" || roleName == "triage",
            ["pull"] = permission != "none",
        };
        body["user"]!["role_name"] = roleName;
        return body.ToJsonString();
    }

    /// <summary>GET /repos/{owner}/{repo}/issues/{number}/events: the <c>labeled</c> events, adapted from GitHub's documented example.</summary>
    public string IssueEventsJson()
    {
        var template = GitHubExamples.Get("issue-event-for-issue-items").AsArray()[0]!;
        var events = LabelEvents ?? [.. (Labels ?? []).Select(l => new ScenarioLabelEvent(l, AuthorLogin, 5001, "2026-11-20T09:00:00Z"))];
        return new JsonArray([.. events.Select((e, i) =>
        {
            var item = template.DeepClone().AsObject();
            item["id"] = 6000 + i;
            item["url"] = $"https://api.github.com/repos/{FullName}/issues/events/{6000 + i}";
            item["event"] = "labeled";
            item["commit_id"] = null;
            item["commit_url"] = null;
            item["actor"]!["login"] = e.ActorLogin;
            item["actor"]!["id"] = e.ActorId;
            item["created_at"] = e.CreatedAt;
            item["label"] = new JsonObject { ["name"] = e.Label, ["color"] = "b60205" };
            return (JsonNode)item;
        })]).ToJsonString();
    }

    /// <summary>Overrides the commit count GitHub reports on the pull request (e.g. to exceed 250).</summary>
    public int? ReportedCommitCount { get; init; }

    public string HeadSha => Commits.Count > 0 ? Commits[^1].Sha : throw new InvalidOperationException("The scenario has no commits.");

    public static string NewSha() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public PullRequestScenario WithCommit(bool verified, string reason = "valid", string message = "Change things")
    {
        Commits.Add(new ScenarioCommit(NewSha(), verified, verified ? "valid" : reason, message));
        return this;
    }

    /// <summary>Adds a review by <paramref name="login"/>, on the current head unless <paramref name="commitId"/> says otherwise.</summary>
    public PullRequestScenario WithReview(string login, long userId, string state = "APPROVED", string? commitId = null)
    {
        var id = 80 + Reviews.Count;
        Reviews.Add(new ScenarioReview(id, login, userId, state, commitId ?? HeadSha, $"2026-11-20T10:{Reviews.Count:D2}:00Z"));
        return this;
    }

    /// <summary>Two approvals on the current head from reviewers who did not author anything.</summary>
    public PullRequestScenario WithTwoIndependentApprovals() => WithReview("reviewer-bob", 9001).WithReview("reviewer-carol", 9002);

    /// <summary>GET /repos/{owner}/{repo}/pulls/{number}/reviews, adapted from GitHub's documented example.</summary>
    public string ReviewsJson()
    {
        var template = GitHubExamples.Get("pull-request-review-items").AsArray()[0]!;
        return new JsonArray([.. Reviews.Select(r =>
        {
            var item = template.DeepClone().AsObject();
            item["id"] = r.Id;
            item["user"]!["login"] = r.Login;
            item["user"]!["id"] = r.UserId;
            item["user"]!["type"] = r.UserType;
            item["state"] = r.State;
            item["commit_id"] = r.CommitId;
            item["submitted_at"] = r.SubmittedAt;
            return (JsonNode)item;
        })]).ToJsonString();
    }

    /// <summary>GET /repos/{owner}/{repo}/contents/{path} for a file, as GitHub returns it (base64 content, blob SHA).</summary>
    public static string ContentsJson(string path, string text) => new JsonObject
    {
        ["type"] = "file",
        ["encoding"] = "base64",
        ["size"] = System.Text.Encoding.UTF8.GetByteCount(text),
        ["name"] = System.IO.Path.GetFileName(path),
        ["path"] = path,
        ["content"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)),
#pragma warning disable CA5350 // A git blob id is SHA-1 by definition; nothing here relies on it for security.
        ["sha"] = Convert.ToHexStringLower(SHA1.HashData(System.Text.Encoding.UTF8.GetBytes($"blob {System.Text.Encoding.UTF8.GetByteCount(text)}\0{text}"))),
#pragma warning restore CA5350
    }.ToJsonString();

    /// <summary>Registers this pull request's responses on the fake GitHub.</summary>
    public void ServeOn(FakeGitHub.FakeGitHubServer github)
    {
        ArgumentNullException.ThrowIfNull(github);
        github.RespondJson("GET", $"/repos/{FullName}/pulls/{Number}", PullJson().ToJsonString());
        github.RespondPaged("GET", $"/repos/{FullName}/pulls/{Number}/commits", CommitPages());
        github.RespondCompare(ComparePath, CompareObject);
        github.RespondPaged("GET", $"/repos/{FullName}/pulls/{Number}/reviews", [ReviewsJson()]);
        github.Respond("GET", $"/repos/{FullName}/collaborators/{{username}}/permission", request =>
        {
            var login = request.RouteValues["username"];
            var id = Reviews.FirstOrDefault(r => string.Equals(r.Login, login, StringComparison.OrdinalIgnoreCase))?.UserId ?? 9999;
            return PermissionJson(login, id) is { } json ? FakeGitHub.FakeResponse.Json(json) : FakeGitHub.FakeResponse.NotFound();
        });
        github.RespondPaged("GET", $"/repos/{FullName}/issues/{Number}/events", () => [IssueEventsJson()]);
        if (RepositoryPolicy is not null)
        {
            github.RespondJson("GET", $"/repos/{FullName}/contents/.github/finguard.yml", ContentsJson(".github/finguard.yml", RepositoryPolicy));
        }

        if (OrganizationPolicy is not null)
        {
            github.RespondJson("GET", $"/repos/{Owner}/.github/contents/finguard.yml", ContentsJson("finguard.yml", OrganizationPolicy));
        }
    }

    /// <summary>GET /repos/{owner}/{repo}/pulls/{number}.</summary>
    public JsonObject PullJson()
    {
        var pull = GitHubExamples.Get("pull-request").AsObject();
        pull["number"] = Number;
        pull["url"] = $"https://api.github.com/repos/{FullName}/pulls/{Number}";
        pull["html_url"] = $"https://github.com/{FullName}/pull/{Number}";
        pull["user"]!["login"] = AuthorLogin;
        pull["user"]!["id"] = 5001;
        pull["head"]!["sha"] = HeadSha;
        pull["head"]!["ref"] = "feature/change";
        pull["base"]!["ref"] = BaseRef;
        pull["base"]!["sha"] = BaseSha;
        pull["base"]!["repo"]!["full_name"] = FullName;
        pull["base"]!["repo"]!["default_branch"] = DefaultBranch;
        pull["draft"] = false;
        pull["commits"] = ReportedCommitCount ?? Commits.Count;
        if (Labels is not null)
        {
            var template = pull["labels"]!.AsArray()[0]!;
            pull["labels"] = new JsonArray([.. Labels.Select((name, i) =>
            {
                var label = template.DeepClone().AsObject();
                label["id"] = 7000 + i;
                label["name"] = name;
                return (JsonNode)label;
            })]);
        }

        return pull;
    }

    /// <summary>The base branch's SHA the pull request names (<c>base.sha</c>).</summary>
    public string BaseSha { get; init; } = NewSha();

    /// <summary>The path of the compare that lists this pull request's commits.</summary>
    public string ComparePath => $"/repos/{FullName}/compare/{BaseRef}...{HeadSha}";

    /// <summary>
    /// GET /repos/{owner}/{repo}/compare/{base branch}...{head SHA} unpaged: up to 250 commits (the last ones, as GitHub
    /// returns them), oldest first, with the compare's other properties (and one changed file) as in GitHub's documented example.
    /// </summary>
    public string CompareJson()
    {
        var compare = CompareObject();
        compare["commits"] = new JsonArray([.. compare["commits"]!.AsArray().TakeLast(250).Select(c => c!.DeepClone())]);
        return compare.ToJsonString();
    }

    /// <summary>The whole comparison: every commit, oldest first (<see cref="FakeGitHub.FakeGitHubServer.RespondCompare"/> pages it as GitHub does).</summary>
    public JsonObject CompareObject()
    {
        var compare = GitHubExamples.Get("commit-comparison").AsObject();
        compare["commits"] = System.Text.Json.Nodes.JsonNode.Parse(CommitPages(perPage: int.MaxValue)[0])!.AsArray();
        compare["total_commits"] = Commits.Count;
        compare["ahead_by"] = Commits.Count;
        compare["behind_by"] = 0;
        compare["status"] = "ahead";
        return compare;
    }

    /// <summary>GET /repos/{owner}/{repo}/pulls/{number}/commits, split in pages of <paramref name="perPage"/>.</summary>
    public IReadOnlyList<string> CommitPages(int perPage = 100)
    {
        var template = GitHubExamples.Get("commit-items").AsArray()[0]!;
        var items = Commits.Select(c =>
        {
            var item = template.DeepClone().AsObject();
            item["sha"] = c.Sha;
            item["url"] = $"https://api.github.com/repos/{FullName}/commits/{c.Sha}";
            item["commit"]!["message"] = c.Message;
            item["commit"]!["verification"] = new JsonObject
            {
                ["verified"] = c.Verified,
                ["reason"] = c.Reason,
                ["signature"] = c.Reason == "unsigned" ? null : "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----",
                ["payload"] = c.Reason == "unsigned" ? null : $"tree {c.Sha}\n",
                ["verified_at"] = c.Verified ? "2026-11-20T10:00:00Z" : null,
            };
            item["author"]!["login"] = c.AuthorLogin;
            item["author"]!["id"] = c.AuthorId;
            if (c.Committer is { } committer)
            {
                item["committer"]!["login"] = committer.Login;
                item["committer"]!["id"] = committer.Id;
                item["commit"]!["committer"]!["name"] = committer.Name;
                item["commit"]!["committer"]!["email"] = committer.Email;
            }

            if (c.Parents is { } parents)
            {
                item["parents"] = new JsonArray([.. parents.Select(p => (JsonNode)new JsonObject
                {
                    ["url"] = $"https://api.github.com/repos/{FullName}/commits/{p}",
                    ["sha"] = p,
                })]);
            }

            return (JsonNode)item;
        }).ToList();

        var pages = new List<string>();
        for (var i = 0; i < Math.Max(1, items.Count); i += perPage)
        {
            pages.Add(new JsonArray(items.Skip(i).Take(perPage).Select(n => n.DeepClone()).ToArray()).ToJsonString());
        }

        return pages;
    }

    /// <summary>A <c>pull_request_review</c> webhook payload (from GitHub's recorded example) for the last review of this scenario.</summary>
    public JsonObject ReviewWebhookPayload(string action = "submitted")
    {
        var payload = WebhookExamples.First("pull_request_review", action);
        var review = Reviews[^1];
        payload["review"]!["id"] = review.Id;
        payload["review"]!["user"]!["login"] = review.Login;
        payload["review"]!["user"]!["id"] = review.UserId;
        payload["review"]!["state"] = review.State.ToLowerInvariant();
        payload["review"]!["commit_id"] = review.CommitId;
        payload["pull_request"]!["number"] = Number;
        payload["pull_request"]!["head"]!["sha"] = HeadSha;
        payload["repository"]!["full_name"] = FullName;
        payload["repository"]!["name"] = Repo;
        payload["installation"] = new JsonObject { ["id"] = InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        payload["sender"]!["login"] = review.Login;
        payload["sender"]!["id"] = review.UserId;
        return payload;
    }

    /// <summary>
    /// A <c>pull_request</c> webhook payload for this pull request, adapted from GitHub's recorded example for
    /// <paramref name="action"/>. Its <c>pull_request</c> is <see cref="PullJson"/> (GitHub delivers the same object its
    /// REST API returns); with <paramref name="keepRecordedPull"/> it stays the recorded example's, with this pull
    /// request's number, head and base, author, commit count and labels written into it (the benchmarks use that to
    /// keep the delivery at its recorded size).
    /// </summary>
    public JsonObject WebhookPayload(JsonObject recordedExample, string action, bool keepRecordedPull = false)
    {
        ArgumentNullException.ThrowIfNull(recordedExample);
        var payload = recordedExample.DeepClone().AsObject();
        payload["action"] = action;
        payload["number"] = Number;
        if (keepRecordedPull)
        {
            var pull = payload["pull_request"]!;
            var fresh = PullJson();
            pull["number"] = Number;
            pull["head"]!["sha"] = HeadSha;
            pull["base"]!["ref"] = BaseRef;
            pull["base"]!["sha"] = BaseSha;
            pull["base"]!["repo"]!["default_branch"] = DefaultBranch;
            pull["user"]!["login"] = AuthorLogin;
            pull["user"]!["id"] = 5001;
            pull["commits"] = ReportedCommitCount ?? Commits.Count;
            pull["draft"] = false;
            pull["labels"] = Labels is null ? new JsonArray() : fresh["labels"]!.DeepClone();
        }
        else
        {
            payload["pull_request"] = PullJson();
        }

        payload["repository"]!["full_name"] = FullName;
        payload["repository"]!["name"] = Repo;
        payload["repository"]!["owner"]!["login"] = Owner;
        payload["installation"] = new JsonObject { ["id"] = InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        if (action == "synchronize")
        {
            payload["before"] = NewSha();
            payload["after"] = HeadSha;
        }

        return payload;
    }
}
