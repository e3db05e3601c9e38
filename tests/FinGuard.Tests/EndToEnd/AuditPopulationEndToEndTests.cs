using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.Deployments;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Evidence;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// The audit population end to end, on both storage backends: the real host and the loopback fake GitHub receive a
/// quarter's worth of what reaches <c>main</c> — a merge FinGuard passed, an administrator's merge of a pull request it
/// did not pass, the pushes of both merge commits, a direct push, a force push, a push to an uncovered branch, a
/// deployment FinGuard approved and one that reached production without it — as GitHub's recorded <c>pull_request</c>
/// (<c>closed</c>), <c>push</c> and <c>deployment_status</c> payloads re-pointed at the scenario. Then
/// <c>finguard evidence population</c> must list exactly those changes, deployments and exceptions, each row naming a
/// record whose hash the store holds, and its report must render in headless Chromium.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class AuditPopulationEndToEndTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly ScenarioUser Erin = new("approver-erin", 9_301);
    private static readonly ScenarioUser Frank = new("approver-frank", 9_302);

    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private FakeGitHubServer github = null!;
    private FinGuardHost? host;

    public async Task InitializeAsync() => github = await FakeGitHubServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    private FinGuardHost Host => host!;

    private async Task<string[]> StartAsync(string backend)
    {
        var settings = backend == "azure"
            ? FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString)
            : FinGuardHost.GitHubSettings(github, Path.Combine(folder, "store"));
        host = await FinGuardHost.StartAsync(settings, builder => builder.Logging.AddProvider(logs));
        return backend == "azure" ? [$"--Storage:ConnectionString={azurite.ConnectionString}"] : [$"--Storage:LocalPath={Path.Combine(folder, "store")}"];
    }

    private async Task DeliverAsync(string eventName, JsonObject payload)
    {
        var deliveryId = Guid.NewGuid().ToString();
        using (var ack = await Host.Client.SendAsync(FinGuardHost.Delivery(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()), deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        var inbox = Host.Services.GetRequiredService<IDeliveryInbox>();
        var stored = await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: not DeliveryState.Pending } done ? done : null,
            () => $"{eventName} delivery {deliveryId} was not completed. Logs:\n{string.Join("\n", logs.Lines.TakeLast(15))}");
        Assert.Equal(DeliveryState.Completed, stored.State);
    }

    /// <summary>GitHub's recorded <c>pull_request.closed</c> example for <paramref name="pr"/>, merged as <paramref name="mergeSha"/> by <paramref name="by"/>.</summary>
    private static JsonObject Merged(PullRequestScenario pr, string mergeSha, ScenarioUser by)
    {
        var payload = pr.WebhookPayload(WebhookExamples.First("pull_request", "closed"), "closed");
        var pull = payload["pull_request"]!.AsObject();
        pull["state"] = "closed";
        pull["merged"] = true;
        pull["merged_at"] = "2026-11-20T11:00:00Z";
        pull["merge_commit_sha"] = mergeSha;
        pull["merged_by"] = User(by);
        payload["repository"]!["default_branch"] = "main";
        payload["sender"] = User(by);
        return payload;
    }

    /// <summary>GitHub's recorded <c>push</c> example (a branch push, sent to an installation), moved to <paramref name="branch"/> of <paramref name="repository"/>.</summary>
    private static JsonObject Push(PullRequestScenario repository, string before, string after, ScenarioUser by, bool forced = false, string branch = "main")
    {
        var payload = WebhookExamples.All("push").First(p => (string?)p["ref"] == "refs/heads/master" && p["installation"] is not null);
        payload["ref"] = $"refs/heads/{branch}";
        payload["before"] = before;
        payload["after"] = after;
        payload["forced"] = forced;
        payload["created"] = false;
        payload["deleted"] = false;
        if (payload["head_commit"] is JsonObject head)
        {
            head["id"] = after;
        }

        var repo = payload["repository"]!.AsObject();
        repo["full_name"] = repository.FullName;
        repo["name"] = repository.Repo;
        repo["owner"]!["login"] = repository.Owner;
        repo["default_branch"] = "main";
        payload["installation"] = new JsonObject { ["id"] = repository.InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        payload["sender"] = User(by);
        return payload;
    }

    /// <summary>GitHub's recorded <c>deployment_status</c> example (success, sent to an installation), re-pointed at <paramref name="deployment"/>.</summary>
    private static JsonObject DeploymentSucceeded(DeploymentScenario deployment, long deploymentId, string sha)
    {
        var payload = WebhookExamples.All("deployment_status").First(p => (string?)p["deployment_status"]?["state"] == "success" && p["installation"] is not null);
        payload["deployment"]!["id"] = deploymentId;
        payload["deployment"]!["sha"] = sha;
        payload["deployment"]!["environment"] = "production";
        payload["deployment_status"]!["environment"] = "production";
        var repo = payload["repository"]!.AsObject();
        repo["full_name"] = deployment.FullName;
        repo["name"] = deployment.Repo;
        repo["owner"]!["login"] = deployment.Owner;
        repo["default_branch"] = "main";
        payload["installation"] = new JsonObject { ["id"] = deployment.InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        return payload;
    }

    private static JsonObject User(ScenarioUser user) => new() { ["login"] = user.Login, ["id"] = user.Id, ["type"] = user.Type };

    private void ServeCommitPulls(string fullName, string sha, params JsonNode[] pulls) =>
        github.RespondJson("GET", $"/repos/{fullName}/commits/{sha}/pulls", new JsonArray(pulls).ToJsonString());

    [Theory]
    [InlineData("local")]
    [InlineData("azure")]
    public async Task Merges_pushes_and_deployments_are_recorded_with_their_justification_or_as_exceptions_and_the_population_reconciles(string backend)
    {
        var storage = await StartAsync(backend);
        var repo = $"ledger-{Guid.NewGuid():N}"[..20];
        var mia = new ScenarioUser("maintainer-mia", 7_001);
        var admin = new ScenarioUser("admin-adam", 7_002);

        // Pull request #41 passes; #42 has no approval, so its decision does not.
        var passed = await Host.ApprovedPullRequestAsync(github, "octo-org", repo, 41);
        var unreviewed = new PullRequestScenario("octo-org", repo, 42).WithCommit(verified: true, message: "Unreviewed change");
        unreviewed.ServeOn(github);
        await DeliverAsync("pull_request", unreviewed.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize"));

        // The deployment of #41's merge commit, to an environment the policy covers.
        var deployment = new DeploymentScenario("octo-org", repo)
        {
            RepositoryPolicy = "version: 1\ndeployments:\n  environments:\n    production:\n      required-approvals: 2\n",
        }.WithApproval(Erin).WithApproval(Frank);
        deployment.Pulls.Add(new ScenarioPull(passed.Number, passed.HeadSha, deployment.Sha, Merged: true));
        deployment.ServeOn(github);
        github.Respond("POST", $"/repos/{deployment.FullName}/actions/runs/{deployment.RunId}/deployment_protection_rule", _ => FakeResponse.NoContent());
        var m1 = deployment.Sha;

        // 1. #41 merged, and its push.
        var b0 = PullRequestScenario.NewSha();
        await DeliverAsync("pull_request", Merged(passed, m1, mia));
        await DeliverAsync("push", Push(passed, b0, m1, mia));

        // 2. #42 merged by an administrator bypassing the check, and its push.
        var m2 = PullRequestScenario.NewSha();
        var pull42 = unreviewed.PullJson();
        pull42["merged_at"] = "2026-11-21T09:00:00Z";
        pull42["merge_commit_sha"] = m2;
        ServeCommitPulls(passed.FullName, m2, pull42);
        await DeliverAsync("pull_request", Merged(unreviewed, m2, admin));
        await DeliverAsync("push", Push(passed, m1, m2, admin));

        // 3. A direct push, 4. a force push, 5. a push to a branch the policy does not cover.
        var d1 = PullRequestScenario.NewSha();
        ServeCommitPulls(passed.FullName, d1);
        await DeliverAsync("push", Push(passed, m2, d1, admin));
        var f1 = PullRequestScenario.NewSha();
        await DeliverAsync("push", Push(passed, d1, f1, admin, forced: true));
        await DeliverAsync("push", Push(passed, PullRequestScenario.NewSha(), PullRequestScenario.NewSha(), mia, branch: "feature/experiment"));

        // 6. FinGuard approves the deployment of m1, which then succeeds; 7. another deployment succeeds without it.
        await DeliverAsync("deployment_protection_rule", deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)));
        await DeliverAsync("deployment_status", DeploymentSucceeded(deployment, deployment.DeploymentId, m1));
        await DeliverAsync("deployment_status", DeploymentSucceeded(deployment, 424_242, d1));

        var records = await Host.EvidenceRecordsAsync(passed.FullName, 10);
        Assert.Equal(
            ["pull_request.evaluate", "pull_request.evaluate", "change.merge", "change.push", "exception.recorded", "change.push", "exception.recorded", "exception.recorded", "deployment.evaluate", "exception.recorded"],
            records.Select(r => r.Action));
        var decision41 = records[0];
        Assert.Equal("pass", decision41.Result.Verdict);
        Assert.Equal("fail", records[1].Result.Verdict);

        var merge41 = records[2];
        Assert.Equal(("change", m1, "main"), (merge41.Subject.Type, merge41.Subject.HeadSha, merge41.Subject.BaseRef));
        Assert.Equal(
            new EvidenceChange { Kind = "merge", Branch = "main", After = m1, Forced = false, PullRequest = 41, MergedHeadSha = passed.HeadSha, MergedBy = new EvidenceActor("user", 7_001, "maintainer-mia"), Justification = "pull_request_decision", Approvers = [] } with { Approvers = merge41.Change!.Approvers },
            merge41.Change);
        Assert.Equal(["reviewer-bob", "reviewer-carol"], merge41.Change!.Approvers);
        var store = Host.Services.GetRequiredService<IEvidenceStore>();
        var index = await store.ListAsync(passed.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync();
        Assert.Equal(new EvidenceLink(EvidenceLink.PullRequestDecision, decision41.Chain, decision41.Sequence, index[0].Sha256), Assert.Single(merge41.Links!));
        Assert.Null(merge41.Exception);

        Assert.Equal(("push", "pull_request_merge", 41, false), (records[3].Change!.Kind, records[3].Change!.Justification, records[3].Change!.PullRequest, records[3].Change!.Forced));

        var merge42 = records[4];
        Assert.Equal(EvidenceExceptionRecord.MergeWithoutDecision, merge42.Exception!.Type);
        Assert.Contains($"FinGuard's latest decision about the merged head {unreviewed.HeadSha[..7]} did not pass ({records[1].Result.ReasonCode})", merge42.Exception.Reason, StringComparison.Ordinal);
        Assert.Contains("Require the FinGuard check", merge42.Exception.Reason, StringComparison.Ordinal);
        Assert.Equal(("none", "admin-adam", "exception:merge-without-decision"), (merge42.Change!.Justification, merge42.Change.MergedBy!.Login, merge42.Result.ReasonCode));
        Assert.Equal(records[1].Sequence, Assert.Single(merge42.Links!).Sequence); // the failing decision it merged on

        Assert.Equal(("pull_request_merge", 42), (records[5].Change!.Justification, records[5].Change!.PullRequest));
        Assert.Equal((EvidenceExceptionRecord.DirectPush, d1, "admin-adam"), (records[6].Exception!.Type, records[6].Change!.After, records[6].Actor.Login));
        Assert.Equal((EvidenceExceptionRecord.ForcePush, f1, true, d1), (records[7].Exception!.Type, records[7].Change!.After, records[7].Change!.Forced, records[7].Change!.Before));
        Assert.Equal(("approved", deployment.DeploymentId), (records[8].Deployment!.State, records[8].Deployment!.DeploymentId));
        var outside = records[9];
        Assert.Equal((EvidenceExceptionRecord.DeploymentOutsideFinGuard, "deployment_status", d1), (outside.Exception!.Type, outside.Subject.Type, outside.Subject.HeadSha));
        Assert.Contains("reached production, which the policy covers, with no approval from FinGuard", outside.Exception.Reason, StringComparison.Ordinal);

        // Every record, the new kinds included, is what the published schema describes (additionalProperties: false).
        var schema = EvidenceSchemaTests.Schema();
        foreach (var record in records)
        {
            using var document = System.Text.Json.JsonDocument.Parse(EvidenceSerializer.ToCanonicalBytes(record));
            var errors = schema.Validate(document.RootElement);
            Assert.True(errors.Count == 0, $"{record.Action} #{record.Sequence}: {string.Join(Environment.NewLine, errors)}");
        }

        // Each exception is shown on its commit the day it happens.
        var surfaced = github.CheckRuns.Where(r => (string?)r["name"] == "FinGuard exception").ToList();
        Assert.Equal([m2, d1, f1, d1], surfaced.Select(r => (string)r["head_sha"]!));
        Assert.All(surfaced, r => Assert.Equal("neutral", (string?)r["conclusion"]));
        Assert.Contains(index[4].BlobName, (string)surfaced[0]["output"]!["summary"]!, StringComparison.Ordinal);
        github.AssertAllRequestsExistInOpenApi();

        // The population: every change, deployment and exception, each row naming a record the store holds.
        var today = TimeProvider.System.GetUtcNow().UtcDateTime.Date;
        var outputFolder = Path.Combine(folder, "population");
        var (exit, stdout, stderr) = await EvidenceCli.RunAsync([
            "population", "--repo", passed.FullName,
            "--from", today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--to", today.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "--out", outputFolder, .. storage]);
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("4 change(s), 2 deployment(s), 4 exception(s)", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not reconciled", stdout, StringComparison.Ordinal);

        var bySequence = index.ToDictionary(e => e.Sequence);
        var changes = Csv(Path.Combine(outputFolder, "changes.csv"));
        Assert.Equal([(m1, "41", "pull_request_decision", ""), (m2, "42", "none", "merge-without-decision"), (d1, "", "none", "direct-push"), (f1, "", "none", "force-push")],
            changes.Select(r => (r["sha"], r["pull_request"], r["justification"], r["exception"])));
        Assert.Equal(("maintainer-mia", "reviewer-bob;reviewer-carol", "1", index[0].Sha256), (changes[0]["merged_by"], changes[0]["approvers"], changes[0]["decision_sequence"], changes[0]["decision_sha256"]));
        var deployments = Csv(Path.Combine(outputFolder, "deployments.csv"));
        Assert.Equal([("finguard", "approved", m1), ("outside-finguard", "success", d1)], deployments.Select(r => (r["decided_by"], r["state"], r["sha"])));
        var exceptions = Csv(Path.Combine(outputFolder, "exceptions.csv"));
        Assert.Equal(["merge-without-decision", "direct-push", "force-push", "deployment-outside-finguard"], exceptions.Select(r => r["type"]));
        foreach (var row in changes.Concat(deployments).Concat(exceptions))
        {
            var entry = bySequence[long.Parse(row["record_sequence"], CultureInfo.InvariantCulture)];
            Assert.Equal((entry.EventId, entry.Sha256, passed.FullName.ToLowerInvariant()), (row["record_id"], row["record_sha256"], row["record_chain"]));
        }

        var verify = await EvidenceCli.RunAsync(["verify", "--live", "--repo", passed.FullName, .. storage]);
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);

        var html = await File.ReadAllTextAsync(Path.Combine(outputFolder, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("everything reconciles", html, StringComparison.Ordinal);
        if (backend == "local")
        {
            var (dom, _) = await HeadlessChromium.DumpDomAsync(Path.Combine(outputFolder, "report.html"));
            Assert.Contains("<rect", dom, StringComparison.Ordinal);
            Assert.Contains($"{passed.FullName.ToLowerInvariant()}</td><td>{today:yyyy-MM}</td><td class=\"num\">4</td><td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num\">4</td>", dom, StringComparison.Ordinal);
            var screenshot = Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots", "audit-population.png");
            await HeadlessChromium.ScreenshotAsync(Path.Combine(outputFolder, "report.html"), screenshot);
            output.WriteLine($"population report screenshot: {screenshot} ({new FileInfo(screenshot).Length} bytes)");
            // A blank 1280x1600 page compresses to about 10 KB.
            Assert.True(new FileInfo(screenshot).Length > 30_000, $"the screenshot {screenshot} looks blank ({new FileInfo(screenshot).Length} bytes)");
        }
    }

    /// <summary>A CSV written by the population command (every field quoted, no field spans lines) as header-keyed rows.</summary>
    private static List<Dictionary<string, string>> Csv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = Fields(lines[0]);
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => header.Zip(Fields(l)).ToDictionary(p => p.First, p => p.Second))];

        static List<string> Fields(string line)
        {
            var fields = new List<string>();
            var current = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == ',' && !quoted)
                {
                    fields.Add(current.ToString());
                    current.Clear();
                }
                else
                {
                    current.Append(c);
                }
            }

            fields.Add(current.ToString());
            return fields;
        }
    }
}
