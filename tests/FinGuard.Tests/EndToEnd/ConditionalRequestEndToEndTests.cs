using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// How many GitHub requests an evaluation costs, and that a re-run of an unchanged pull request is answered from
/// conditional requests (<c>If-None-Match</c> → <c>304</c>, which GitHub does not count against the rate limit).
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class ConditionalRequestEndToEndTests(AzuriteFixture azurite, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
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

    private static JsonObject RerequestedPayload(PullRequestScenario scenario)
    {
        var payload = WebhookExamples.First("check_run", "rerequested");
        var repo = new JsonObject { ["id"] = 1, ["url"] = $"https://api.github.com/repos/{scenario.FullName}", ["name"] = scenario.Repo };
        payload["check_run"]!["head_sha"] = scenario.HeadSha;
        payload["check_run"]!["external_id"] = $"finguard:{scenario.HeadSha}";
        payload["check_run"]!["pull_requests"] = new JsonArray(new JsonObject
        {
            ["number"] = scenario.Number,
            ["url"] = $"https://api.github.com/repos/{scenario.FullName}/pulls/{scenario.Number}",
            ["id"] = 1,
            ["head"] = new JsonObject { ["ref"] = "feature", ["sha"] = scenario.HeadSha, ["repo"] = repo.DeepClone() },
            ["base"] = new JsonObject { ["ref"] = scenario.BaseRef, ["sha"] = PullRequestScenario.NewSha(), ["repo"] = repo.DeepClone() },
        });
        payload["repository"]!["full_name"] = scenario.FullName;
        payload["repository"]!["name"] = scenario.Repo;
        payload["repository"]!["owner"]!["login"] = scenario.Owner;
        payload["installation"] = new JsonObject { ["id"] = scenario.InstallationId, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        return payload;
    }

    private async Task<IReadOnlyList<EvidenceIndexEntry>> WaitForDecisionsAsync(string chain, int count) =>
        await Eventually.GetAsync(
            () => host.Services.GetRequiredService<IEvidenceStore>().ListAsync(chain, CancellationToken.None).ToListAsync().AsTask().Result is { } rows && rows.Count >= count ? rows : null,
            () => $"expected {count} decisions; requests: {string.Join(", ", github.Requests)}");

    [Fact]
    public async Task First_evaluation_of_a_250_commit_pull_request_with_two_approvals_reads_6_resources_plus_the_check_run_write_and_unchanged_re_runs_get_304s_and_the_update()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"etag-{Guid.NewGuid():N}"[..20], number: 31);
        for (var i = 0; i < 250; i++)
        {
            scenario.WithCommit(verified: true);
        }

        scenario.WithTwoIndependentApprovals();
        scenario.RepositoryPolicy = "version: 1\n";
        scenario.OrganizationPolicy = "version: 1\n";
        scenario.ServeOn(github);
        var chain = scenario.FullName.ToLowerInvariant();

        // First evaluation: a pull_request delivery.
        var opened = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", opened)))
        {
        }

        await WaitForDecisionsAsync(chain, 1);
        await Eventually.GetAsync(() => github.CheckRuns.FirstOrDefault(r => (string?)r["head_sha"] == scenario.HeadSha), () => "no check run");
        var first = github.Requests.ToList();

        // Second and third evaluations of the unchanged pull request: "Re-run" on the check, twice.
        var rerun = Encoding.UTF8.GetBytes(RerequestedPayload(scenario).ToJsonString());
        async Task<List<RecordedRequest>> ReRunAsync(int decisions)
        {
            var before = github.Requests.Count;
            using (await host.Client.SendAsync(FinGuardHost.Delivery("check_run", rerun)))
            {
            }

            await WaitForDecisionsAsync(chain, decisions);
            await Eventually.GetAsync(() => github.Requests.Skip(before).Any(r => r.Method == "PATCH") ? github.Requests : null, () => "the check run was not updated");
            return [.. github.Requests.Skip(before)];
        }

        var second = await ReRunAsync(2);
        var third = await ReRunAsync(3);
        output.WriteLine("first evaluation:  " + string.Join(", ", first.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}")));
        output.WriteLine("second evaluation: " + string.Join(", ", second.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}")));
        output.WriteLine("third evaluation:  " + string.Join(", ", third.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}")));

        const string lookup = "/repos/{owner}/{repo}/commits/{ref}/check-runs";
        const string pull = "/repos/{owner}/{repo}/pulls/{pull_number}";
        bool IsLookup(RecordedRequest r) => r.Method == "GET" && r.OpenApiTemplate == lookup;

        // First: the pull request comes with the delivery; 250 commits in one compare; reviews; the two policy files;
        // the repository permission of each of the two approvers = 6 reads, then the check run is created without a
        // lookup (no decision on this head yet). Plus one installation-token request per hour.
        const string permission = "/repos/{owner}/{repo}/collaborators/{username}/permission";
        var firstReads = first.Where(r => r.Method == "GET").ToList();
        Assert.Equal(
            ["/repos/{owner}/{repo}/compare/{base}...{head}", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "/repos/{owner}/{repo}/contents/{path}", "/repos/{owner}/{repo}/contents/{path}", permission, permission],
            firstReads.Select(r => r.OpenApiTemplate));
        Assert.All(firstReads, r => Assert.Equal(200, r.ResponseStatus));
        Assert.Equal(1, first.Count(r => r.Method == "POST" && r.Path.EndsWith("/access_tokens", StringComparison.Ordinal)));
        Assert.Equal(1, first.Count(r => r.Method == "POST" && r.Path == $"/repos/{scenario.FullName}/check-runs"));
        Assert.Equal(8, first.Count);

        // The re-run asks GitHub for the pull request itself (a re-run must see the current state; the first
        // evaluation took it from the delivery, so this one read is a 200); everything else, the approvers'
        // permissions included, is a 304 and the run FinGuard remembers is updated — no lookup.
        var secondReads = second.Where(r => r.Method == "GET").ToList();
        Assert.Equal([pull, .. firstReads.Select(r => r.OpenApiTemplate)], secondReads.Select(r => r.OpenApiTemplate));
        Assert.Equal([200, 304, 304, 304, 304, 304, 304], secondReads.Select(r => r.ResponseStatus));
        Assert.Equal(0, second.Count(IsLookup));
        Assert.Equal(1, second.Count(r => r.Method == "PATCH"));
        Assert.Equal(8, second.Count);

        // From then on an unchanged re-run is only 304s and the update.
        var thirdReads = third.Where(r => r.Method == "GET").ToList();
        Assert.Equal(secondReads.Select(r => r.PathAndQuery), thirdReads.Select(r => r.PathAndQuery));
        Assert.All(thirdReads, r => Assert.Equal(304, r.ResponseStatus));
        Assert.All(thirdReads, r => Assert.NotNull(r.Header("If-None-Match")));
        Assert.Equal(1, third.Count(r => r.Method == "PATCH"));
        Assert.Equal(8, third.Count);

        // The evidence of the re-run holds the same bytes the first decision read.
        var records = await host.EvidenceRecordsAsync(chain, 3);

        Assert.Equal(
            ["pull", "compare", "reviews", "policy.repository", "policy.organization", "permission.reviewer-bob", "permission.reviewer-carol", "head-push"],
            records[2].Facts.Select(f => f.Name));
        Assert.StartsWith("webhook pull_request.opened delivery ", records[0].Facts[0].Request, StringComparison.Ordinal);
        Assert.Equal(records[1].Facts.Select(f => f.Sha256), records[2].Facts.Select(f => f.Sha256));
        Assert.Equal(records[0].Facts.Skip(1).Select(f => f.Sha256), records[2].Facts.Skip(1).Select(f => f.Sha256));
        Assert.Equal(250, records[2].Facts[1].Body.GetProperty("commits").GetArrayLength());
        Assert.All(records, r => Assert.Equal(records[0].Result.Conclusion, r.Result.Conclusion));
        github.AssertAllRequestsExistInOpenApi();
    }
    [Fact]
    public async Task A_pull_request_delivery_about_a_head_already_decided_is_read_from_github_not_trusted_from_the_delivery()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"fresh-{Guid.NewGuid():N}"[..20], number: 32)
            .WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.Labels = ["bug"];
        scenario.ServeOn(github);
        var chain = scenario.FullName.ToLowerInvariant();

        var opened = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", opened)))
        {
        }

        await WaitForDecisionsAsync(chain, 1);

        // An older delivery processed late: its pull request still carries a label GitHub no longer has.
        scenario.Labels = ["emergency-change"];
        var stale = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "labeled"), "labeled").ToJsonString());
        scenario.Labels = ["bug"];
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", stale)))
        {
        }

        var records = await host.EvidenceRecordsAsync(chain, 2);

        Assert.StartsWith("webhook pull_request.opened delivery ", records[0].Facts[0].Request, StringComparison.Ordinal);
        Assert.Equal($"GET /repos/{scenario.FullName}/pulls/{scenario.Number}", records[1].Facts[0].Request);
        Assert.Equal(["bug"], records[1].Facts[0].Body.GetProperty("labels").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Single(github.FindRequests("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"));
        github.AssertAllRequestsExistInOpenApi();
    }
}
