using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Functions;
using FinGuard.Processing;
using FinGuard.Storage.Evidence;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// The <c>freeze-window</c> control through the real host (local folder storage, the loopback fake GitHub, Functions
/// endpoints on): a frozen pull request gets a failing check naming the freeze; break-glass passes it and the evidence
/// marks the decision as an exception; the <c>FreezeWindowEdges</c> timer re-evaluates open pull requests when a window
/// opens. The host's clock is the real one, so windows are placed around the real time.
/// </summary>
public sealed class FreezeWindowEndToEndTests : IAsyncLifetime
{
    private const string Team = "octo-org/cab";
    private const string Label = "emergency-change";

    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.GitHubSettings(github, folder);
        settings[LocalTimerScheduler.EnabledKey] = "false";
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A repository policy with one fixed window (UTC) and break-glass through <see cref="Team"/>.</summary>
    private static string Policy(DateTimeOffset from, DateTimeOffset to) => $"""
        version: 1
        freeze-window:
          windows:
            - name: Release freeze
              from: {Instant(from)}
              to: {Instant(to)}
          break-glass:
            label: {Label}
            approver-teams: [{Team}]
            max-duration: 4h
        """;

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    private static PullRequestScenario NewScenario(string name) =>
        new PullRequestScenario(owner: "octo-org", repo: $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], number: 17)
            .WithCommit(verified: true, message: "Adjust settlement cut-off")
            .WithTwoIndependentApprovals();

    private async Task DeliverAsync(PullRequestScenario scenario, string action)
    {
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", action), action).ToJsonString());
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
    }

    private Task<JsonObject> WaitForCheckRunAsync(string headSha, Func<JsonObject, bool>? until = null) =>
        Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == headSha && (string?)r["status"] == "completed" && (until?.Invoke(r) ?? true)),
            () => $"no completed check run for {headSha}. Requests: {string.Join(", ", github.Requests.Select(r => $"{r.Method} {r.Path}"))}");

    private Task<List<EvidenceRecord>> RecordsAsync(PullRequestScenario scenario, int atLeast) => host.EvidenceRecordsAsync(scenario.FullName, atLeast);

    /// <summary>The pull request's labels as GitHub lists them (and delivers them), from the documented example's label.</summary>
    private static void ServeLabels(FakeGitHubServer github, PullRequestScenario scenario, params string[] labels)
    {
        scenario.Labels = labels;
        var pull = scenario.PullJson();
        github.RespondJson("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}", pull.ToJsonString());
        github.RespondPaged("GET", $"/repos/{scenario.FullName}/pulls?state=open", [new JsonArray(pull.DeepClone()).ToJsonString()]);
    }

    // What the FreezeWindowEdges timer function runs (WorkerFunctionTests invokes the function itself).
    private Task<string> RunTimerAsync() =>
        host.Services.GetRequiredService<ScheduledJobRunner>().RunAsync(new ScheduledJobContext(FunctionNames.FreezeWindowEdges, false, null), CancellationToken.None);

    [Fact]
    public async Task A_pull_request_during_a_freeze_gets_a_failing_check_naming_the_freeze_and_when_it_ends()
    {
        var now = Now;
        var to = now.AddHours(2);
        var scenario = NewScenario("ledger");
        scenario.RepositoryPolicy = Policy(now.AddHours(-1), to);
        scenario.ServeOn(github);
        ServeLabels(github, scenario, "bug");

        await DeliverAsync(scenario, "synchronize");
        var run = await WaitForCheckRunAsync(scenario.HeadSha);

        Assert.Equal("failure", (string?)run["conclusion"]);
        Assert.Equal("1 of 3 controls failing", (string?)run["output"]!["title"]);
        var summary = (string)run["output"]!["summary"]!;
        var until = to.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
        Assert.Contains($"| Freeze window (`freeze-window`) | ❌ fail | Frozen: Release freeze until {until}. |", summary, StringComparison.Ordinal);
        Assert.Contains("add the label `emergency-change`", summary, StringComparison.Ordinal);
        Assert.Contains("### ❌ fail Freeze window", (string)run["output"]!["text"]!, StringComparison.Ordinal);

        var record = Assert.Single(await RecordsAsync(scenario, 1));
        Assert.Equal("fail", record.Result.Verdict);
        Assert.Equal("freeze-window:fail", record.Result.ReasonCode);
        var control = record.Result.Controls.Single(c => c.Id == "freeze-window");
        Assert.Equal("fail", control.Status);
        Assert.Equal($"Frozen: Release freeze until {until}.", control.Summary);
        Assert.Null(control.Exception);
        Assert.Equal("Release freeze", record.Policy.Resolved.GetProperty("freezeWindow").GetProperty("windows")[0].GetProperty("name").GetString());
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task Break_glass_passes_the_freeze_loudly_the_evidence_marks_the_exception_and_the_timer_rechecks_it_once_expired()
    {
        var now = Now;
        var scenario = NewScenario("payments");
        scenario.RepositoryPolicy = Policy(now.AddHours(-1), now.AddHours(6));
        scenario.ServeOn(github);
        ServeLabels(github, scenario, Label);

        // Both approvals count for separation of duties; reviewer-carol is also on the change advisory board.
        var approvedAt = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddMinutes(-5);
        var reviews = JsonNode.Parse(scenario.ReviewsJson())!.AsArray();
        foreach (var review in reviews)
        {
            review!["submitted_at"] = Instant(approvedAt);
        }

        github.RespondPaged("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}/reviews", [reviews.ToJsonString()]);
        github.RespondJson("GET", "/orgs/octo-org/teams/cab/memberships/reviewer-carol", """{"url":"https://api.github.com/teams/1/memberships/reviewer-carol","role":"member","state":"active"}""");

        await host.RecordAuthorPushAsync(scenario);
        await DeliverAsync(scenario, "labeled");
        var run = await WaitForCheckRunAsync(scenario.HeadSha);

        Assert.Equal("success", (string?)run["conclusion"]);
        Assert.Equal("🚨 BREAK-GLASS: All 3 controls passing", (string?)run["output"]!["title"]);
        var summary = (string)run["output"]!["summary"]!;
        var expiresAt = approvedAt.AddHours(4);
        Assert.Contains(
            $"| Freeze window (`freeze-window`) | ✅ pass | 🚨 BREAK-GLASS: Frozen: Release freeze until {now.AddHours(6).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC, " +
            $"bypassed by label `emergency-change` with the approval of reviewer-carol (octo-org/cab)",
            summary,
            StringComparison.Ordinal);
        Assert.Contains($"Valid until {expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; this decision is recorded as an exception.", summary, StringComparison.Ordinal);

        var record = Assert.Single(await RecordsAsync(scenario, 1));
        Assert.Equal("pass", record.Result.Verdict);
        Assert.Equal("github-webhook:pull_request.labeled", record.Source);
        Assert.Contains(record.Facts, f => f.Name == "team-members");
        var exception = record.Result.Controls.Single(c => c.Id == "freeze-window").Exception!;
        Assert.Equal("break-glass", exception.Type);
        Assert.Equal(Label, exception.Label);
        Assert.Equal(new EvidenceActor("user", 5001, scenario.AuthorLogin), exception.InvokedBy);
        Assert.Equal(new EvidenceActor("user", 9002, "reviewer-carol"), exception.ApprovedBy);
        Assert.Equal(Team, exception.ApprovedVia);
        Assert.Equal(approvedAt, exception.ApprovedAt);
        Assert.Equal(expiresAt, exception.ExpiresAt);
        Assert.Equal(["Release freeze"], exception.Bypassed);
        Assert.All(record.Result.Controls.Where(c => c.Id != "freeze-window"), c => Assert.Null(c.Exception));

        // Five hours later the break-glass has expired while the window is still open: the timer's job (on a fake clock
        // set five hours ahead) finds the decision that passed by it and evaluates the pull request again.
        var later = new FakeTimeProvider(now.AddHours(5));
        var job = new FreezeWindowEdgesJob(
            host.Services.GetRequiredService<IServiceScopeFactory>(),
            host.Services.GetRequiredService<ICheckpointChainCatalog>(),
            host.Services.GetRequiredService<IEvidenceStore>(),
            new InMemoryFreezeWindowEdgesState(),
            later,
            NullLogger<FreezeWindowEdgesJob>.Instance);
        var outcome = await job.RunAsync(new ScheduledJobContext(FunctionNames.FreezeWindowEdges, false, null), CancellationToken.None);

        Assert.Contains("0 window edge(s), 0 policy change(s), 1 expired break-glass; re-evaluated 1 open pull request(s)", outcome.Summary, StringComparison.Ordinal);
        var again = (await RecordsAsync(scenario, 2))[1];
        Assert.Equal(FreezeWindowEdgesJob.EvidenceSource, again.Source);
        Assert.Equal(new EvidenceActor("system", null, "finguard"), again.Actor);
    }

    [Fact]
    public async Task The_FreezeWindowEdges_timer_reads_an_organisations_policy_once_per_run_for_all_its_repositories()
    {
        var scenarios = new[] { NewScenario("ledger"), NewScenario("payouts"), NewScenario("cards") };
        foreach (var scenario in scenarios)
        {
            scenario.RepositoryPolicy = "version: 1\n";
            scenario.OrganizationPolicy = "version: 1\n";
            scenario.ServeOn(github);
            ServeLabels(github, scenario, "bug");
            await DeliverAsync(scenario, "opened");
            await WaitForCheckRunAsync(scenario.HeadSha);
        }

        var before = github.Requests.Count;
        var log = await RunTimerAsync();
        var run = github.Requests.Skip(before).ToList();

        Assert.StartsWith("FreezeWindowEdges (done; past due: no): Checked 3 of 3 repositories with evidence (3 new", log, StringComparison.Ordinal);
        Assert.Single(run, r => r.Method == "GET" && r.Path == "/repos/octo-org/.github/contents/finguard.yml");
        Assert.All(scenarios, s => Assert.Single(run, r => r.Method == "GET" && r.Path == $"/repos/{s.FullName}/contents/.github/finguard.yml"));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task The_FreezeWindowEdges_timer_re_evaluates_open_pull_requests_when_a_window_opens()
    {
        var scenario = NewScenario("treasury");
        scenario.RepositoryPolicy = "version: 1\n";
        scenario.ServeOn(github);
        ServeLabels(github, scenario, "bug");
        await DeliverAsync(scenario, "opened");
        var passing = await WaitForCheckRunAsync(scenario.HeadSha);
        Assert.Equal("success", (string?)passing["conclusion"]);

        // The policy on the default branch now has a window that opened a minute ago.
        var now = Now;
        scenario.RepositoryPolicy = Policy(now.AddMinutes(-1), now.AddHours(1));
        scenario.ServeOn(github);
        ServeLabels(github, scenario, "bug");

        var log = await RunTimerAsync();

        Assert.StartsWith("FreezeWindowEdges (done; past due: no): Checked 1 of 1 repositories with evidence (1 new; 1 with freeze windows on the default branch); 1 window edge(s)", log, StringComparison.Ordinal);
        Assert.Contains($"re-evaluated 1 open pull request(s) in {scenario.FullName}.", log, StringComparison.Ordinal);
        var failing = await WaitForCheckRunAsync(scenario.HeadSha, r => (string?)r["conclusion"] == "failure");
        Assert.Contains("Frozen: Release freeze until", (string)failing["output"]!["summary"]!, StringComparison.Ordinal);
        Assert.Single(github.CheckRuns, r => (string?)r["head_sha"] == scenario.HeadSha); // updated, not duplicated

        var records = await RecordsAsync(scenario, 2);
        Assert.Equal(["pass", "fail"], records.Select(r => r.Result.Verdict));
        Assert.Equal("finguard-timer:FreezeWindowEdges", records[1].Source);
        Assert.StartsWith("FreezeWindowEdges:", records[1].DeliveryId, StringComparison.Ordinal);
        Assert.Equal(new EvidenceActor("system", null, "finguard"), records[1].Actor);

        // Nothing opened or closed since: the next run evaluates nothing, and the progress is kept on disk.
        var quiet = await RunTimerAsync();
        Assert.Contains("0 window edge(s), 0 policy change(s), 0 expired break-glass; re-evaluated 0 open pull request(s).", quiet, StringComparison.Ordinal);
        Assert.Equal(2, (await RecordsAsync(scenario, 2)).Count);
        var state = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "job-state", "freeze-window-edges.json")))!;
        var entry = JsonNode.Parse((string)state[scenario.FullName.ToLowerInvariant()]!)!;
        Assert.Equal(scenario.InstallationId, (long)entry["installationId"]!);
        github.AssertAllRequestsExistInOpenApi();
    }
}
