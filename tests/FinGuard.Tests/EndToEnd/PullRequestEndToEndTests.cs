using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using FinGuard.Core.Evidence;
using FinGuard.Storage;
using Microsoft.Extensions.Configuration;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

[CollectionDefinition(Name)]
public sealed class AzuriteTestGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}

/// <summary>
/// The real <c>finguard serve</c> host + Azurite + the loopback fake GitHub: a signed <c>pull_request</c>
/// delivery goes in, evidence is written to Blob/Table storage, and a check run comes out.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class PullRequestEndToEndTests(AzuriteFixture azurite, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
    }

    private void Serve(PullRequestScenario scenario) => scenario.ServeOn(github);

    private static byte[] SynchronizeDelivery(PullRequestScenario scenario) =>
        Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());

    private Task<JsonObject> WaitForCheckRunAsync(string headSha) =>
        Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == headSha && (string?)r["status"] == "completed"),
            () => $"no completed check run for {headSha}. Requests seen: {string.Join(", ", github.Requests.Select(r => $"{r.Method} {r.Path} -> {r.Route}"))}");

    private BlobContainerClient EvidenceContainer => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("evidence");

    [Fact]
    public async Task Synchronize_with_an_unsigned_commit_writes_evidence_then_publishes_a_failing_check_and_a_redelivery_changes_nothing()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"payments-{Guid.NewGuid():N}"[..24], number: 42)
            .WithCommit(verified: true, message: "Add settlement report")
            .WithCommit(verified: false, reason: "unsigned", message: "Fix rounding in fees")
            .WithTwoIndependentApprovals();
        Serve(scenario);
        var deliveryId = Guid.NewGuid().ToString();
        var body = SynchronizeDelivery(scenario);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId));
        var ackTime = clock.Elapsed;
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);

        var run = await WaitForCheckRunAsync(scenario.HeadSha);

        // The check run a developer reads.
        Assert.Equal("FinGuard", (string?)run["name"]);
        Assert.Equal("failure", (string?)run["conclusion"]);
        Assert.Equal($"finguard:{scenario.HeadSha}", (string?)run["external_id"]);
        Assert.Equal("1 of 2 controls failing", (string?)run["output"]!["title"]);
        var summary = (string)run["output"]!["summary"]!;
        Assert.Contains("1 of 2 commits is not signed with a verified signature.", summary, StringComparison.Ordinal);
        Assert.Contains("commit.gpgsign", summary, StringComparison.Ordinal);
        var text = (string)run["output"]!["text"]!;
        Assert.Contains(scenario.Commits[1].Sha[..7], text, StringComparison.Ordinal);
        Assert.Contains("`unsigned`", text, StringComparison.Ordinal);
        Assert.Contains("Fix rounding in fees", text, StringComparison.Ordinal);

        // The evidence blob and its index row.
        var chain = scenario.FullName.ToLowerInvariant();
        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var index = await store.ListAsync(chain, CancellationToken.None).ToListAsync();
        var entry = Assert.Single(index);
        Assert.Equal(1, entry.Sequence);
        Assert.Equal(scenario.HeadSha, entry.HeadSha);
        Assert.Equal(42, entry.PullRequest);
        Assert.Equal("fail", entry.Verdict);
        Assert.Equal(deliveryId, entry.DeliveryId);
        Assert.Contains(entry.BlobName, summary, StringComparison.Ordinal);

        var blob = await EvidenceContainer.GetBlobClient(entry.BlobName).DownloadContentAsync();
        var bytes = blob.Value.Content.ToArray();
        Assert.Equal(entry.Sha256, CanonicalJson.Sha256Hex(bytes));
        var record = EvidenceSerializer.FromBytes(bytes);
        Assert.Equal(deliveryId, record.DeliveryId);
        Assert.Null(record.PreviousSha256);
        Assert.Equal("pull_request", record.Subject.Type);
        Assert.Equal($"{scenario.FullName}#42", record.Subject.Id);
        Assert.Equal("failure", record.Result.Conclusion);
        Assert.Equal("signed-commits:fail", record.Result.ReasonCode);
        Assert.Equal(["pull", "compare", "reviews", "permission.reviewer-bob", "permission.reviewer-carol", "head-push"], record.Facts.Select(f => f.Name));
        Assert.Equal(["signed-commits", "separation-of-duties", "path-approvals", "scan-status", "freeze-window"], record.Result.Controls.Select(c => c.Id));
        Assert.Equal(["fail", "pass", "skipped", "skipped", "skipped"], record.Result.Controls.Select(c => c.Status));
        Assert.All(record.Facts, f => Assert.Equal(f.Sha256, CanonicalJson.Sha256(f.Body)));
        Assert.Equal("development", record.Mode);

        // Redelivery: acknowledged as duplicate, nothing else happens.
        var requestsBefore = github.Requests.Count;
        using var again = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        using (var againAck = JsonDocument.Parse(await again.Content.ReadAsStringAsync()))
        {
            Assert.Equal("duplicate", againAck.RootElement.GetProperty("status").GetString());
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(requestsBefore, github.Requests.Count);
        Assert.Single(github.CheckRuns, r => (string?)r["head_sha"] == scenario.HeadSha);
        Assert.Single(await store.ListAsync(chain, CancellationToken.None).ToListAsync());
        Assert.Single(EvidenceContainer.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, chain + "/", CancellationToken.None));

        github.AssertAllRequestsExistInOpenApi();
        output.WriteLine($"webhook ack took {ackTime.TotalMilliseconds:F1} ms (first request on a fresh connection)");
    }

    [Fact]
    public async Task A_fixed_push_passes_and_extends_the_hash_chain()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"ledger-{Guid.NewGuid():N}"[..22], number: 7)
            .WithCommit(verified: false, reason: "unknown_key");
        Serve(scenario);
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", SynchronizeDelivery(scenario))))
        {
        }

        var failing = await WaitForCheckRunAsync(scenario.HeadSha);
        Assert.Equal("failure", (string?)failing["conclusion"]);

        var fixedScenario = new PullRequestScenario(owner: scenario.Owner, repo: scenario.Repo, number: 7).WithCommit(verified: true).WithTwoIndependentApprovals();
        Serve(fixedScenario);
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", SynchronizeDelivery(fixedScenario))))
        {
        }

        var passing = await WaitForCheckRunAsync(fixedScenario.HeadSha);
        Assert.Equal("success", (string?)passing["conclusion"]);

        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var index = await store.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync();
        Assert.Equal([1L, 2L], index.Select(e => e.Sequence));
        var second = EvidenceSerializer.FromBytes((await store.ReadAsync(index[1].BlobName, CancellationToken.None))!);
        Assert.Equal(index[0].Sha256, second.PreviousSha256);
        Assert.Equal("pass", second.Result.Verdict);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_compliant_pull_request_of_more_than_250_commits_is_read_page_by_page_and_passes()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"bulk-{Guid.NewGuid():N}"[..20], number: 8);
        for (var i = 0; i < 251; i++)
        {
            scenario.WithCommit(verified: true);
        }

        scenario.WithTwoIndependentApprovals();
        Serve(scenario);
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", SynchronizeDelivery(scenario))))
        {
        }

        var run = await WaitForCheckRunAsync(scenario.HeadSha);
        Assert.Equal("success", (string?)run["conclusion"]);
        Assert.Contains("All 251 commits have verified signatures.", (string)run["output"]!["text"]!, StringComparison.Ordinal);

        // GitHub's compare lists 250 commits unpaged; FinGuard read all three pages of 100, following the Link header.
        var compares = github.FindRequests("GET", "/repos/{owner}/{repo}/compare/{basehead}");
        Assert.Equal(["100", "100", "100"], compares.Select(r => r.Query["per_page"]));
        Assert.Equal([null, "2", "3"], compares.Select(r => r.Query.TryGetValue("page", out var page) ? page : null));
        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var entry = Assert.Single(await store.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync());
        var record = EvidenceSerializer.FromBytes((await store.ReadAsync(entry.BlobName, CancellationToken.None))!);
        Assert.Equal(["compare", "compare.page2", "compare.page3"], record.Facts.Select(f => f.Name).Where(n => n.StartsWith("compare", StringComparison.Ordinal)));
        Assert.True(FinGuard.Evidence.EvidenceReplayComparison.Compare(record).ExactMatch);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_pull_request_of_more_than_3000_commits_fails_closed_and_says_so()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"huge-{Guid.NewGuid():N}"[..20], number: 9) { ReportedCommitCount = 3001 }
            .WithCommit(verified: true)
            .WithTwoIndependentApprovals();
        Serve(scenario);
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", SynchronizeDelivery(scenario))))
        {
        }

        var run = await WaitForCheckRunAsync(scenario.HeadSha);
        Assert.NotEqual("success", (string?)run["conclusion"]);
        var text = (string)run["output"]!["text"]!;
        Assert.Contains("This pull request has 3001 commits; FinGuard reads at most 3000", text, StringComparison.Ordinal);
        Assert.Contains("Split the change into pull requests of at most 3000 commits", text, StringComparison.Ordinal);
        Assert.Empty(github.FindRequests("GET", "/repos/{owner}/{repo}/compare/{basehead}"));
    }

    [Fact]
    public async Task A_pull_request_goes_from_pending_to_passing_as_independent_approvals_arrive()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"fx-{Guid.NewGuid():N}"[..19], number: 5).WithCommit(verified: true);
        Serve(scenario);
        var opened = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", opened)))
        {
        }

        var run = await WaitForCheckRunAsync(scenario.HeadSha);
        Assert.Equal("action_required", (string?)run["conclusion"]);
        Assert.Contains("0 of 2", (string)run["output"]!["summary"]!, StringComparison.Ordinal);

        // The author approving their own change does not count.
        scenario.WithReview(scenario.AuthorLogin, 5001);
        Serve(scenario);
        await DeliverReviewAndWaitAsync(scenario, expectedEvaluations: 2);
        run = github.CheckRuns.Single(r => (string?)r["head_sha"] == scenario.HeadSha);
        Assert.Equal("action_required", (string?)run["conclusion"]);
        Assert.Contains("0 of 2", (string)run["output"]!["summary"]!, StringComparison.Ordinal);
        Assert.Contains(scenario.AuthorLogin, (string)run["output"]!["text"]!, StringComparison.Ordinal);

        scenario.WithReview("reviewer-bob", 9001);
        Serve(scenario);
        await DeliverReviewAndWaitAsync(scenario, expectedEvaluations: 3);
        run = github.CheckRuns.Single(r => (string?)r["head_sha"] == scenario.HeadSha);
        Assert.Equal("action_required", (string?)run["conclusion"]);
        Assert.Contains("1 of 2", (string)run["output"]!["summary"]!, StringComparison.Ordinal);

        scenario.WithReview("reviewer-carol", 9002);
        Serve(scenario);
        await DeliverReviewAndWaitAsync(scenario, expectedEvaluations: 4);
        run = github.CheckRuns.Single(r => (string?)r["head_sha"] == scenario.HeadSha);
        Assert.Equal("success", (string?)run["conclusion"]);

        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var index = await store.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync();
        Assert.Equal(["fail", "fail", "fail", "pass"], index.Select(e => e.Verdict));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_reviewer_who_pushed_the_head_and_then_approves_is_not_counted_when_the_review_is_evaluated()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"push-{Guid.NewGuid():N}"[..20], number: 15)
            .WithCommit(verified: true)
            .WithTwoIndependentApprovals();
        Serve(scenario);

        // reviewer-carol pushed the head (a commit authored by dev-alice: she is neither its author nor its committer).
        var push = scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize");
        push["sender"]!["login"] = "reviewer-carol";
        push["sender"]!["id"] = 9002;
        var pushDelivery = Guid.NewGuid().ToString();
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", Encoding.UTF8.GetBytes(push.ToJsonString()), deliveryId: pushDelivery)))
        {
        }

        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var chain = scenario.FullName.ToLowerInvariant();
        await Eventually.GetAsync(() => store.ListAsync(chain, CancellationToken.None).ToListAsync().AsTask().Result is { Count: >= 1 } rows ? rows : null, () => "no decision for the push");

        // Her approval arrives later, as its own delivery; that evaluation finds who pushed the head in FinGuard's store.
        await DeliverReviewAndWaitAsync(scenario, expectedEvaluations: 2);
        var run = github.CheckRuns.Single(r => (string?)r["head_sha"] == scenario.HeadSha);
        Assert.Equal("action_required", (string?)run["conclusion"]);
        Assert.Contains("1 of 2", (string)run["output"]!["summary"]!, StringComparison.Ordinal);
        Assert.Contains($"reviewer-carol` approved {scenario.HeadSha[..7]}, but does not count: pushed the current head {scenario.HeadSha[..7]}", (string)run["output"]!["text"]!, StringComparison.Ordinal);

        // The review's decision records the pusher fact, traceable to the verified delivery it came from, and replays.
        var index = await store.ListAsync(chain, CancellationToken.None).ToListAsync();
        var record = EvidenceSerializer.FromBytes((await store.ReadAsync(index[^1].BlobName, CancellationToken.None))!);
        Assert.Equal("github-webhook:pull_request_review.submitted", record.Source);
        var fact = Assert.Single(record.Facts, f => f.Name == "head-push");
        Assert.Equal($"webhook pull_request.synchronize delivery {pushDelivery}", fact.Request);
        Assert.Equal("reviewer-carol", fact.Body.GetProperty("sender").GetProperty("login").GetString());
        Assert.Equal(scenario.HeadSha, fact.Body.GetProperty("pull_request").GetProperty("head").GetProperty("sha").GetString());
        Assert.True(FinGuard.Evidence.EvidenceReplayComparison.Compare(record).ExactMatch);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_head_whose_push_FinGuard_never_received_fails_closed_and_says_how_to_fix_it()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"late-{Guid.NewGuid():N}"[..20], number: 16)
            .WithCommit(verified: true)
            .WithTwoIndependentApprovals();
        Serve(scenario);

        // FinGuard was installed after the push: the first delivery it sees is a review.
        await DeliverReviewAndWaitAsync(scenario, expectedEvaluations: 1);

        var run = await WaitForCheckRunAsync(scenario.HeadSha);
        Assert.NotEqual("success", (string?)run["conclusion"]);
        var text = (string)run["output"]!["text"]!;
        Assert.Contains($"it does not know who pushed the current head {scenario.HeadSha[..7]}", text, StringComparison.Ordinal);
        Assert.Contains("Push a new commit to the branch", text, StringComparison.Ordinal);
        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var entry = Assert.Single(await store.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync());
        Assert.Equal("fail", entry.Verdict);
    }

    private async Task DeliverReviewAndWaitAsync(PullRequestScenario scenario, int expectedEvaluations)
    {
        var body = Encoding.UTF8.GetBytes(scenario.ReviewWebhookPayload().ToJsonString());
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request_review", body)))
        {
        }

        var store = host.Services.GetRequiredService<IEvidenceStore>();
        await Eventually.GetAsync(
            () => store.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync().AsTask().Result is { } rows && rows.Count >= expectedEvaluations ? rows : null,
            () => $"expected {expectedEvaluations} decisions");
        await Eventually.GetAsync(
            () => github.Requests.Count(r => r.Method == "PATCH") >= expectedEvaluations - 1 ? github.Requests : null,
            () => "the check run was not updated");
    }

    [Fact]
    public async Task The_check_run_is_published_only_after_its_evidence_is_stored()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"cards-{Guid.NewGuid():N}"[..21], number: 3).WithCommit(verified: true).WithTwoIndependentApprovals();
        Serve(scenario);
        var evidenceExistedWhenPublished = new List<bool>();
        var container = EvidenceContainer;
        github.Respond("POST", $"/repos/{scenario.FullName}/check-runs", request =>
        {
            var body = JsonNode.Parse(request.Body)!;
            var summary = (string)body["output"]!["summary"]!;
            var blobName = summary.Split('`')[^2];
            evidenceExistedWhenPublished.Add(container.GetBlobClient(blobName).Exists().Value);
            body["id"] = 991;
            body["status"] = "completed";
            return FakeResponse.Json(body.ToJsonString(), 201);
        });

        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", SynchronizeDelivery(scenario))))
        {
        }

        await Eventually.GetAsync(() => evidenceExistedWhenPublished.Count > 0 ? evidenceExistedWhenPublished : null, () => "no check run was published");
        Assert.Equal([true], evidenceExistedWhenPublished);
    }
}

/// <summary>A delivery stored by a process that died before processing it is processed when FinGuard starts again.</summary>
public sealed class RestartResumeTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;

    public async Task InitializeAsync() => github = await FakeGitHubServer.StartAsync();

    public async Task DisposeAsync()
    {
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task Pending_deliveries_left_in_the_inbox_are_processed_after_a_restart()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: "treasury", number: 11).WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        var deliveryId = Guid.NewGuid().ToString();

        // The previous process persisted the delivery and died before the worker got to it.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:LocalPath"] = folder }).Build();
        await using (var previous = new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider())
        {
            var outcome = await previous.GetRequiredService<FinGuard.Core.Deliveries.IDeliveryInbox>().AcceptAsync(
                new FinGuard.Core.Deliveries.InboundDelivery(deliveryId, "pull_request", "opened", scenario.InstallationId, scenario.FullName, DateTimeOffset.UnixEpoch, body),
                CancellationToken.None);
            Assert.Equal(FinGuard.Core.Deliveries.InboxAcceptOutcome.Accepted, outcome);
        }

        await using var host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder));

        var run = await Eventually.GetAsync(
            () => github.CheckRuns.FirstOrDefault(r => (string?)r["head_sha"] == scenario.HeadSha),
            () => "the pending delivery was not processed after the restart");
        Assert.Equal("success", (string?)run["conclusion"]);
        var inbox = host.Services.GetRequiredService<FinGuard.Core.Deliveries.IDeliveryInbox>();
        var stored = await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: FinGuard.Core.Deliveries.DeliveryState.Completed } s ? s : null,
            () => "the delivery was not marked completed");
        Assert.Equal(FinGuard.Core.Deliveries.DeliveryState.Completed, stored.State);
    }

    [Fact]
    public async Task A_delivery_whose_completion_was_lost_is_processed_again_after_a_restart_and_its_evidence_replayed_not_decided_twice()
    {
        // The local inbox appends state changes without fsync: a power loss can drop "completed" after the decision's
        // evidence was durable and its check run published. This is that state, made by hand.
        PullRequestScenario pr;
        await using (var first = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder)))
        {
            pr = await first.ApprovedPullRequestAsync(github, "octo-org", "ledger", 14);
            Assert.Single(await first.EvidenceRecordsAsync(pr.FullName, atLeast: 1));
            var inbox = first.Services.GetRequiredService<FinGuard.Core.Deliveries.IDeliveryInbox>();
            await Eventually.GetAsync(
                () => inbox.ListPendingAsync(CancellationToken.None).Result.Count == 0 ? "done" : null,
                () => "the delivery was not marked completed");
        }

        var file = Assert.Single(Directory.GetFiles(Path.Combine(folder, "deliveries"), "*.json"));
        var bytes = await File.ReadAllBytesAsync(file);
        var firstLineEnd = Array.IndexOf(bytes, (byte)'\n');
        var bodyLength = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(0, firstLineEnd)).RootElement.GetProperty("bodyLength").GetInt32();
        Assert.True(bytes.Length > firstLineEnd + 1 + bodyLength + 1, "no state line was appended");
        await File.WriteAllBytesAsync(file, bytes[..(firstLineEnd + 1 + bodyLength + 1)]);
        var publishedBefore = github.Requests.Count(IsCheckRunWrite);

        await using var host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder));

        var hostInbox = host.Services.GetRequiredService<FinGuard.Core.Deliveries.IDeliveryInbox>();
        await Eventually.GetAsync(
            () => hostInbox.ListPendingAsync(CancellationToken.None).Result.Count == 0 ? "done" : null,
            () => "the pending delivery was not processed again after the restart");
        Assert.True(
            github.Requests.Count(IsCheckRunWrite) > publishedBefore,
            "the replayed decision was not published again");
        var records = await host.EvidenceRecordsAsync(pr.FullName, atLeast: 1);
        Assert.Single(records);
        Assert.Equal("success", github.CheckRuns.Last(r => (string?)r["head_sha"] == pr.HeadSha)["conclusion"]?.GetValue<string>());
    }

    private static bool IsCheckRunWrite(RecordedRequest request) =>
        request.Method is "POST" or "PATCH" && request.Path.Contains("/check-runs", StringComparison.Ordinal);
}

/// <summary>The RedeliverySweep timer re-dispatches deliveries whose hand-off was lost.</summary>
public sealed class PendingDeliverySweepTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;

    public async Task InitializeAsync() => github = await FakeGitHubServer.StartAsync();

    public async Task DisposeAsync()
    {
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task A_stale_pending_delivery_is_dispatched_again_and_a_fresh_one_is_left_alone()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: "clearing", number: 12).WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        await using var host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder));
        var inbox = host.Services.GetRequiredService<FinGuard.Core.Deliveries.IDeliveryInbox>();
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        var now = TimeProvider.System.GetUtcNow();
        var stale = Guid.NewGuid().ToString();
        var fresh = Guid.NewGuid().ToString();
        // Stored, never handed to a worker (as after a crash between storing and dispatching).
        await inbox.AcceptAsync(new FinGuard.Core.Deliveries.InboundDelivery(stale, "pull_request", "opened", scenario.InstallationId, scenario.FullName, now.AddMinutes(-10), body), CancellationToken.None);
        await inbox.AcceptAsync(new FinGuard.Core.Deliveries.InboundDelivery(fresh, "ping", null, null, null, now, "{\"zen\":\"Keep it logically awesome.\"}"u8.ToArray()), CancellationToken.None);

        var job = host.Services.GetServices<FinGuard.Functions.IScheduledJob>().Last(j => j.Name == "RedeliverySweep");
        var outcome = await job.RunAsync(new FinGuard.Functions.ScheduledJobContext("RedeliverySweep", false, null), CancellationToken.None);

        Assert.True(outcome.Implemented);
        Assert.StartsWith("Re-dispatched 1 delivery(ies)", outcome.Summary, StringComparison.Ordinal);
        var run = await Eventually.GetAsync(() => github.CheckRuns.Count > 0 ? github.CheckRuns[0] : null, () => "the stale delivery was not processed");
        Assert.Equal(scenario.HeadSha, (string?)run["head_sha"]);
        Assert.Equal(FinGuard.Core.Deliveries.DeliveryState.Pending, (await inbox.GetAsync(fresh, CancellationToken.None))!.State);
    }
}
