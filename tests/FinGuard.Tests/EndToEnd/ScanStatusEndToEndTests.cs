using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Core.Scans;
using FinGuard.Processing;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// The <c>scan-status</c> control through the real host and the loopback fake GitHub: scanner output uploaded as a
/// GitHub Actions artifact (downloaded through GitHub's redirect without the token, extracted, parsed) and required
/// check runs of other apps; re-evaluation when a <c>workflow_run</c> or <c>check_run</c> completes; annotations,
/// waivers in evidence, and replay of the recorded decision.
/// </summary>
public sealed class ScanStatusEndToEndTests : IAsyncLifetime
{
    private const string Artifact = "security-results";
    private const long RunId = 30433642;
    private const long ArtifactId = 9911;

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

    private static PullRequestScenario NewScenario(string name, string policy)
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], number: 23)
            .WithCommit(verified: true, message: "Parse settlement files")
            .WithTwoIndependentApprovals();
        scenario.RepositoryPolicy = policy;
        return scenario;
    }

    private static byte[] Sample(string name) =>
        File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "FinGuard.Core.Tests", "Scans", "Samples", name));

    private static byte[] Zip(params (string Name, byte[] Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(content);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>GET actions/runs?head_sha=: one run of workflow "Security" on the head, in <paramref name="status"/>.</summary>
    private void ServeWorkflowRun(PullRequestScenario scenario, string status)
    {
        var list = GitHubExamples.Get("workflow-run-paginated").AsObject();
        var run = list["workflow_runs"]!.AsArray()[0]!.DeepClone().AsObject();
        run["id"] = RunId;
        run["name"] = "Security";
        run["head_sha"] = scenario.HeadSha;
        run["status"] = status;
        run["conclusion"] = status == "completed" ? "success" : null;
        list["total_count"] = 1;
        list["workflow_runs"] = new JsonArray(run);
        github.RespondJson("GET", $"/repos/{scenario.FullName}/actions/runs?head_sha={scenario.HeadSha}", list.ToJsonString());
    }

    /// <summary>The run's artifact list, its download (302 to "storage") and the storage answer.</summary>
    private void ServeArtifact(PullRequestScenario scenario, byte[] zip)
    {
        var list = GitHubExamples.Get("artifact-paginated").AsObject();
        var artifact = list["artifacts"]!.AsArray()[0]!.DeepClone().AsObject();
        artifact["id"] = ArtifactId;
        artifact["name"] = Artifact;
        artifact["size_in_bytes"] = zip.Length;
        artifact["expired"] = false;
        list["total_count"] = 1;
        list["artifacts"] = new JsonArray(artifact);
        github.RespondJson("GET", $"/repos/{scenario.FullName}/actions/runs/{RunId}/artifacts", list.ToJsonString());
        github.Respond("GET", $"/repos/{scenario.FullName}/actions/artifacts/{ArtifactId}/zip", r =>
            FakeResponse.Redirect(new Uri(r.BaseAddress, $"{FakeGitHubServer.ArtifactStoragePrefix.TrimStart('/')}{ArtifactId}.zip?sig=short-lived")));
        github.Respond("GET", $"{FakeGitHubServer.ArtifactStoragePrefix}{ArtifactId}.zip", _ => FakeResponse.Binary(zip));
    }

    private async Task DeliverAsync(string eventName, JsonObject payload)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery(eventName, body));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
    }

    private Task OpenAsync(PullRequestScenario scenario) =>
        DeliverAsync("pull_request", scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened"));

    /// <summary>GitHub's recorded <c>workflow_run.completed</c> example that names a pull request, pointed at this one.</summary>
    private static JsonObject WorkflowRunCompleted(PullRequestScenario scenario)
    {
        var payload = WebhookExamples.All("workflow_run").First(x => (string?)x["action"] == "completed" && x["workflow_run"]!["pull_requests"]!.AsArray().Count == 1);
        var run = payload["workflow_run"]!;
        run["id"] = RunId;
        run["name"] = "Security";
        run["head_sha"] = scenario.HeadSha;
        Retarget(payload, run, scenario);
        return payload;
    }

    /// <summary>GitHub's recorded <c>check_run.completed</c> example that names a pull request: another app's check on the head.</summary>
    private static JsonObject CheckRunCompleted(PullRequestScenario scenario, string name, string conclusion)
    {
        var payload = WebhookExamples.All("check_run").First(x => (string?)x["action"] == "completed" && x["check_run"]!["pull_requests"]!.AsArray().Count == 1);
        var run = payload["check_run"]!;
        run["name"] = name;
        run["head_sha"] = scenario.HeadSha;
        run["conclusion"] = conclusion;
        run["external_id"] = string.Empty;
        Retarget(payload, run, scenario);
        return payload;
    }

    /// <summary>Points the payload, and the one pull request its check or workflow <paramref name="run"/> names, at this scenario.</summary>
    private static void Retarget(JsonObject payload, JsonNode run, PullRequestScenario scenario)
    {
        var pull = run["pull_requests"]!.AsArray()[0]!;
        pull["number"] = scenario.Number;
        pull["head"]!["sha"] = scenario.HeadSha;
        pull["base"]!["ref"] = scenario.BaseRef;
        payload["repository"]!["full_name"] = scenario.FullName;
        payload["repository"]!["name"] = scenario.Repo;
        payload["repository"]!["owner"]!["login"] = scenario.Owner;
        payload["installation"] = new JsonObject { ["id"] = scenario.InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    }

    private Task<JsonObject> WaitForCheckRunAsync(string headSha, Func<JsonObject, bool> until) =>
        Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == headSha && (string?)r["name"] == "FinGuard" && (string?)r["status"] == "completed" && until(r)),
            () => $"no matching FinGuard check run for {headSha}. Runs: {string.Join(" | ", github.CheckRuns.Select(r => $"{r["name"]} {r["conclusion"]} {r["output"]?["title"]}"))}");

    private Task<List<EvidenceRecord>> RecordsAsync(PullRequestScenario scenario, int atLeast) => host.EvidenceRecordsAsync(scenario.FullName, atLeast);

    private static string ArtifactPolicy(string extra = "") => $"""
        version: 1
        scan-status:
          artifacts:
            - name: {Artifact}
              workflow: Security
              files: [semgrep.json]
        {extra}
        """;

    [Fact]
    public async Task Scanner_output_in_an_artifact_waits_for_the_workflow_then_fails_on_high_findings_with_annotations()
    {
        var scenario = NewScenario("ledger", ArtifactPolicy());
        scenario.ServeOn(github);
        ServeWorkflowRun(scenario, "in_progress");

        await OpenAsync(scenario);
        var waiting = await WaitForCheckRunAsync(scenario.HeadSha, _ => true);

        Assert.Equal("action_required", (string?)waiting["conclusion"]);
        Assert.Contains("| Security scans (`scan-status`) | ⏳ pending | Waiting for security-results/semgrep.json on", (string)waiting["output"]!["summary"]!, StringComparison.Ordinal);

        // The Security workflow finishes and uploads Semgrep's JSON; GitHub sends workflow_run.completed.
        var semgrep = Sample("semgrep-all-severities.json");
        ServeWorkflowRun(scenario, "completed");
        ServeArtifact(scenario, Zip(("semgrep.json", semgrep), ("notes/readme.txt", "not read"u8.ToArray())));
        await DeliverAsync("workflow_run", WorkflowRunCompleted(scenario));

        var failed = await WaitForCheckRunAsync(scenario.HeadSha, r => (string?)r["conclusion"] == "failure");
        var report = ScanReportParser.Parse(semgrep).Report!;
        var blocking = report.CountAtOrAbove(ScanSeverity.High);
        var summary = (string)failed["output"]!["summary"]!;
        Assert.Contains($"| Security scans (`scan-status`) | ❌ fail | Scans on {scenario.HeadSha[..7]}: {blocking} finding(s) at or above high, {report.ToolErrors.Length} tool error(s). |", summary, StringComparison.Ordinal);

        // Every finding with a location is annotated (they arrive in the last output update), blocking ones as failures.
        var annotations = github.Requests
            .Where(r => r.Method == "PATCH" && r.Path.StartsWith($"/repos/{scenario.FullName}/check-runs/", StringComparison.Ordinal))
            .Select(r => r.BodyJson()!["output"]?["annotations"]?.AsArray())
            .OfType<JsonArray>()
            .SelectMany(a => a)
            .ToList();
        Assert.Equal(blocking, annotations.Count(a => (string?)a!["annotation_level"] == "failure"));
        Assert.All(annotations, a => Assert.False(string.IsNullOrEmpty((string?)a!["path"])));

        // The download followed GitHub's redirect, and the token stayed with GitHub.
        var storage = Assert.Single(github.Requests, r => r.Path.StartsWith(FakeGitHubServer.ArtifactStoragePrefix, StringComparison.Ordinal));
        Assert.Null(storage.Header("Authorization"));

        // The evidence holds the exact bytes of the scanner output, and replaying it reaches the same decision.
        var record = (await RecordsAsync(scenario, 2))[^1];
        Assert.Equal("scan-status:fail", record.Result.ReasonCode);
        var file = Assert.Single(record.Facts, f => f.Name.StartsWith("scans.file.", StringComparison.Ordinal));
        Assert.Equal((Artifact, "semgrep.json"), (file.Body.GetProperty("artifact").GetString(), file.Body.GetProperty("file").GetString()));
        Assert.Equal(semgrep, Convert.FromBase64String(file.Body.GetProperty("contentBase64").GetString()!));
        var replayed = EvidenceReplay.Evaluate(record);
        Assert.Equal(record.Result.ReasonCode, replayed.Result.ReasonCode);
        Assert.Equal(
            record.Result.Controls.Select(c => (c.Id, c.Status)),
            replayed.Result.Controls.Select(c => (c.Id, c.Status.ToString().ToLowerInvariant())));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_waiver_in_the_policy_lets_the_findings_through_and_the_evidence_names_it()
    {
        var semgrep = Sample("semgrep-all-severities.json");
        var report = ScanReportParser.Parse(semgrep).Report!;
        var waivers = string.Join(
            "\n",
            report.Findings.Where(f => f.Severity >= ScanSeverity.High).Select(f => f.RuleId).Distinct()
                .Select(rule => $"    - rule: {rule}\n      expires: 2999-12-31\n      approved-by: ciso-jane\n      reason: SEC-77"));
        var scenario = NewScenario("cards", ArtifactPolicy($"  fail-on-tool-errors: false\n  waivers:\n{waivers}"));
        scenario.ServeOn(github);
        ServeWorkflowRun(scenario, "completed");
        ServeArtifact(scenario, Zip(("semgrep.json", semgrep)));

        await OpenAsync(scenario);
        var run = await WaitForCheckRunAsync(scenario.HeadSha, _ => true);

        Assert.Equal("success", (string?)run["conclusion"]);
        var record = (await RecordsAsync(scenario, 1))[0];
        using (var document = System.Text.Json.JsonDocument.Parse(EvidenceSerializer.ToCanonicalBytes(record)))
        {
            var errors = Evidence.EvidenceSchemaTests.Schema().Validate(document.RootElement);
            Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        }

        var control = Assert.Single(record.Result.Controls, c => c.Id == ScanStatusControl.ControlId);
        Assert.Equal("pass", control.Status);
        Assert.NotNull(control.Waivers);
        Assert.Equal(report.CountAtOrAbove(ScanSeverity.High), control.Waivers.Sum(w => w.Findings));
        Assert.All(control.Waivers, w => Assert.Equal(("ciso-jane", "2999-12-31", "SEC-77"), (w.ApprovedBy, w.Expires, w.Reason)));

        // Evaluated again (another delivery for the same head): the artifact is not downloaded a second time, and the
        // new record holds the same scanner bytes.
        await OpenAsync(scenario);
        var records = await RecordsAsync(scenario, 2);
        Assert.Equal(2, records.Count);
        Assert.Single(github.Requests, r => r.Path.StartsWith(FakeGitHubServer.ArtifactStoragePrefix, StringComparison.Ordinal));
        Assert.Single(github.FindRequests("GET", $"/repos/{scenario.FullName}/actions/artifacts/{ArtifactId}/zip"));
        Assert.Equal(
            records[0].Facts.Single(f => f.Name.StartsWith("scans.file.", StringComparison.Ordinal)).Sha256,
            records[1].Facts.Single(f => f.Name.StartsWith("scans.file.", StringComparison.Ordinal)).Sha256);
    }

    [Fact]
    public async Task An_artifact_entry_that_escapes_the_folder_is_refused_and_fails_the_check()
    {
        var scenario = NewScenario("fx", ArtifactPolicy());
        scenario.ServeOn(github);
        ServeWorkflowRun(scenario, "completed");
        ServeArtifact(scenario, Zip(("semgrep.json", Sample("semgrep-clean.json")), ("../../etc/cron.d/evil", "x"u8.ToArray())));

        await OpenAsync(scenario);
        var run = await WaitForCheckRunAsync(scenario.HeadSha, _ => true);

        Assert.Equal("failure", (string?)run["conclusion"]);
        Assert.Contains("was refused", (string)run["output"]!["text"]!, StringComparison.Ordinal);
        Assert.Contains("is not a safe relative path", (string)run["output"]!["text"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Required_check_runs_of_other_apps_gate_the_pull_request_and_only_relevant_completions_re_evaluate()
    {
        var scenario = NewScenario("treasury", """
            version: 1
            scan-status:
              required-checks:
                - name: CodeQL
                  app: github-advanced-security
            """);
        scenario.ServeOn(github);
        github.AddCheckRun(scenario.Owner, scenario.Repo, new JsonObject
        {
            ["name"] = "CodeQL",
            ["head_sha"] = scenario.HeadSha,
            ["status"] = "completed",
            ["conclusion"] = "failure",
            ["app"] = new JsonObject { ["id"] = 57789, ["slug"] = "github-advanced-security", ["name"] = "GitHub Advanced Security" },
        });

        await OpenAsync(scenario);
        var failed = await WaitForCheckRunAsync(scenario.HeadSha, _ => true);
        Assert.Equal("failure", (string?)failed["conclusion"]);
        Assert.Contains("concluded `failure`", (string)failed["output"]!["text"]!, StringComparison.Ordinal);
        var evaluations = github.FindRequests("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}").Count;

        // An unrelated CI check finishing costs a policy read, not an evaluation.
        await DeliverAsync("check_run", CheckRunCompleted(scenario, "unit-tests", "success"));
        await Eventually.GetAsync(
            () => github.FindRequests("GET", $"/repos/{scenario.FullName}/contents/.github/finguard.yml").Count >= 2 ? "read" : null,
            () => "the unrelated check_run was not looked at");
        await Task.Delay(300);
        Assert.Equal(evaluations, github.FindRequests("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}").Count);

        // CodeQL is re-run and passes: its completion re-evaluates the pull request, which now passes.
        github.AddCheckRun(scenario.Owner, scenario.Repo, new JsonObject
        {
            ["name"] = "CodeQL",
            ["head_sha"] = scenario.HeadSha,
            ["status"] = "completed",
            ["conclusion"] = "success",
            ["app"] = new JsonObject { ["id"] = 57789, ["slug"] = "github-advanced-security", ["name"] = "GitHub Advanced Security" },
        });
        var completed = CheckRunCompleted(scenario, "CodeQL", "success");
        completed["check_run"]!["app"]!["slug"] = "github-advanced-security";
        await DeliverAsync("check_run", completed);

        var passed = await WaitForCheckRunAsync(scenario.HeadSha, r => (string?)r["conclusion"] == "success");
        Assert.Equal("All 3 controls passing", (string?)passed["output"]!["title"]);
        var record = (await RecordsAsync(scenario, 2))[^1];
        Assert.Equal("github-webhook:check_run.completed", record.Source);
        Assert.Contains(record.Facts, f => f.Name == "scans.check-runs");
        github.AssertAllRequestsExistInOpenApi();
    }
}
