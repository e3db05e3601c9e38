using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// GitHub's merge queue through the real host (local folder storage) and the loopback fake GitHub: a
/// <c>merge_group</c> delivery (GitHub's recorded <c>checks_requested</c> example, re-pointed at each scenario) gets the
/// FinGuard check on the group's head SHA, passing only when every pull request the group adds has a verified passing
/// decision for its current head and no freeze is open now; <c>destroyed</c> completes without work.
/// </summary>
public sealed class MergeQueueEndToEndTests : IAsyncLifetime, IDisposable
{
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder), builder => builder.Logging.AddProvider(logs));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    private static string NewRepo() => $"queue-{Guid.NewGuid():N}"[..18];

    /// <summary>
    /// The group for <paramref name="last"/> on top of <paramref name="ahead"/> (merge method): the pull requests'
    /// commits, each one's merge commit made by the queue, served as GitHub's compare and commit-pulls answers.
    /// </summary>
    private (JsonObject Payload, string HeadSha) Group(PullRequestScenario last, params PullRequestScenario[] ahead)
    {
        var baseSha = PullRequestScenario.NewSha();
        var commits = new JsonArray();
        string headSha = baseSha;
        foreach (var pr in ahead.Append(last))
        {
            foreach (var commit in JsonNode.Parse(pr.CommitPages()[0])!.AsArray())
            {
                commits.Add(commit!.DeepClone());
                github.RespondJson("GET", $"/repos/{pr.FullName}/commits/{(string)commit!["sha"]!}/pulls", new JsonArray(pr.PullJson()).ToJsonString());
            }

            headSha = PullRequestScenario.NewSha();
            var merge = commits[^1]!.DeepClone().AsObject();
            merge["sha"] = headSha;
            merge["commit"]!["message"] = $"Merge pull request #{pr.Number} from octo-org/feature/change\n\n{pr.Number}";
            commits.Add(merge);
            github.RespondJson("GET", $"/repos/{pr.FullName}/commits/{headSha}/pulls", "[]");
        }

        var compare = GitHubExamples.Get("commit-comparison").AsObject();
        compare["commits"] = commits;
        compare["total_commits"] = commits.Count;
        compare["ahead_by"] = commits.Count;
        compare["behind_by"] = 0;
        compare["status"] = "ahead";
        github.RespondJson("GET", $"/repos/{last.FullName}/compare/{baseSha}...{headSha}", compare.ToJsonString());

        var payload = WebhookExamples.First("merge_group", "checks_requested").DeepClone().AsObject();
        payload["merge_group"]!["head_sha"] = headSha;
        payload["merge_group"]!["base_sha"] = baseSha;
        payload["merge_group"]!["head_ref"] = $"refs/heads/gh-readonly-queue/main/pr-{last.Number}-{last.HeadSha}";
        payload["merge_group"]!["base_ref"] = "refs/heads/main";
        payload["repository"]!["full_name"] = last.FullName;
        payload["repository"]!["name"] = last.Repo;
        payload["repository"]!["owner"]!["login"] = last.Owner;
        payload["installation"] = new JsonObject { ["id"] = last.InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        return (payload, headSha);
    }

    private async Task<string> DeliverAsync(JsonObject payload)
    {
        var deliveryId = Guid.NewGuid().ToString();
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("merge_group", Encoding.UTF8.GetBytes(payload.ToJsonString()), deliveryId: deliveryId));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        return deliveryId;
    }

    private Task<JsonObject> CheckOnAsync(string headSha) =>
        Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == headSha && (string?)r["status"] == "completed"),
            () => $"no check on the merge group {headSha}. Logs:\n{string.Join("\n", logs.Lines.TakeLast(15))}");

    private async Task<PullRequestScenario> DecidedAsync(string repo, int number, bool approved)
    {
        if (approved)
        {
            return await host.ApprovedPullRequestAsync(github, "octo-org", repo, number);
        }

        var pr = new PullRequestScenario("octo-org", repo, number).WithCommit(verified: true, message: "Unreviewed change");
        pr.ServeOn(github);
        var body = Encoding.UTF8.GetBytes(pr.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        var run = await CheckOnAsync(pr.HeadSha);
        Assert.NotEqual("success", (string?)run["conclusion"]);
        return pr;
    }

    [Fact]
    public async Task A_group_of_passed_pull_requests_gets_a_passing_check_recorded_as_evidence_linked_to_their_decisions()
    {
        var repo = NewRepo();
        var first = await DecidedAsync(repo, 41, approved: true);
        var second = await DecidedAsync(repo, 42, approved: true);
        var (payload, headSha) = Group(second, first);

        var deliveryId = await DeliverAsync(payload);
        var run = await CheckOnAsync(headSha);

        Assert.Equal("success", (string?)run["conclusion"]);
        Assert.Equal("FinGuard", (string?)run["name"]);
        var records = await host.EvidenceRecordsAsync(second.FullName, 3);
        var group = Assert.Single(records, r => r.Subject.Type == "merge_group");
        Assert.Equal(("merge_group.evaluate", deliveryId, headSha, "pass"), (group.Action, group.DeliveryId, group.Subject.HeadSha, group.Result.Verdict));
        Assert.Equal(
            records.Where(r => r.Subject.Type == "pull_request").Select(r => r.Sequence).Order(),
            group.Links!.Select(l => l.Sequence).Order());
        Assert.All(group.Links!, l => Assert.Equal(EvidenceLink.PullRequestDecision, l.Type));
        Assert.Contains("#41 and #42", group.Result.Controls.Single(c => c.Id == "merge-group-decisions").Summary, StringComparison.Ordinal);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_group_with_a_failed_pull_request_ahead_fails_naming_it()
    {
        var repo = NewRepo();
        var failed = await DecidedAsync(repo, 7, approved: false);
        var passed = await DecidedAsync(repo, 8, approved: true);
        var (payload, headSha) = Group(passed, failed);

        await DeliverAsync(payload);
        var run = await CheckOnAsync(headSha);

        Assert.Equal("failure", (string?)run["conclusion"]);
        var text = (string)run["output"]!["summary"]! + (string?)run["output"]!["text"];
        Assert.Contains("FinGuard has no verified passing decision for #7", text, StringComparison.Ordinal);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_group_whose_commits_GitHub_refuses_to_trace_gets_a_failing_check_at_once()
    {
        var pr = await DecidedAsync(NewRepo(), 11, approved: true);
        var (payload, headSha) = Group(pr);
        foreach (var commit in JsonNode.Parse(pr.CommitPages()[0])!.AsArray())
        {
            github.Respond("GET", $"/repos/{pr.FullName}/commits/{(string)commit!["sha"]!}/pulls", _ => FakeResponse.Error(422, "No commit found for SHA"));
        }

        await DeliverAsync(payload);
        var run = await CheckOnAsync(headSha);

        Assert.Equal("failure", (string?)run["conclusion"]);
        var text = (string)run["output"]!["summary"]! + (string?)run["output"]!["text"];
        Assert.Contains("GitHub refused a request FinGuard needs to tell its pull requests apart", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_whose_pull_request_FinGuard_never_decided_fails()
    {
        var pr = new PullRequestScenario("octo-org", NewRepo(), 9).WithCommit(verified: true).WithTwoIndependentApprovals();
        pr.ServeOn(github);
        var (payload, headSha) = Group(pr);

        await DeliverAsync(payload);
        var run = await CheckOnAsync(headSha);

        Assert.Equal("failure", (string?)run["conclusion"]);
        Assert.Contains("FinGuard has no decision about this head", (string?)run["output"]!["text"] ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_of_a_passed_pull_request_fails_while_the_base_branch_is_frozen_now()
    {
        var pr = await DecidedAsync(NewRepo(), 11, approved: true);
        var now = TimeProvider.System.GetUtcNow();
        var policy = string.Create(CultureInfo.InvariantCulture, $"""
            version: 1
            freeze-window:
              windows:
                - name: Quarter close
                  from: {now.AddHours(-1).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}
                  to: {now.AddHours(2).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}
            """);
        github.RespondJson("GET", $"/repos/{pr.FullName}/contents/.github/finguard.yml", PullRequestScenario.ContentsJson(".github/finguard.yml", policy));
        var (payload, headSha) = Group(pr);

        await DeliverAsync(payload);
        var run = await CheckOnAsync(headSha);

        Assert.Equal("failure", (string?)run["conclusion"]);
        Assert.Contains("Frozen now: Quarter close", (string?)run["output"]!["text"] ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destroyed_group_completes_without_work_or_error()
    {
        var payload = WebhookExamples.First("merge_group", "checks_requested").DeepClone().AsObject();
        payload["action"] = "destroyed";
        payload["reason"] = "dequeued";
        var deliveryId = await DeliverAsync(payload);

        var inbox = host.Services.GetRequiredService<Core.Deliveries.IDeliveryInbox>();
        var stored = await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: not Core.Deliveries.DeliveryState.Pending } s ? s : null,
            () => "the destroyed delivery was not completed");
        Assert.Equal(Core.Deliveries.DeliveryState.Completed, stored.State);
        Assert.Empty(github.CheckRuns);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }
}
