using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FinGuard.GitHub.Tests.Snapshots;

/// <summary>The loader against the loopback fake GitHub, through the real DI registration (auth, resilience, paging).</summary>
public sealed class PullRequestFactsLoaderTests : IAsyncLifetime
{
    private FakeGitHubServer github = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        services = FakeGitHubServices.Create(github);
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await github.DisposeAsync();
    }

    private PullRequestFactsLoader Loader => services.GetRequiredService<PullRequestFactsLoader>();

    [Fact]
    public async Task Loads_pull_250_commits_in_one_compare_reviews_and_both_policy_locations_with_one_token_request()
    {
        var scenario = new PullRequestScenario();
        for (var i = 0; i < 250; i++)
        {
            scenario.WithCommit(verified: true);
        }

        scenario.WithTwoIndependentApprovals();
        scenario.ServeOn(github);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        Assert.Equal(250, decision.Snapshot.Commits.Length);
        Assert.Equal(scenario.HeadSha, decision.Snapshot.HeadSha);
        Assert.Equal(2, decision.Snapshot.Reviews.Length);
        Assert.Equal("default", decision.Policy.Source);
        Assert.Equal(scenario.Commits.Select(c => c.Sha), decision.Snapshot.Commits.Select(c => c.Sha));
        Assert.Equal(["pull", "compare", "reviews", "permission.reviewer-bob", "permission.reviewer-carol"], facts.Facts.Select(f => f.Name));
        Assert.Equal($"GET /repos/{scenario.FullName}/collaborators/reviewer-bob/permission", facts.Facts[3].Request);
        Assert.Equal($"GET /repos/{scenario.FullName}/compare/main...{scenario.HeadSha}", facts.Facts[1].Request);
        Assert.False(facts.Facts[1].Body.TryGetProperty("files", out _), "the diff is not kept as evidence");
        Assert.True(facts.Facts[1].Body.TryGetProperty("merge_base_commit", out _), "everything else is kept");
        Assert.Single(github.FindRequests("POST", "/app/installations/{installation_id}/access_tokens"));
        // token, pull, compare (250 commits), reviews, repository policy (404), organisation policy (404), and the
        // permission of each of the two approvers.
        Assert.Equal(8, github.Requests.Count);
        Assert.Empty(github.FindRequests("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"));
        var policyRequest = Assert.Single(github.Requests, r => r.Path == $"/repos/{scenario.FullName}/contents/.github/finguard.yml");
        Assert.Equal("main", policyRequest.Query["ref"]);
        Assert.Single(github.Requests, r => r.Path == $"/repos/{scenario.Owner}/.github/contents/finguard.yml");
        Assert.All(github.Requests.Where(r => r.Path.StartsWith("/repos/", StringComparison.Ordinal)), r => Assert.StartsWith("Bearer ghs_", r.Header("Authorization"), StringComparison.Ordinal));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task More_than_3000_commits_are_not_fetched_and_the_count_is_kept_for_the_control()
    {
        var scenario = new PullRequestScenario { ReportedCommitCount = 3001 }.WithCommit(verified: true);
        scenario.ServeOn(github);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        Assert.Equal(3001, decision.Snapshot.ReportedCommitCount);
        Assert.Empty(decision.Snapshot.Commits);
        Assert.Empty(github.FindRequests("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"));
        Assert.Empty(github.FindRequests("GET", "/repos/{owner}/{repo}/compare/{basehead}"));
        Assert.Equal(Core.Results.ControlStatus.Error, decision.Result.Controls.Single(c => c.Id == "separation-of-duties").Status);
    }

    [Theory]
    [InlineData(251, 3)]
    [InlineData(3000, 30)]
    public async Task More_than_250_commits_are_read_page_by_page_from_the_compare_and_replay_from_the_pages(int count, int pages)
    {
        var scenario = new PullRequestScenario();
        for (var i = 0; i < count; i++)
        {
            scenario.WithCommit(verified: true);
        }

        scenario.WithTwoIndependentApprovals();
        scenario.ServeOn(github);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        Assert.Equal(scenario.Commits.Select(c => c.Sha), decision.Snapshot.Commits.Select(c => c.Sha));
        var compares = github.FindRequests("GET", "/repos/{owner}/{repo}/compare/{basehead}");
        Assert.Equal(pages, compares.Count);
        Assert.Equal("100", compares[0].Query["per_page"]);
        Assert.Equal(
            ["compare", .. Enumerable.Range(2, pages - 1).Select(p => $"compare.page{p}")],
            facts.Facts.Where(f => f.Name.StartsWith("compare", StringComparison.Ordinal)).Select(f => f.Name));
        Assert.All(facts.Facts.Where(f => f.Name.StartsWith("compare", StringComparison.Ordinal)), f => Assert.False(f.Body.TryGetProperty("files", out _)));
        Assert.Equal(Core.Results.ControlStatus.Pass, decision.Result.Controls.Single(c => c.Id == "signed-commits").Status);

        var replayed = PullRequestEvaluator.Evaluate(PullRequestFactSet.FromFacts(scenario.FullName, facts.Facts), DateTimeOffset.UnixEpoch);
        Assert.Equal(decision.Snapshot.Commits.AsEnumerable(), replayed.Snapshot.Commits.AsEnumerable());
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_delivered_pull_request_is_not_read_again_and_is_recorded_with_its_delivery()
    {
        var scenario = new PullRequestScenario().WithCommit(verified: true).WithCommit(verified: false, reason: "unsigned");
        scenario.ServeOn(github);
        var payload = scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened");
        var pull = System.Text.Json.JsonSerializer.SerializeToElement(payload["pull_request"]);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, new DeliveredPull(pull, "webhook pull_request.opened delivery d-1: pull_request"), CancellationToken.None);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        Assert.Empty(github.FindRequests("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"));
        Assert.Single(github.FindRequests("GET", "/repos/{owner}/{repo}/compare/{basehead}"));
        Assert.Equal("webhook pull_request.opened delivery d-1: pull_request", facts.Facts[0].Request);
        Assert.Equal(scenario.Commits.Select(c => c.Sha), decision.Snapshot.Commits.Select(c => c.Sha));
        Assert.Equal(Core.Results.ControlStatus.Fail, decision.Result.Controls.Single(c => c.Id == "signed-commits").Status);

        // Replay from the recorded facts reads the commits back from the compare response.
        var replayed = PullRequestFactSet.FromFacts(scenario.FullName, facts.Facts);
        Assert.Equal(decision.Snapshot.Commits.AsEnumerable(), PullRequestEvaluator.Evaluate(replayed, DateTimeOffset.UnixEpoch).Snapshot.Commits.AsEnumerable());
        github.AssertAllRequestsExistInOpenApi();
    }

    [Theory]
    [InlineData("main", "main")]
    [InlineData("release/2026", "release/2026")]
    [InlineData("fix/a b#1?", "fix/a%20b%231%3F")]
    public void The_base_branch_is_escaped_per_segment_in_the_compare_path(string branch, string escaped) =>
        Assert.Equal(escaped, GitHubFacts.EscapeRef(branch));

    [Fact]
    public async Task A_pull_request_without_a_base_branch_is_a_facts_error_naming_the_field()
    {
        var scenario = new PullRequestScenario().WithCommit(verified: true);
        scenario.ServeOn(github);
        var pull = scenario.PullJson();
        pull["base"]!.AsObject().Remove("ref");

        var error = await Assert.ThrowsAsync<GitHubFactsException>(() => Loader.LoadAsync(
            scenario.InstallationId, scenario.FullName, scenario.Number, new DeliveredPull(System.Text.Json.JsonSerializer.SerializeToElement(pull), "webhook"), CancellationToken.None));

        Assert.Contains("base.ref", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_is_read_from_the_base_branch_and_team_membership_is_checked_per_approver()
    {
        var scenario = new PullRequestScenario { BaseRef = "release/2026" }.WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.RepositoryPolicy = """
            version: 1
            branches: [release/*]
            separation-of-duties:
              approver-teams: [octo-org/payments-reviewers]
            """;
        scenario.ServeOn(github);
        github.RespondJson("GET", "/orgs/octo-org/teams/payments-reviewers/memberships/reviewer-bob", """{"url":"https://api.github.com/teams/1/memberships/reviewer-bob","role":"member","state":"active"}""");

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        var policyRequest = Assert.Single(github.Requests, r => r.Path == $"/repos/{scenario.FullName}/contents/.github/finguard.yml");
        Assert.Equal("release/2026", policyRequest.Query["ref"]);
        Assert.NotNull(facts.RepositoryPolicy);
        Assert.Equal(40, facts.RepositoryPolicy.BlobSha!.Length);
        Assert.Equal([facts.RepositoryPolicy.BlobSha], decision.Policy.BlobShas.AsEnumerable());
        Assert.Equal(["octo-org/payments-reviewers"], decision.Policy.Policy.SeparationOfDuties.ApproverTeams.AsEnumerable());
        Assert.Equal(["reviewer-bob"], facts.TeamMembers["octo-org/payments-reviewers"]);
        Assert.Contains(facts.Facts, f => f.Name == "team-members");
        Assert.Equal(2, github.FindRequests("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}").Count);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_404_from_github_is_a_specific_non_transient_error()
    {
        var error = await Assert.ThrowsAsync<FinGuard.GitHub.Api.GitHubApiException>(() => Loader.LoadAsync(1, "octo/missing", 9, CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Status);
        Assert.False(error.IsTransient);
        Assert.Contains("GET /repos/octo/missing/pulls/9", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_approvers_permission_is_read_recorded_and_replayed_and_what_cannot_be_read_is_unknown()
    {
        var scenario = new PullRequestScenario().WithCommit(verified: true)
            .WithReview("reviewer-bob", 9001).WithReview("reviewer-carol", 9002).WithReview("reviewer-dan", 9003).WithReview("reviewer-erin", 9004)
            .WithRole("reviewer-carol", "triage").WithRole("reviewer-dan", null).WithRole("reviewer-erin", "release-manager:write");
        scenario.ServeOn(github);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        // The author pushed the head (the server adds this from the verified delivery; the loader does not read it).
        using var push = System.Text.Json.JsonDocument.Parse(
            $$$"""{"action":"synchronize","number":{{{scenario.Number}}},"pull_request":{"head":{"sha":"{{{scenario.HeadSha}}}"}},"sender":{"login":"{{{scenario.AuthorLogin}}}","id":21031067,"type":"User"}}""");
        facts = facts.WithHeadPushes([new HeadPushDelivery(push.RootElement.Clone(), "webhook pull_request.synchronize delivery test")]);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        var permissions = decision.Snapshot.ReviewerPermissions;
        Assert.Equal(["reviewer-bob", "reviewer-carol", "reviewer-erin"], permissions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Core.Snapshots.RepositoryAccess("write", "write"), permissions["reviewer-bob"]);
        Assert.Equal(new Core.Snapshots.RepositoryAccess("read", "triage"), permissions["reviewer-carol"]);
        Assert.Equal(new Core.Snapshots.RepositoryAccess("write", "release-manager"), permissions["reviewer-erin"]);
        Assert.Equal(4, github.FindRequests("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission").Count);
        Assert.Null(facts.IssueEventPages);
        Assert.Empty(github.FindRequests("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events"));

        var duties = decision.Result.Controls.Single(c => c.Id == "separation-of-duties");
        Assert.StartsWith("Approved on the current head", duties.Summary, StringComparison.Ordinal);
        Assert.EndsWith("by reviewer-bob and reviewer-erin (2 of 2 required approvals).", duties.Summary, StringComparison.Ordinal);
        Assert.Contains(duties.Details, d => d.Subject == "reviewer-carol" && !d.Ok && d.Message.EndsWith("has triage (base permission read) access to this repository; only people with write, maintain or admin access can approve", StringComparison.Ordinal));
        Assert.Contains(duties.Details, d => d.Subject == "reviewer-dan" && !d.Ok && d.Message.Contains("could not read their permission", StringComparison.Ordinal));

        // Evidence replay reads the same permissions back from the recorded facts.
        var replayed = PullRequestEvaluator.Evaluate(PullRequestFactSet.FromFacts(scenario.FullName, facts.Facts), DateTimeOffset.UnixEpoch);
        Assert.Equal(permissions, replayed.Snapshot.ReviewerPermissions);
        github.AssertAllRequestsExistInOpenApi();
    }

    /// <summary>Serves <paramref name="scenario"/> under a year-end freeze whose break-glass label it carries; nobody is on the team.</summary>
    private void ServeWithBreakGlassPolicy(PullRequestScenario scenario)
    {
        scenario.RepositoryPolicy = """
            version: 1
            freeze-window:
              windows:
                - name: Year end
                  from: 2026-12-20T00:00:00Z
                  to: 2027-01-02T00:00:00Z
              break-glass:
                label: emergency-change
                approver-teams: [octo-org/cab]
            """;
        scenario.ServeOn(github);
        github.Respond("GET", "/orgs/octo-org/teams/cab/memberships/{username}", _ => FakeResponse.NotFound());
    }

    [Fact]
    public async Task With_the_break_glass_label_the_issue_events_are_read_and_replayed()
    {
        var scenario = new PullRequestScenario().WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.Labels = ["emergency-change"];
        scenario.LabelEvents = [new ScenarioLabelEvent("emergency-change", "oncall-olga", 7007, "2026-11-20T09:30:00Z")];
        ServeWithBreakGlassPolicy(scenario);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        var snapshot = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch).Snapshot;

        var labeled = Assert.Single(snapshot.LabelEvents!.Value);
        Assert.Equal(new Core.Snapshots.LabelEvent("emergency-change", new Core.Snapshots.GitHubUser("oncall-olga", 7007, false), new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero)), labeled);
        Assert.Contains(facts.Facts, f => f.Name == "issue-events" && f.Request.Contains($"/repos/{scenario.FullName}/issues/{scenario.Number}/events", StringComparison.Ordinal));
        Assert.Equal(snapshot.LabelEvents, PullRequestEvaluator.Evaluate(PullRequestFactSet.FromFacts(scenario.FullName, facts.Facts), DateTimeOffset.UnixEpoch).Snapshot.LabelEvents);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task Issue_events_longer_than_FinGuard_reads_are_not_recorded_so_break_glass_cannot_be_verified()
    {
        var scenario = new PullRequestScenario().WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.Labels = ["emergency-change"];
        ServeWithBreakGlassPolicy(scenario);
        // One page more than FinGuard reads: the newest labelling would be on the page it never sees.
        var page = scenario.IssueEventsJson();
        github.RespondPaged("GET", $"/repos/{scenario.FullName}/issues/{scenario.Number}/events", [.. Enumerable.Repeat(page, PullRequestFactsLoader.MaxIssueEventPages + 1)]);

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);

        Assert.Null(facts.IssueEventPages);
        Assert.DoesNotContain(facts.Facts, f => f.Name.StartsWith("issue-events", StringComparison.Ordinal));
        Assert.Equal(PullRequestFactsLoader.MaxIssueEventPages, github.FindRequests("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events").Count);
        var freeze = PullRequestEvaluator.Evaluate(facts, new DateTimeOffset(2026, 12, 21, 12, 0, 0, TimeSpan.Zero)).Result.Controls.Single(c => c.Id == "freeze-window");
        Assert.Equal(Core.Results.ControlStatus.Error, freeze.Status);
        Assert.Contains(freeze.Details, d => d.Message.Contains("events were not loaded", StringComparison.Ordinal));
    }
}
