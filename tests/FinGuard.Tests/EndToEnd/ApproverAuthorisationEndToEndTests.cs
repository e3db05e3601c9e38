using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// Who may approve, through the real host (local folder storage, the loopback fake GitHub answering the collaborator
/// permission and issue events endpoints as GitHub does): an approval counts only from someone with write access, and
/// a break-glass approval only from someone eligible under every separation-of-duties rule, given after the label.
/// </summary>
public sealed class ApproverAuthorisationEndToEndTests : IAsyncLifetime
{
    private const string Team = "octo-org/cab";
    private const string Label = "emergency-change";

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

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static PullRequestScenario NewScenario(string name, string message = "Adjust settlement cut-off") =>
        new PullRequestScenario(owner: "octo-org", repo: $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], number: 23)
            .WithCommit(verified: true, message: message)
            .WithTwoIndependentApprovals();

    /// <summary>A freeze open now, with break-glass through <see cref="Team"/>; <paramref name="duties"/> is added as the separation-of-duties section.</summary>
    private static string FrozenPolicy(string duties = "") => $"""
        version: 1
        {duties}
        freeze-window:
          windows:
            - name: Release freeze
              from: {Instant(Now.AddHours(-1))}
              to: {Instant(Now.AddHours(6))}
          break-glass:
            label: {Label}
            approver-teams: [{Team}]
            max-duration: 4h
        """;

    private async Task DeliverAsync(PullRequestScenario scenario, string action)
    {
        // These tests are not about who pushed: the author did, as the opened delivery would have said.
        await host.RecordAuthorPushAsync(scenario);
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", action), action).ToJsonString());
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
    }

    /// <summary>Serves the scenario with its reviews submitted at <paramref name="approvedAt"/> and reviewer-carol on the break-glass team.</summary>
    private void ServeFrozen(PullRequestScenario scenario, DateTimeOffset approvedAt)
    {
        scenario.Labels = [Label];
        scenario.ServeOn(github);
        var reviews = JsonNode.Parse(scenario.ReviewsJson())!.AsArray();
        foreach (var review in reviews)
        {
            review!["submitted_at"] = Instant(approvedAt);
        }

        github.RespondPaged("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}/reviews", [reviews.ToJsonString()]);
        github.RespondJson("GET", "/orgs/octo-org/teams/cab/memberships/reviewer-carol", """{"url":"https://api.github.com/teams/1/memberships/reviewer-carol","role":"member","state":"active"}""");
        github.Respond("GET", "/orgs/octo-org/teams/cab/memberships/reviewer-bob", _ => FakeResponse.NotFound());
    }

    private async Task<EvidenceRecord> DecisionAsync(PullRequestScenario scenario, int count = 1)
    {
        await Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == scenario.HeadSha && (string?)r["status"] == "completed"),
            () => $"no check run for {scenario.HeadSha}. Requests: {string.Join(", ", github.Requests.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}"))}");
        return (await host.EvidenceRecordsAsync(scenario.FullName, count))[count - 1];
    }

    private static EvidenceControl Control(EvidenceRecord record, string id) => record.Result.Controls.Single(c => c.Id == id);

    [Fact]
    public async Task Approvals_from_a_read_only_member_and_from_someone_whose_permission_github_does_not_give_do_not_count()
    {
        var scenario = NewScenario("ledger").WithRole("reviewer-bob", "read").WithRole("reviewer-carol", null);
        scenario.RepositoryPolicy = "version: 1\n";
        scenario.ServeOn(github);

        await DeliverAsync(scenario, "opened");
        var record = await DecisionAsync(scenario);

        Assert.NotEqual("pass", record.Result.Verdict);
        var duties = Control(record, "separation-of-duties");
        Assert.Equal("pending", duties.Status);
        Assert.StartsWith("0 of 2 required approvals", duties.Summary, StringComparison.Ordinal);
        var run = github.CheckRuns.Last(r => (string?)r["head_sha"] == scenario.HeadSha);
        var text = (string)run["output"]!["text"]!;
        Assert.Contains("`reviewer-bob` approved", text, StringComparison.Ordinal);
        Assert.Contains("has read access to this repository; only people with write, maintain or admin access can approve", text, StringComparison.Ordinal);
        Assert.Contains("`reviewer-carol` approved", text, StringComparison.Ordinal);
        Assert.Contains("FinGuard could not read their permission on this repository", text, StringComparison.Ordinal);
        Assert.Equal(2, github.FindRequests("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission").Count);
        Assert.Contains(record.Facts, f => f.Name == "permission.reviewer-bob");
        Assert.DoesNotContain(record.Facts, f => f.Name == "permission.reviewer-carol");
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_co_author_on_the_break_glass_team_cannot_approve_the_break_glass()
    {
        var scenario = NewScenario("payments", "Hotfix settlement\n\nCo-authored-by: Carol <9002+reviewer-carol@users.noreply.github.com>");
        scenario.RepositoryPolicy = FrozenPolicy();
        ServeFrozen(scenario, Now.AddMinutes(-5));

        await DeliverAsync(scenario, "labeled");
        var record = await DecisionAsync(scenario);

        var freeze = Control(record, "freeze-window");
        Assert.Equal("fail", freeze.Status);
        Assert.Null(freeze.Exception);
        Assert.Contains(freeze.Reasons, r => r.StartsWith("reviewer-carol: does not count for break-glass: ", StringComparison.Ordinal) && r.Contains("co-authored", StringComparison.Ordinal));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task An_excluded_approver_on_the_break_glass_team_cannot_approve_the_break_glass()
    {
        var scenario = NewScenario("payouts");
        scenario.RepositoryPolicy = FrozenPolicy("separation-of-duties:\n  exclude-approvers: [reviewer-carol]");
        ServeFrozen(scenario, Now.AddMinutes(-5));

        await DeliverAsync(scenario, "labeled");
        var record = await DecisionAsync(scenario);

        var freeze = Control(record, "freeze-window");
        Assert.Equal("fail", freeze.Status);
        Assert.Null(freeze.Exception);
        Assert.Contains("reviewer-carol: does not count for break-glass: is excluded from approving by this policy", freeze.Reasons);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_routine_approval_given_before_the_label_is_not_the_emergency_approval_and_who_added_the_label_is_recorded()
    {
        // The approvals were given before the freeze; the on-call engineer added the label a minute ago.
        var now = Now;
        var labelledAt = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddMinutes(-1);
        var scenario = NewScenario("cards");
        scenario.RepositoryPolicy = FrozenPolicy();
        scenario.LabelEvents = [new ScenarioLabelEvent(Label, "oncall-olga", 7007, Instant(labelledAt))];
        ServeFrozen(scenario, labelledAt.AddHours(-2));

        await DeliverAsync(scenario, "labeled");
        var record = await DecisionAsync(scenario);

        var freeze = Control(record, "freeze-window");
        Assert.Equal("fail", freeze.Status);
        Assert.Null(freeze.Exception);
        Assert.Contains(freeze.Reasons, r => r.StartsWith("reviewer-carol: does not count for break-glass: approved at ", StringComparison.Ordinal) && r.Contains("before the break-glass label was applied", StringComparison.Ordinal));
        var text = (string)github.CheckRuns.Last(r => (string?)r["head_sha"] == scenario.HeadSha)["output"]!["text"]!;
        Assert.Contains($"`{Label}` break-glass label applied by oncall-olga at ", text, StringComparison.Ordinal);
        Assert.Contains(record.Facts, f => f.Name == "issue-events");

        // reviewer-carol approves again, after the label: break-glass holds, invoked by the one who added the label.
        ServeFrozen(scenario, labelledAt.AddSeconds(30));
        await DeliverAsync(scenario, "labeled");
        var again = await DecisionAsync(scenario, 2);

        var exception = Control(again, "freeze-window").Exception!;
        Assert.Equal(new EvidenceActor("user", 7007, "oncall-olga"), exception.InvokedBy);
        Assert.Equal(new EvidenceActor("user", 9002, "reviewer-carol"), exception.ApprovedBy);
        Assert.Equal("pass", again.Result.Verdict);
        github.AssertAllRequestsExistInOpenApi();
    }
}
