using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Processing;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// GitHub failing while a pull request is evaluated: the real host + Azurite + the fake GitHub. FinGuard never
/// publishes a conclusion it has no evidence for, says on the check that it is retrying, and ends with the right
/// conclusion and exactly one evidence record.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class GitHubOutageEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly List<CheckRunWrite> writes = [];
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    private sealed record CheckRunWrite(string Method, string? Status, string? Conclusion, string? Title, string? Summary, int EvidenceRecords);

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString);
        // Keep the client's 5xx back-off short so the test takes seconds; the worker's delivery back-off is real (2 s, 4 s).
        settings["GitHub:Resilience:RetryBaseDelay"] = "00:00:00.050";
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
    }

    private IEvidenceStore Evidence => host.Services.GetRequiredService<IEvidenceStore>();

    /// <summary>Records every check-run write with how many evidence records the chain held when it arrived.</summary>
    private void RecordCheckRunWrites(PullRequestScenario scenario)
    {
        var chain = scenario.FullName.ToLowerInvariant();
        github.Observe(request =>
        {
            if (request.Path.StartsWith($"/repos/{scenario.FullName}/check-runs", StringComparison.Ordinal) && request.Method is "POST" or "PATCH")
            {
                var body = request.BodyJson()!;
                var evidence = Evidence.ListAsync(chain, CancellationToken.None).ToListAsync().AsTask().GetAwaiter().GetResult().Count;
                lock (writes)
                {
                    writes.Add(new CheckRunWrite(request.Method, (string?)body["status"], (string?)body["conclusion"],
                        (string?)body["output"]?["title"], (string?)body["output"]?["summary"], evidence));
                }
            }
        });
    }

    private async Task<string> DeliverAsync(PullRequestScenario scenario)
    {
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
        var deliveryId = Guid.NewGuid().ToString();
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, ack.StatusCode);
        return deliveryId;
    }

    private Task<JsonObject> WaitForConclusionAsync(string headSha) =>
        Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == headSha && (string?)r["status"] == "completed"),
            () => $"no completed check run for {headSha}. Requests: {string.Join(", ", github.Requests.Select(r => r.ToString()))}",
            TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Commits_endpoint_answering_502_for_two_delivery_attempts_shows_retrying_then_passes_with_evidence_once()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"outage-{Guid.NewGuid():N}"[..22], number: 21)
            .WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        // 8 × 502: two delivery attempts of 1 + 3 client retries each; the third attempt gets the commits.
        var pullRequests = 0;
        github.Respond("GET", scenario.ComparePath, _ =>
            Interlocked.Increment(ref pullRequests) <= 8
                ? FakeResponse.Error(502, "Server Error")
                : FakeResponse.Json(scenario.CompareJson()));
        RecordCheckRunWrites(scenario);

        var deliveryId = await DeliverAsync(scenario);
        var run = await WaitForConclusionAsync(scenario.HeadSha);

        Assert.Equal("success", (string?)run["conclusion"]);
        Assert.Equal(9, Volatile.Read(ref pullRequests));
        Assert.Single(github.CheckRuns, r => (string?)r["head_sha"] == scenario.HeadSha);

        CheckRunWrite[] seen;
        lock (writes)
        {
            seen = [.. writes];
        }

        // First the truth — no decision, retrying, and why — then the conclusion, only once evidence existed.
        var retrying = seen.Where(w => w.Status == "in_progress").ToList();
        Assert.NotEmpty(retrying);
        Assert.All(retrying, w =>
        {
            Assert.Equal(PullRequestEvaluationService.UnreachableTitle, w.Title);
            Assert.Contains($"GitHub answered 502 BadGateway to GET {scenario.ComparePath}", w.Summary, StringComparison.Ordinal);
            Assert.Null(w.Conclusion);
            Assert.Equal(0, w.EvidenceRecords);
        });
        Assert.Equal("POST", seen[0].Method);
        Assert.Equal("in_progress", seen[0].Status);
        Assert.DoesNotContain(seen, w => w.Conclusion is not null && w.EvidenceRecords == 0);
        Assert.Equal("success", seen[^1].Conclusion);

        var records = await Evidence.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync();
        var record = Assert.Single(records);
        Assert.Equal(deliveryId, record.DeliveryId);
        Assert.Equal("pass", record.Verdict);

        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        var stored = await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: DeliveryState.Completed } s ? s : null,
            () => "the delivery was not marked completed");
        Assert.Equal(2, stored.Attempts);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_403_rate_limit_resetting_in_three_seconds_is_waited_out_without_a_retrying_check()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"limits-{Guid.NewGuid():N}"[..22], number: 22)
            .WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        var clock = Stopwatch.StartNew();
        var arrivals = new List<TimeSpan>();
        github.Respond("GET", scenario.ComparePath, _ =>
        {
            lock (arrivals)
            {
                arrivals.Add(clock.Elapsed);
                if (arrivals.Count > 1)
                {
                    return FakeResponse.Json(scenario.CompareJson());
                }
            }

            var reset = TimeProvider.System.GetUtcNow().AddSeconds(3).ToUnixTimeSeconds();
            return FakeResponse.Error(403, "API rate limit exceeded for installation ID 7000001.") with
            {
                Headers = new Dictionary<string, string>
                {
                    ["x-ratelimit-limit"] = "5000",
                    ["x-ratelimit-remaining"] = "0",
                    ["x-ratelimit-used"] = "5000",
                    ["x-ratelimit-reset"] = reset.ToString(CultureInfo.InvariantCulture),
                },
            };
        });
        RecordCheckRunWrites(scenario);

        var deliveryId = await DeliverAsync(scenario);
        var run = await WaitForConclusionAsync(scenario.HeadSha);

        Assert.Equal("success", (string?)run["conclusion"]);
        TimeSpan[] seen;
        lock (arrivals)
        {
            seen = [.. arrivals];
        }

        Assert.Equal(2, seen.Length);
        Assert.InRange(seen[1] - seen[0], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        lock (writes)
        {
            var write = Assert.Single(writes);
            Assert.Equal("completed", write.Status);
            Assert.Equal(1, write.EvidenceRecords);
        }

        var record = Assert.Single(await Evidence.ListAsync(scenario.FullName.ToLowerInvariant(), CancellationToken.None).ToListAsync());
        Assert.Equal(deliveryId, record.DeliveryId);
        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        var stored = await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: DeliveryState.Completed } s ? s : null,
            () => "the delivery was not marked completed");
        Assert.Equal(0, stored.Attempts);
    }
}
