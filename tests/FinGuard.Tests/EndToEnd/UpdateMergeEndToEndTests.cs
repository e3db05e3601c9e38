using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// <c>separation-of-duties.ignore-update-merges</c> through the real host (local folder storage, the loopback fake
/// GitHub answering the compare endpoint as GitHub does): two approvals of the author's commit, then GitHub's "Update
/// branch" merge of <c>main</c> as the new head.
/// </summary>
public sealed class UpdateMergeEndToEndTests : IAsyncLifetime
{
    private const string Policy = "version: 1\nseparation-of-duties:\n  ignore-update-merges: true\n";

    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    /// <summary>The author's commit approved by two reviewers, then a verified merge of <paramref name="baseTip"/> made by <paramref name="committer"/>.</summary>
    private static PullRequestScenario Updated(string baseTip, (string Login, long Id, string Name, string Email) committer)
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"ledger-{Guid.NewGuid():N}"[..16], number: 31) { RepositoryPolicy = Policy }
            .WithCommit(verified: true, message: "Adjust settlement cut-off")
            .WithTwoIndependentApprovals();
        var approved = scenario.HeadSha;
        scenario.Commits.Add(new ScenarioCommit(PullRequestScenario.NewSha(), true, "valid", "Merge branch 'main' into cut-off")
        {
            Committer = committer,
            Parents = [approved, baseTip],
        });
        return scenario;
    }

    /// <summary>A comparison as GitHub's documented example, with <paramref name="status"/> and <paramref name="files"/> (name, blob).</summary>
    private static string Comparison(string status, params (string Name, string Blob)[] files)
    {
        var compare = GitHubExamples.Get("commit-comparison").AsObject();
        compare["status"] = status;
        var template = compare["files"]!.AsArray()[0]!;
        compare["files"] = new JsonArray([.. files.Select(f =>
        {
            var file = template.DeepClone().AsObject();
            file["filename"] = f.Name;
            file["status"] = "modified";
            file["sha"] = f.Blob;
            file.Remove("previous_filename");
            return (JsonNode)file;
        })]);
        return compare.ToJsonString();
    }

    /// <summary>GitHub's answers about the merge: the base tip is on main; the merge added <paramref name="added"/>; main changed README.md.</summary>
    private void ServeComparisons(PullRequestScenario scenario, string baseTip, params (string Name, string Blob)[] added)
    {
        var (approved, merge) = (scenario.Commits[0].Sha, scenario.HeadSha);
        github.RespondJson("GET", $"/repos/{scenario.FullName}/compare/main...{baseTip}", Comparison("behind"));
        github.RespondJson("GET", $"/repos/{scenario.FullName}/compare/{approved}...{merge}", Comparison("ahead", added));
        github.RespondJson("GET", $"/repos/{scenario.FullName}/compare/{approved}...{baseTip}", Comparison("diverged", ("README.md", new string('1', 40))));
    }

    private async Task<EvidenceRecord> DecideAsync(PullRequestScenario scenario)
    {
        await host.RecordAuthorPushAsync(scenario);
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        await Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == scenario.HeadSha && (string?)r["status"] == "completed"),
            () => $"no check run for {scenario.HeadSha}. Requests: {string.Join(", ", github.Requests.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}"))}");
        return (await host.EvidenceRecordsAsync(scenario.FullName, 1))[0];
    }

    [Fact]
    public async Task Approvals_carry_over_GitHubs_update_merge_that_brings_only_main_and_the_comparisons_are_evidence()
    {
        var baseTip = PullRequestScenario.NewSha();
        var scenario = Updated(baseTip, ScenarioCommit.WebFlow);
        scenario.ServeOn(github);
        ServeComparisons(scenario, baseTip, ("README.md", new string('1', 40)));

        var record = await DecideAsync(scenario);

        var duties = record.Result.Controls.Single(c => c.Id == "separation-of-duties");
        Assert.Equal("pass", duties.Status);
        var text = (string)github.CheckRuns.Last(r => (string?)r["head_sha"] == scenario.HeadSha)["output"]!["text"]!;
        Assert.Contains($"since then only GitHub's update merge {scenario.HeadSha[..7]} of main (ignore-update-merges) — counts", text, StringComparison.Ordinal);
        Assert.Equal(3, record.Facts.Count(f => f.Name.StartsWith("comparison.", StringComparison.Ordinal)));
        Assert.Contains(record.Facts, f => f.Name == $"comparison.main...{baseTip}");
        var replay = FinGuard.Evidence.EvidenceReplayComparison.Compare(record);
        Assert.True(replay.ExactMatch, string.Join("\n", replay.DecisionDifferences.Concat(replay.WordingDifferences)));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_merge_that_also_changes_a_file_main_did_not_leaves_the_approvals_stale_and_the_check_says_why()
    {
        var baseTip = PullRequestScenario.NewSha();
        var scenario = Updated(baseTip, ScenarioCommit.WebFlow);
        scenario.ServeOn(github);
        ServeComparisons(scenario, baseTip, ("README.md", new string('1', 40)), ("src/Settlement.cs", new string('2', 40)));

        var record = await DecideAsync(scenario);

        var duties = record.Result.Controls.Single(c => c.Id == "separation-of-duties");
        Assert.Equal("pending", duties.Status);
        Assert.Contains(duties.Reasons, r => r.Contains("changes `src/Settlement.cs` differently from main", StringComparison.Ordinal));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_merge_a_person_made_is_not_an_update_merge_and_no_comparison_is_asked_for()
    {
        var baseTip = PullRequestScenario.NewSha();
        var scenario = Updated(baseTip, ("dev-alice", 5001, "Alice", "alice@example.com"));
        scenario.ServeOn(github);
        ServeComparisons(scenario, baseTip, ("README.md", new string('1', 40)));

        var record = await DecideAsync(scenario);

        var duties = record.Result.Controls.Single(c => c.Id == "separation-of-duties");
        Assert.Equal("pending", duties.Status);
        Assert.Contains(duties.Reasons, r => r.Contains("is a merge GitHub did not make (committer dev-alice, not web-flow)", StringComparison.Ordinal));
        Assert.DoesNotContain(record.Facts, f => f.Name.StartsWith("comparison.", StringComparison.Ordinal));
        Assert.DoesNotContain(github.Requests, r => r.Path.Contains($"/compare/{scenario.Commits[0].Sha}", StringComparison.Ordinal));
    }
}
