using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace FinGuard.Testing.Scenarios;

/// <summary>One commit of a scenario: whether GitHub verified its signature, and why.</summary>
public sealed record ScenarioCommit(string Sha, bool Verified, string Reason, string Message = "Change things", string AuthorLogin = "octocat", long AuthorId = 1);

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

    public List<ScenarioCommit> Commits { get; } = [];

    /// <summary>Overrides the commit count GitHub reports on the pull request (e.g. to exceed 250).</summary>
    public int? ReportedCommitCount { get; init; }

    public string HeadSha => Commits.Count > 0 ? Commits[^1].Sha : throw new InvalidOperationException("The scenario has no commits.");

    public static string NewSha() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public PullRequestScenario WithCommit(bool verified, string reason = "valid", string message = "Change things")
    {
        Commits.Add(new ScenarioCommit(NewSha(), verified, verified ? "valid" : reason, message));
        return this;
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
        pull["base"]!["repo"]!["full_name"] = FullName;
        pull["draft"] = false;
        pull["commits"] = ReportedCommitCount ?? Commits.Count;
        return pull;
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
            return (JsonNode)item;
        }).ToList();

        var pages = new List<string>();
        for (var i = 0; i < Math.Max(1, items.Count); i += perPage)
        {
            pages.Add(new JsonArray(items.Skip(i).Take(perPage).Select(n => n.DeepClone()).ToArray()).ToJsonString());
        }

        return pages;
    }

    /// <summary>A <c>pull_request</c> webhook payload for this pull request, adapted from GitHub's recorded example for <paramref name="action"/>.</summary>
    public JsonObject WebhookPayload(JsonObject recordedExample, string action)
    {
        ArgumentNullException.ThrowIfNull(recordedExample);
        var payload = recordedExample.DeepClone().AsObject();
        payload["action"] = action;
        payload["number"] = Number;
        payload["pull_request"]!["number"] = Number;
        payload["pull_request"]!["head"]!["sha"] = HeadSha;
        payload["pull_request"]!["base"]!["ref"] = BaseRef;
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
