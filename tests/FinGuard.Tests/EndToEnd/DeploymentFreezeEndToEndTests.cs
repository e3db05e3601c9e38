using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using FinGuard.Core.Evidence;
using FinGuard.Functions;
using FinGuard.Processing;
using FinGuard.Storage.Deployments;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.Deployments;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// Deployments and freeze windows through the real host on Azurite and the loopback fake GitHub, with one
/// <see cref="FakeTimeProvider"/> as the clock of both: a deployment requested during a freeze is held and decided when
/// the <c>FreezeWindowEdges</c> timer sees the window close; one to an environment with a wait timer waits for it,
/// across a restart.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed partial class DeploymentFreezeEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{
    private static readonly ScenarioUser Erin = new("approver-erin", 9_301);
    private static readonly ScenarioUser Frank = new("approver-frank", 9_302);

    /// <summary>Thursday 20 November 2026, 10:00 UTC: inside the freeze window of <see cref="FrozenPolicy"/>.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider clock = new(Start);
    private readonly CapturingLoggerProvider logs = new();
    private readonly ConcurrentQueue<Callback> callbacks = new();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    private sealed record Callback(string? State, string Comment, bool EvidenceExisted);

    /// <summary>A freeze of production from 09:00 to 12:00 UTC that leaves pull requests alone (<c>branches: []</c>).</summary>
    private const string FrozenPolicy = """
        version: 1
        freeze-window:
          windows:
            - name: Release freeze
              from: 2026-11-20T09:00:00Z
              to: 2026-11-20T12:00:00Z
              branches: []
              environments: [production]
        """;

    private const string Team = "octo-org/cab";
    private const string Label = "emergency-change";

    /// <summary><see cref="FrozenPolicy"/> with break-glass through <see cref="Team"/> (4h), and what production does during the freeze.</summary>
    private static string BreakGlassPolicy(string duringFreeze) => $"""
        {FrozenPolicy}
          break-glass:
            label: {Label}
            approver-teams: [{Team}]
            max-duration: 4h
        deployments:
          environments:
            production:
              during-freeze: {duringFreeze}
        """;

    private void ServeCabMember(ScenarioUser user) =>
        github.RespondJson("GET", $"/orgs/octo-org/teams/cab/memberships/{user.Login}", $$"""{"url":"https://api.github.com/teams/1/memberships/{{user.Login}}","role":"member","state":"active"}""");

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync(clock);
        host = await StartHostAsync();
    }

    private Task<FinGuardHost> StartHostAsync() =>
        FinGuardHost.StartAsync(
            FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString),
            builder =>
            {
                builder.Logging.AddProvider(logs);
                builder.Services.AddSingleton<TimeProvider>(clock);
            });

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
    }

    public void Dispose() => logs.Dispose();

    private IEvidenceStore Store => host.Services.GetRequiredService<IEvidenceStore>();

    private static string NewRepo(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [GeneratedRegex("Evidence: `(?<blob>[^`]+)`")]
    private static partial Regex EvidenceReference();

    private Task<PullRequestScenario> ApprovedPullRequestAsync(string repo) => host.ApprovedPullRequestAsync(github, "octo-org", repo);

    private static DeploymentScenario MergeOf(PullRequestScenario pr, string policy)
    {
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { RepositoryPolicy = policy };
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        return deployment;
    }

    /// <summary>Serves the deployment and records every POST on its callback path, checking whether its evidence already exists.</summary>
    private void Serve(DeploymentScenario deployment)
    {
        deployment.ServeOn(github);
        github.RespondPaged("GET", $"/repos/{deployment.FullName}/pulls?state=open", ["[]"]);
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("evidence");
        github.Respond("POST", $"/repos/{deployment.FullName}/actions/runs/{deployment.RunId}/deployment_protection_rule", request =>
        {
            var body = JsonNode.Parse(request.Body)!.AsObject();
            var comment = (string?)body["comment"] ?? "";
            var state = (string?)body["state"];
            var existed = state is not null && EvidenceReference().Match(comment) is { Success: true } m && container.GetBlobClient(m.Groups["blob"].Value).Exists().Value;
            callbacks.Enqueue(new Callback(state, comment, existed));
            return FakeResponse.NoContent();
        });
    }

    private async Task DeliverAsync(string eventName, JsonObject payload)
    {
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString())));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
    }

    private Task<Callback> DecisionAsync() =>
        Eventually.GetAsync(
            () => callbacks.FirstOrDefault(c => c.State is not null),
            () => $"GitHub received no decision. Logs:\n{string.Join("\n", logs.Lines.TakeLast(20))}");

    private async Task<List<EvidenceRecord>> DeploymentRecordsAsync(string repository)
    {
        var records = new List<EvidenceRecord>();
        await foreach (var entry in Store.ListAsync(repository.ToLowerInvariant(), CancellationToken.None))
        {
            if (entry.SubjectType == "deployment")
            {
                records.Add(EvidenceSerializer.FromBytes((await Store.ReadAsync(entry.BlobName, CancellationToken.None))!));
            }
        }

        return records;
    }

    private async Task<ScheduledJobOutcome> RunFreezeWindowEdgesAsync()
    {
        var job = host.Services.GetServices<IScheduledJob>().OfType<FreezeWindowEdgesJob>().Single();
        return await job.RunAsync(new ScheduledJobContext(FunctionNames.FreezeWindowEdges, false, null), CancellationToken.None);
    }

    [Fact]
    public async Task A_deployment_requested_during_a_freeze_is_held_and_approved_when_the_timer_sees_the_window_close()
    {
        var pr = await ApprovedPullRequestAsync(NewRepo("treasury"));
        var deployment = MergeOf(pr, FrozenPolicy).WithApproval(Erin).WithApproval(Frank);
        Serve(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var held = await Eventually.GetAsync(() => callbacks.FirstOrDefault(c => c.State is null), () => "no progress comment");

        Assert.StartsWith("⏳ FinGuard is waiting before deploying to production: Held by freeze window Release freeze until 2026-11-20 12:00 UTC.", held.Comment, StringComparison.Ordinal);
        Assert.True(held.Comment.Length <= 1024);
        var request = Assert.Single(await host.Services.GetRequiredService<IDeploymentRequests>().ListByRunAsync(deployment.FullName, deployment.RunId, CancellationToken.None));
        Assert.Equal(DeploymentRequestState.Waiting, request.State);
        Assert.Empty(await DeploymentRecordsAsync(deployment.FullName));

        // Still frozen: the timer finds no edge, and the deployment keeps waiting (no second, identical comment).
        clock.Advance(TimeSpan.FromMinutes(30));
        var quiet = await RunFreezeWindowEdgesAsync();
        Assert.Contains("0 window edge(s)", quiet.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(callbacks, c => c.State is not null);

        // Past the window's end: the timer sees it close and decides the held deployment again.
        clock.Advance(TimeSpan.FromHours(2));
        var outcome = await RunFreezeWindowEdgesAsync();

        Assert.Contains("1 window edge(s)", outcome.Summary, StringComparison.Ordinal);
        Assert.Contains("Decided again 1 waiting deployment request(s).", outcome.Summary, StringComparison.Ordinal);
        var decision = await DecisionAsync();
        Assert.Equal("approved", decision.State);
        Assert.True(decision.EvidenceExisted, "the callback was sent before its evidence was stored");
        Assert.Contains("| ✅ Freeze window | No freeze is active for production, and none is scheduled. |", decision.Comment, StringComparison.Ordinal);
        Assert.Single(callbacks, c => c.State is null);

        var record = Assert.Single(await DeploymentRecordsAsync(deployment.FullName));
        Assert.Equal(FreezeWindowEdgesJob.EvidenceSource, record.Source);
        Assert.Equal(new EvidenceActor("system", null, "finguard"), record.Actor);
        Assert.Equal(Start.AddHours(2.5), record.Timestamp);
        Assert.Equal(("pass", "approved"), (record.Result.Verdict, record.Deployment!.State));
        Assert.Equal(DeploymentRequestState.Answered, (await host.Services.GetRequiredService<IDeploymentRequests>().GetAsync(deployment.FullName, request.Key, CancellationToken.None))!.State);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_wait_timer_holds_an_approvable_deployment_until_it_ends_even_across_a_restart_and_then_approves_it_evidence_first()
    {
        var pr = await ApprovedPullRequestAsync(NewRepo("ledger"));
        const string Policy = "version: 1\ndeployments:\n  environments:\n    production:\n      wait-timer: 30m\n";
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { RepositoryPolicy = Policy, CreatedAt = Start.AddMinutes(-5) }
            .WithApproval(Erin).WithApproval(Frank);
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        Serve(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var waiting = await Eventually.GetAsync(() => callbacks.FirstOrDefault(c => c.State is null), () => "no progress comment");

        Assert.Contains("Waits until 2026-11-20 10:25:00 UTC: production has a 30m wait timer from the deployment's creation at 2026-11-20 09:55:00 UTC.", waiting.Comment, StringComparison.Ordinal);
        var requests = host.Services.GetRequiredService<IDeploymentRequests>();
        var request = Assert.Single(await requests.ListByRunAsync(deployment.FullName, deployment.RunId, CancellationToken.None));
        Assert.Equal((DeploymentRequestState.Waiting, Start.AddMinutes(25)), (request.State, request.WaitUntil));
        Assert.Empty(await DeploymentRecordsAsync(deployment.FullName));

        // Before the end the timer job leaves it alone.
        clock.Advance(TimeSpan.FromMinutes(20));
        var early = await RunFreezeWindowEdgesAsync();
        Assert.DoesNotContain("wait timer ended", early.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(callbacks, c => c.State is not null);

        // A restart loses nothing: the new process finds the waiting request in storage once the wait is over.
        await host.DisposeAsync();
        host = await StartHostAsync();
        clock.Advance(TimeSpan.FromMinutes(6));
        var outcome = await RunFreezeWindowEdgesAsync();

        Assert.Contains("Decided again 1 deployment request(s) whose wait timer ended.", outcome.Summary, StringComparison.Ordinal);
        var decision = await DecisionAsync();
        Assert.Equal("approved", decision.State);
        Assert.True(decision.EvidenceExisted, "the callback was sent before its evidence was stored");
        Assert.Contains("The 30m wait timer of production ended at 2026-11-20 10:25:00 UTC.", decision.Comment, StringComparison.Ordinal);
        var record = Assert.Single(await DeploymentRecordsAsync(deployment.FullName));
        Assert.Equal(FreezeWindowEdgesJob.EvidenceSource, record.Source);
        Assert.Equal("pass", record.Result.Controls.Single(c => c.Id == "wait-timer").Status.ToString().ToLowerInvariant());

        // Answered: later runs do not decide it again.
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.DoesNotContain("wait timer ended", (await RunFreezeWindowEdgesAsync()).Summary, StringComparison.Ordinal);
        Assert.Single(callbacks, c => c.State is not null);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task Break_glass_approved_in_the_environment_review_by_a_cab_member_deploys_during_the_freeze_loudly_as_an_exception()
    {
        var pr = await ApprovedPullRequestAsync(NewRepo("payments"));
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { RepositoryPolicy = BreakGlassPolicy("hold"), CreatedAt = Start.AddMinutes(-10) };
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        deployment.WithApproval(Erin, comment: "emergency-change: INC-42, settlement files rejected by the clearing house").WithApproval(Frank);
        Serve(deployment);
        ServeCabMember(Erin);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("approved", decision.State);
        Assert.True(decision.EvidenceExisted, "the callback was sent before its evidence was stored");
        Assert.StartsWith("## ✅ FinGuard approved this deployment — 🚨 BREAK-GLASS\n", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("🚨 **BREAK-GLASS**: Release freeze bypassed; asked for by deployer-dave, approved by approver-erin (octo-org/cab) with `emergency-change`. This decision is recorded as an exception.", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("| ✅ Freeze window | 🚨 BREAK-GLASS: production is frozen (Release freeze until 2026-11-20 12:00 UTC); deployed by deployer-dave with the break-glass approval of approver-erin (octo-org/cab). Valid until 2026-11-20 13:50 UTC; this decision is recorded as an exception. |", decision.Comment, StringComparison.Ordinal);

        var record = Assert.Single(await DeploymentRecordsAsync(deployment.FullName));
        Assert.Equal(("pass", "approved"), (record.Result.Verdict, record.Deployment!.State));
        Assert.Contains(record.Facts, f => f.Name == "team-members");
        var exception = record.Result.Controls.Single(c => c.Id == "freeze-window").Exception!;
        Assert.Equal(("break-glass", Label, Team), (exception.Type, exception.Label, exception.ApprovedVia));
        Assert.Equal(new EvidenceActor("user", 9_201, "deployer-dave"), exception.InvokedBy);
        Assert.Equal(new EvidenceActor("user", Erin.Id, Erin.Login), exception.ApprovedBy);
        Assert.Equal((Start, Start.AddMinutes(-10).AddHours(4)), (exception.ApprovedAt, exception.ExpiresAt));
        Assert.Equal(["Release freeze"], exception.Bypassed);
        Assert.All(record.Result.Controls.Where(c => c.Id != "freeze-window"), c => Assert.Null(c.Exception));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task Break_glass_approved_by_the_deployer_themselves_does_not_count()
    {
        var pr = await ApprovedPullRequestAsync(NewRepo("ledger"));
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { RepositoryPolicy = BreakGlassPolicy("reject"), CreatedAt = Start };
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        deployment.WithApproval(deployment.Deployer, comment: "emergency-change: trust me").WithApproval(Erin).WithApproval(Frank);
        Serve(deployment);
        ServeCabMember(deployment.Deployer);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("rejected", decision.State);
        Assert.DoesNotContain("BREAK-GLASS", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("| ❌ Freeze window | production is frozen: Release freeze until 2026-11-20 12:00 UTC. |", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("- deployer-dave: asked for break-glass (`emergency-change` in the review comment), but does not count: deployed this change", decision.Comment, StringComparison.Ordinal);
        var record = Assert.Single(await DeploymentRecordsAsync(deployment.FullName));
        Assert.Equal("freeze-window:fail", record.Result.ReasonCode);
        Assert.All(record.Result.Controls, c => Assert.Null(c.Exception));
    }

    [Fact]
    public async Task Break_glass_approved_after_its_time_box_does_not_count()
    {
        var pr = await ApprovedPullRequestAsync(NewRepo("clearing"));
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { RepositoryPolicy = BreakGlassPolicy("reject"), CreatedAt = Start.AddHours(-5) };
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        deployment.WithApproval(Erin, comment: "Emergency-Change approved").WithApproval(Frank);
        Serve(deployment);
        ServeCabMember(Erin);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("rejected", decision.State);
        Assert.Contains("- approver-erin: asked for break-glass (`emergency-change` in the review comment), but does not count: break-glass expired at 2026-11-20 09:00 UTC (4h after the deployment was created at 2026-11-20 05:00 UTC)", decision.Comment, StringComparison.Ordinal);
        var record = Assert.Single(await DeploymentRecordsAsync(deployment.FullName));
        Assert.Equal("freeze-window:fail", record.Result.ReasonCode);
        Assert.All(record.Result.Controls, c => Assert.Null(c.Exception));
    }
}
