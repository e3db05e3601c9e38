using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Deployments;
using FinGuard.Telemetry;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.Deployments;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using FinGuard.Tests.Telemetry;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// The deployment gate end to end: the real <c>finguard serve</c> host, Azurite, and the loopback fake GitHub. A
/// <c>deployment_protection_rule</c> delivery (the payload file checked against GitHub's webhook schema, re-pointed at
/// each scenario) goes in; the decision is recorded as evidence and only then sent to
/// <c>POST …/actions/runs/{run_id}/deployment_protection_rule</c>.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed partial class DeploymentGateEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{
    private static readonly ScenarioUser Erin = new("approver-erin", 9_301);
    private static readonly ScenarioUser Frank = new("approver-frank", 9_302);

    private readonly CapturingLoggerProvider logs = new();
    private readonly ConcurrentQueue<Callback> callbacks = new();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;
    private FinGuardMeasurements metrics = null!;

    /// <summary>One POST GitHub received on the callback path, and whether the decision's evidence existed at that moment.</summary>
    private sealed record Callback(string? State, string? Environment, string Comment, bool EvidenceExisted, int Status);

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(
            FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString),
            builder => builder.Logging.AddProvider(logs));
        metrics = new FinGuardMeasurements(host.Services);
    }

    public async Task DisposeAsync()
    {
        metrics.Dispose();
        await host.DisposeAsync();
        await github.DisposeAsync();
    }

    public void Dispose() => logs.Dispose();

    private BlobContainerClient EvidenceContainer => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("evidence");

    private IEvidenceStore Store => host.Services.GetRequiredService<IEvidenceStore>();

    private static string NewRepo(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [GeneratedRegex("Evidence: `(?<blob>[^`]+)`")]
    private static partial Regex EvidenceReference();

    private Task<PullRequestScenario> ApprovedPullRequestAsync(string owner, string repo, int number = 42) => host.ApprovedPullRequestAsync(github, owner, repo, number);

    /// <summary>The deployment of <paramref name="pr"/>'s merge commit.</summary>
    private static DeploymentScenario MergeOf(PullRequestScenario pr, ScenarioUser? deployer = null, long runId = 5_453_085_689)
    {
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { Deployer = deployer ?? new ScenarioUser("deployer-dave", 9_201), RunId = runId, DeploymentId = runId + 1 };
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        return deployment;
    }

    /// <summary>Records every POST on the scenario's callback path (answering with <paramref name="status"/>), checking whether its evidence already exists.</summary>
    private void RecordCallbacks(DeploymentScenario deployment, Func<JsonObject, int>? status = null)
    {
        var container = EvidenceContainer;
        github.Respond("POST", $"/repos/{deployment.FullName}/actions/runs/{deployment.RunId}/deployment_protection_rule", request =>
        {
            var body = JsonNode.Parse(request.Body)!.AsObject();
            var comment = (string?)body["comment"] ?? "";
            var state = (string?)body["state"];
            var existed = state is not null && EvidenceReference().Match(comment) is { Success: true } m && container.GetBlobClient(m.Groups["blob"].Value).Exists().Value;
            var code = status?.Invoke(body) ?? 204;
            callbacks.Enqueue(new Callback(state, (string?)body["environment_name"], comment, existed, code));
            return code == 204
                ? FakeResponse.NoContent()
                : FakeResponse.Error(code, "Server Error") with { Headers = new Dictionary<string, string> { ["Retry-After"] = "0" } };
        });
    }

    private async Task<string> DeliverAsync(string eventName, JsonObject payload, string? deliveryId = null)
    {
        deliveryId ??= Guid.NewGuid().ToString();
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()), deliveryId: deliveryId));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        return deliveryId;
    }

    private Task<Callback> DecisionAsync(Func<Callback, bool>? accepted = null) =>
        Eventually.GetAsync(
            () => callbacks.FirstOrDefault(c => c.State is not null && c.Status == 204 && (accepted?.Invoke(c) ?? true)),
            () => $"GitHub received no decision. Requests: {string.Join(", ", github.Requests.Select(r => $"{r.Method} {r.Path} -> {r.Route}"))}\nLogs:\n{string.Join("\n", logs.Lines.TakeLast(20))}");

    private async Task<StoredDelivery> CompletedAsync(string deliveryId)
    {
        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        return await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: not DeliveryState.Pending } stored ? stored : null,
            () => $"delivery {deliveryId} was not completed");
    }

    private async Task<List<EvidenceIndexEntry>> DeploymentEntriesAsync(string repository) =>
        (await Store.ListAsync(repository.ToLowerInvariant(), CancellationToken.None).ToListAsync()).Where(e => e.SubjectType == "deployment").ToList();

    private async Task<EvidenceRecord> RecordAsync(EvidenceIndexEntry entry) =>
        EvidenceSerializer.FromBytes((await Store.ReadAsync(entry.BlobName, CancellationToken.None))!);

    [Fact]
    public async Task The_merge_commit_of_a_passed_pull_request_deployed_and_approved_by_others_is_approved_after_its_evidence_is_written()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("payments"));
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        var deliveryId = await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        // What GitHub (and the approvers on the run page) received.
        Assert.Equal("approved", decision.State);
        Assert.Equal("production", decision.Environment);
        Assert.True(decision.EvidenceExisted, "the callback was sent before its evidence was stored");
        Assert.StartsWith("## ✅ FinGuard approved this deployment", decision.Comment, StringComparison.Ordinal);
        Assert.Contains($"Deployment of {deployment.Sha[..7]} to production approved: all 3 controls passing", decision.Comment, StringComparison.Ordinal);
        Assert.Contains($"| ✅ Chain of custody | `{deployment.Sha[..7]}` is the merge commit of pull request #42, which FinGuard passed", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("| ✅ Deployment separation of duties | Deployed by someone who did not write the change; 2 of 2 required environment approvals. Approved by approver-erin and approver-frank. |", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("| ✅ Allowed source refs | Deployed from branch `main`, allowed for production by `$default`. |", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("| ➖ Freeze window | No freeze window applies to production. |", decision.Comment, StringComparison.Ordinal);
        Assert.Single(callbacks);

        // Counted: the pull request's decision, then the deployment's, each with its evidence write.
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.Decisions, ("kind", "deployment"), ("verdict", "approved")));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.Decisions, ("kind", "pull_request"), ("verdict", "pass"), ("conclusion", "success")));
        Assert.Equal(2, metrics.Sum(FinGuardTelemetry.Instruments.Decisions));
        Assert.Single(metrics.Of(FinGuardTelemetry.Instruments.EvaluationDuration), m => m.Has("kind", "deployment") && m.Has("verdict", "approved"));
        Assert.Single(metrics.Of(FinGuardTelemetry.Instruments.EvidenceWriteDuration), m => m.Has("kind", "deployment") && m.Has("outcome", "ok"));

        // The evidence: a deployment record linked to the pull request's decision.
        var chain = deployment.FullName.ToLowerInvariant();
        var entries = await Store.ListAsync(chain, CancellationToken.None).ToListAsync();
        var prEntry = Assert.Single(entries, e => e.SubjectType == "pull_request");
        var entry = Assert.Single(entries, e => e.SubjectType == "deployment");
        Assert.Equal((deployment.Sha, "pass", deliveryId), (entry.HeadSha, entry.Verdict, entry.DeliveryId));
        Assert.Contains(entry.BlobName, decision.Comment, StringComparison.Ordinal);
        var record = await RecordAsync(entry);
        Assert.Equal("deployment.evaluate", record.Action);
        Assert.Equal("github-webhook:deployment_protection_rule.requested", record.Source);
        Assert.Equal(("deployment", $"{deployment.FullName}@production#{deployment.DeploymentId}", deployment.Sha, "main"), (record.Subject.Type, record.Subject.Id, record.Subject.HeadSha, record.Subject.BaseRef));
        Assert.Equal(new EvidenceActor("user", 9_201, "deployer-dave"), record.Actor);
        Assert.Equal(
            ["deployment_protection_rule", "workflow-run", "approvals", "commit-pulls", "tag-refs", "permission.approver-erin", "permission.approver-frank", "finguard.custody"],
            record.Facts.Select(f => f.Name));
        Assert.All(record.Facts, f => Assert.Equal(f.Sha256, CanonicalJson.Sha256(f.Body)));
        Assert.Equal(["chain-of-custody", "deployment-separation-of-duties", "allowed-refs", "scan-status", "freeze-window", "wait-timer"], record.Result.Controls.Select(c => c.Id));
        Assert.Equal(("pass", "success", "all-controls-passed"), (record.Result.Verdict, record.Result.Conclusion, record.Result.ReasonCode));
        Assert.Equal(
            new EvidenceDeployment { Environment = "production", DeploymentId = deployment.DeploymentId, RunId = deployment.RunId, Ref = "main", RefKind = "branch", State = "approved", Rollback = false },
            record.Deployment);
        var link = Assert.Single(record.Links!);
        Assert.Equal(new EvidenceLink("pull_request_decision", chain, prEntry.Sequence, prEntry.Sha256), link);

        // Replaying the record from its own facts (the custody inputs included) reaches the same decision, word for word.
        var replay = FinGuard.Evidence.EvidenceReplayComparison.Compare(record);
        Assert.True(replay.ExactMatch, string.Join("\n", replay.DecisionDifferences.Concat(replay.WordingDifferences)));

        // A record written before FinGuard had the wait-timer control still replays to the same decision: a control added
        // later that does not apply (skipped) is a difference of wording, not of what was decided.
        var older = record with { Result = record.Result with { Controls = [.. record.Result.Controls.Where(c => c.Id != "wait-timer")] } };
        var olderReplay = FinGuard.Evidence.EvidenceReplayComparison.Compare(older);
        Assert.True(olderReplay.DecisionMatches, string.Join("\n", olderReplay.DecisionDifferences));
        Assert.Equal(["control wait-timer: recomputed as skipped, but the record has no such control"], olderReplay.WordingDifferences);

        // The request is answered, and the record validates against the published schema.
        var request = Assert.Single(await host.Services.GetRequiredService<IDeploymentRequests>().ListByRunAsync(deployment.FullName, deployment.RunId, CancellationToken.None));
        Assert.Equal(DeploymentRequestState.Answered, request.State);
        Assert.Equal(entry.Sequence, request.Decision!.Sequence);
        using (var document = JsonDocument.Parse(EvidenceSerializer.ToCanonicalBytes(record)))
        {
            var errors = Evidence.EvidenceSchemaTests.Schema().Validate(document.RootElement);
            Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        }

        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task Environment_reviews_on_later_pages_of_the_approvals_list_count()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("custody"));
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo) { ApprovalsPerPage = 1 };
        deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        deployment.WithApproval(deployment.Deployer).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        // One review per page: only reading pages 2 and 3 finds the two independent approvals.
        Assert.Equal("approved", decision.State);
        Assert.Contains("2 of 2 required environment approvals. Approved by approver-erin and approver-frank.", decision.Comment, StringComparison.Ordinal);
        Assert.Equal(3, github.FindRequests("GET", $"/repos/{deployment.FullName}/actions/runs/{deployment.RunId}/approvals").Count);
        var record = await RecordAsync(Assert.Single(await DeploymentEntriesAsync(deployment.FullName)));
        Assert.Equal(["approvals", "approvals.page2", "approvals.page3"], record.Facts.Select(f => f.Name).Where(n => n.StartsWith("approvals", StringComparison.Ordinal)));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task With_evaluate_now_a_pull_request_without_a_recorded_decision_is_evaluated_at_deployment_time_and_linked()
    {
        var pr = new PullRequestScenario("octo-org", NewRepo("loans"), number: 9).WithCommit(verified: true).WithTwoIndependentApprovals();
        pr.ServeOn(github);
        // FinGuard recorded who pushed the head when the pull request was opened (its own decision is not part of this test).
        await host.RecordAuthorPushAsync(pr);
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.RepositoryPolicy = "version: 1\ndeployments:\n  environments:\n    production:\n      require-pr-decision: evaluate-now\n";
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        var deliveryId = await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("approved", decision.State);
        Assert.Contains("which FinGuard passed (evaluated at deployment time)", decision.Comment, StringComparison.Ordinal);
        var entries = await Store.ListAsync(deployment.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync();
        Assert.Equal(["pull_request", "deployment"], entries.Select(e => e.SubjectType));
        var prRecord = await RecordAsync(entries[0]);
        Assert.Equal(("finguard-deployment-gate:evaluate-now", deliveryId, pr.HeadSha, "pass"), (prRecord.Source, prRecord.DeliveryId, prRecord.Subject.HeadSha, prRecord.Result.Verdict));
        var record = await RecordAsync(entries[1]);
        Assert.Equal([new EvidenceLink("pull_request_decision", entries[0].Chain, entries[0].Sequence, entries[0].Sha256)], record.Links);
        Assert.Empty(github.CheckRuns);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_commit_no_pull_request_vouches_for_is_rejected()
    {
        var deployment = new DeploymentScenario("octo-org", NewRepo("ledger")).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("rejected", decision.State);
        Assert.True(decision.EvidenceExisted);
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.Decisions, ("kind", "deployment"), ("verdict", "rejected")));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.Decisions));
        Assert.StartsWith("## ❌ FinGuard rejected this deployment", decision.Comment, StringComparison.Ordinal);
        Assert.Contains($"| ❌ Chain of custody | `{deployment.Sha[..7]}` is not the head or merge commit of any pull request: nothing shows this change was reviewed. |", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("**How to fix:** Deploy a commit that reached the repository through a pull request FinGuard passed", decision.Comment, StringComparison.Ordinal);
        var entry = Assert.Single(await DeploymentEntriesAsync(deployment.FullName));
        Assert.Equal("fail", entry.Verdict);
        var record = await RecordAsync(entry);
        Assert.Equal("rejected", record.Deployment!.State);
        Assert.Null(record.Links);
        Assert.Equal("chain-of-custody:fail+deployment-separation-of-duties:error", record.Result.ReasonCode);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task The_author_deploying_their_own_change_is_rejected_whatever_the_approvals()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("cards"));
        var deployment = MergeOf(pr, deployer: new ScenarioUser(pr.AuthorLogin, 5001)).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("rejected", decision.State);
        Assert.Contains("| ❌ Deployment separation of duties | dev-alice deployed a change they wrote; a change must be deployed by someone else. |", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("- dev-alice: deployed a change they wrote (opened #42", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("| ✅ Chain of custody |", decision.Comment, StringComparison.Ordinal);
        var record = await RecordAsync(Assert.Single(await DeploymentEntriesAsync(deployment.FullName)));
        Assert.Equal("deployment-separation-of-duties:fail", record.Result.ReasonCode);
        Assert.Single(record.Links!);
    }

    [Fact]
    public async Task With_during_freeze_reject_a_deployment_during_a_freeze_is_rejected()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("treasury"));
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.RepositoryPolicy = """
            version: 1
            freeze-window:
              windows:
                - name: Migration freeze
                  from: 2000-01-01T00:00:00Z
                  to: 2100-01-01T00:00:00Z
                  environments: [production]
            deployments:
              environments:
                production:
                  during-freeze: reject
            """;
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("rejected", decision.State);
        Assert.Contains("| ❌ Freeze window | production is frozen: Migration freeze until 2100-01-01 00:00 UTC. |", decision.Comment, StringComparison.Ordinal);
        var record = await RecordAsync(Assert.Single(await DeploymentEntriesAsync(deployment.FullName)));
        Assert.Equal("freeze-window:fail", record.Result.ReasonCode);
        Assert.Single(record.Policy.BlobShas);
    }

    /// <summary>GitHub's recorded <c>check_run.completed</c> example, as another app's check on <paramref name="sha"/>.</summary>
    private static JsonObject CheckRunCompleted(DeploymentScenario deployment, string sha, string name, string conclusion)
    {
        var payload = WebhookExamples.First("check_run", "completed");
        payload["check_run"]!["name"] = name;
        payload["check_run"]!["head_sha"] = sha;
        payload["check_run"]!["conclusion"] = conclusion;
        payload["check_run"]!["external_id"] = string.Empty;
        payload["check_run"]!["pull_requests"] = new JsonArray();
        payload["repository"]!["full_name"] = deployment.FullName;
        payload["repository"]!["name"] = deployment.Repo;
        payload["repository"]!["owner"]!["login"] = deployment.Owner;
        payload["installation"] = new JsonObject { ["id"] = deployment.InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        return payload;
    }

    private void AddCodeQl(DeploymentScenario deployment, string status, string? conclusion) =>
        github.AddCheckRun(deployment.Owner, deployment.Repo, new JsonObject
        {
            ["name"] = "CodeQL",
            ["head_sha"] = deployment.Sha,
            ["status"] = status,
            ["conclusion"] = conclusion,
            ["app"] = new JsonObject { ["id"] = 57789, ["slug"] = "github-advanced-security", ["name"] = "GitHub Advanced Security" },
        });

    [Fact]
    public async Task A_deployed_commit_whose_required_scan_is_running_waits_and_is_approved_when_the_scan_passes()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("scans"));
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.RepositoryPolicy = "version: 1\nscan-status:\n  required-checks: [CodeQL]\n";
        deployment.ServeOn(github);
        RecordCallbacks(deployment);
        AddCodeQl(deployment, "in_progress", null);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var progress = await Eventually.GetAsync(() => callbacks.FirstOrDefault(c => c.State is null), () => "no progress comment");
        Assert.Contains($"Waiting for CodeQL on {deployment.Sha[..7]}", progress.Comment, StringComparison.Ordinal);
        Assert.DoesNotContain(callbacks, c => c.State is not null);

        // An unrelated check finishing on another commit changes nothing; CodeQL finishing on the deployed commit decides.
        var unrelated = await DeliverAsync("check_run", CheckRunCompleted(deployment, PullRequestScenario.NewSha(), "unit-tests", "success"));
        await CompletedAsync(unrelated);
        Assert.DoesNotContain(callbacks, c => c.State is not null);
        AddCodeQl(deployment, "completed", "success");
        var completed = await DeliverAsync("check_run", CheckRunCompleted(deployment, deployment.Sha, "CodeQL", "success"));
        var decision = await DecisionAsync();

        Assert.Equal("approved", decision.State);
        Assert.True(decision.EvidenceExisted);
        Assert.Contains($"| ✅ Security scans | Scans on {deployment.Sha[..7]} are clean: 1 required check(s) passed", decision.Comment, StringComparison.Ordinal);
        var record = await RecordAsync(Assert.Single(await DeploymentEntriesAsync(deployment.FullName)));
        Assert.Equal(completed, record.DeliveryId);
        Assert.Contains(record.Facts, f => f.Name == "scans.check-runs");
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_deployed_commit_whose_required_scan_failed_is_rejected()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("scanfail"));
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.RepositoryPolicy = "version: 1\nscan-status:\n  required-checks: [CodeQL]\n";
        deployment.ServeOn(github);
        RecordCallbacks(deployment);
        AddCodeQl(deployment, "completed", "failure");

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();

        Assert.Equal("rejected", decision.State);
        Assert.True(decision.EvidenceExisted);
        Assert.Contains("| ❌ Security scans |", decision.Comment, StringComparison.Ordinal);
        Assert.Contains("1 required check(s) failed", decision.Comment, StringComparison.Ordinal);

        var record = await RecordAsync(Assert.Single(await DeploymentEntriesAsync(deployment.FullName)));
        var replay = FinGuard.Evidence.EvidenceReplayComparison.Compare(record);
        Assert.True(replay.ExactMatch, string.Join("\n", replay.DecisionDifferences.Concat(replay.WordingDifferences)));
        Assert.Equal("scan-status:fail", replay.Recomputed.ReasonCode);
    }

    [Fact]
    public async Task A_deployment_waits_for_independent_approvals_with_progress_comments_and_is_approved_when_they_arrive()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("fx"));
        var deployment = MergeOf(pr);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);

        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var first = await Eventually.GetAsync(() => callbacks.FirstOrDefault(c => c.State is null), () => "no progress comment");
        Assert.Equal("production", first.Environment);
        Assert.StartsWith("⏳ FinGuard is waiting before deploying to production: 0 of 2 required environment approvals", first.Comment, StringComparison.Ordinal);
        Assert.True(first.Comment.Length <= 1024);
        var request = Assert.Single(await host.Services.GetRequiredService<IDeploymentRequests>().ListByRunAsync(deployment.FullName, deployment.RunId, CancellationToken.None));
        Assert.Equal(DeploymentRequestState.Waiting, request.State);
        Assert.Empty(await DeploymentEntriesAsync(deployment.FullName));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.Decisions, ("kind", "deployment"), ("verdict", "waiting")));
        Assert.DoesNotContain(metrics.Of(FinGuardTelemetry.Instruments.EvidenceWriteDuration), m => m.Has("kind", "deployment"));

        // The deployer approving their own deployment does not count.
        deployment.WithApproval(deployment.Deployer);
        var selfReview = await DeliverAsync("deployment_review", deployment.ReviewPayload(deployment.Deployer));
        await CompletedAsync(selfReview);
        var second = await Eventually.GetAsync(() => callbacks.Count(c => c.State is null) >= 2 ? callbacks.Where(c => c.State is null).Last() : null, () => "no second progress comment");
        Assert.Contains("0 of 2 required environment approvals", second.Comment, StringComparison.Ordinal);
        Assert.Contains("deployer-dave reviewed, but their review does not count.", second.Comment, StringComparison.Ordinal);
        Assert.True(second.Comment.Length <= 1024);
        Assert.DoesNotContain(callbacks, c => c.State is not null);

        // Two reviewers who neither deployed nor wrote the change.
        deployment.WithApproval(Erin).WithApproval(Frank);
        var finalReview = await DeliverAsync("deployment_review", deployment.ReviewPayload(Frank));
        var decision = await DecisionAsync();

        Assert.Equal("approved", decision.State);
        Assert.True(decision.EvidenceExisted);
        Assert.Contains("2 of 2 required environment approvals. Approved by approver-erin and approver-frank.", decision.Comment, StringComparison.Ordinal);
        Assert.True(callbacks.Count(c => c.State is null) <= 10);
        var entry = Assert.Single(await DeploymentEntriesAsync(deployment.FullName));
        Assert.Equal(finalReview, entry.DeliveryId);
        var record = await RecordAsync(entry);
        Assert.Equal("github-webhook:deployment_review.approved", record.Source);
        Assert.Equal(new EvidenceActor("user", Frank.Id, Frank.Login), record.Actor);
        Assert.Equal("deployment_protection_rule", record.Facts[0].Name);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task When_github_fails_the_answer_the_delivery_is_retried_and_answered_with_the_evidence_already_written()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("clearing"));
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);

        // More 502s than the HTTP client's own retries (3): the delivery attempt fails and the worker retries it.
        var failures = 4;
        RecordCallbacks(deployment, _ => Interlocked.Decrement(ref failures) >= 0 ? 502 : 204);

        var deliveryId = await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync();
        var stored = await CompletedAsync(deliveryId);

        Assert.Equal("approved", decision.State);
        Assert.Equal(DeliveryState.Completed, stored.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Contains("502", stored.LastError, StringComparison.Ordinal);
        var attempts = callbacks.Where(c => c.State is not null).ToList();
        Assert.Equal([502, 502, 502, 502, 204], attempts.Select(c => c.Status));
        Assert.All(attempts, c => Assert.Equal(decision.Comment, c.Comment));
        Assert.All(attempts, c => Assert.True(c.EvidenceExisted));
        var entry = Assert.Single(await DeploymentEntriesAsync(deployment.FullName));
        Assert.Equal(deliveryId, entry.DeliveryId);
        Assert.Contains(entry.BlobName, decision.Comment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_callback_url_on_another_host_is_refused_and_nothing_is_sent_anywhere()
    {
        await using var elsewhere = await FakeGitHubServer.StartAsync();
        var deployment = new DeploymentScenario("octo-org", NewRepo("vault")).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);
        elsewhere.Respond("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", _ => FakeResponse.NoContent());

        var deliveryId = await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(elsewhere.BaseAddress)));
        var stored = await CompletedAsync(deliveryId);

        Assert.Equal(DeliveryState.Completed, stored.State);
        Assert.Empty(elsewhere.Requests);
        Assert.Empty(callbacks);
        Assert.DoesNotContain(github.Requests, r => r.Path.Contains(deployment.Repo, StringComparison.Ordinal));
        Assert.Empty(await host.Services.GetRequiredService<IDeploymentRequests>().ListByRunAsync(deployment.FullName, deployment.RunId, CancellationToken.None));
        Assert.Empty(await DeploymentEntriesAsync(deployment.FullName));
        var refusal = Assert.Single(logs.Lines, l => l.Contains("Refused the deployment callback", StringComparison.Ordinal));
        Assert.Contains($"{elsewhere.BaseAddress.Scheme}://{elsewhere.BaseAddress.Authority}", refusal, StringComparison.Ordinal);
        Assert.Contains("is not the configured GitHub API", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploying_an_older_commit_than_the_last_approved_deployment_is_gated_the_same_and_recorded_as_a_rollback()
    {
        var repo = NewRepo("rates");
        var older = await ApprovedPullRequestAsync("octo-org", repo, number: 41);
        var newer = await ApprovedPullRequestAsync("octo-org", repo, number: 42);
        var current = MergeOf(newer, runId: 7_000).WithApproval(Erin).WithApproval(Frank);
        current.ServeOn(github);
        RecordCallbacks(current);
        await DeliverAsync("deployment_protection_rule", current.ProtectionRulePayload(current.CallbackUrl(github.BaseAddress)));
        Assert.Equal("approved", (await DecisionAsync()).State);
        var previousEntry = Assert.Single(await DeploymentEntriesAsync(current.FullName));

        var rollback = MergeOf(older, runId: 8_000).WithApproval(Erin).WithApproval(Frank);
        rollback.ServeOn(github);
        RecordCallbacks(rollback);
        github.RespondJson("GET", $"/repos/{rollback.FullName}/compare/{current.Sha}...{rollback.Sha}", """{"status":"behind","ahead_by":0,"behind_by":3,"total_commits":0,"commits":[],"files":[]}""");
        await DeliverAsync("deployment_protection_rule", rollback.ProtectionRulePayload(rollback.CallbackUrl(github.BaseAddress)));
        var decision = await DecisionAsync(c => c.Comment.Contains(rollback.Sha[..7], StringComparison.Ordinal));

        Assert.Equal("approved", decision.State);
        Assert.Contains($"Rollback of {rollback.Sha[..7]} to production approved", decision.Comment, StringComparison.Ordinal);
        Assert.Contains($"↩️ **Rollback**: `{rollback.Sha[..7]}` is older than the last approved deployment to production, `{current.Sha[..7]}`", decision.Comment, StringComparison.Ordinal);
        var entry = Assert.Single(await DeploymentEntriesAsync(rollback.FullName), e => e.HeadSha == rollback.Sha);
        var record = await RecordAsync(entry);
        Assert.True(record.Deployment!.Rollback);
        Assert.Equal(current.Sha, record.Deployment.PreviousSha);
        Assert.Contains(new EvidenceLink("previous_deployment_decision", rollback.FullName.ToLowerInvariant(), previousEntry.Sequence, previousEntry.Sha256), record.Links!);
        Assert.Contains(record.Facts, f => f.Name == "compare-previous");
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_duplicate_delivery_is_acknowledged_and_decided_once()
    {
        var pr = await ApprovedPullRequestAsync("octo-org", NewRepo("fees"));
        var deployment = MergeOf(pr).WithApproval(Erin).WithApproval(Frank);
        deployment.ServeOn(github);
        RecordCallbacks(deployment);
        var payload = deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress));
        var deliveryId = await DeliverAsync("deployment_protection_rule", payload);
        await DecisionAsync();

        using var again = await host.Client.SendAsync(FinGuardHost.Delivery("deployment_protection_rule", Encoding.UTF8.GetBytes(payload.ToJsonString()), deliveryId: deliveryId));
        using var ack = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("duplicate", ack.RootElement.GetProperty("status").GetString());
        Assert.Single(callbacks);
        Assert.Single(await DeploymentEntriesAsync(deployment.FullName));
    }
}
