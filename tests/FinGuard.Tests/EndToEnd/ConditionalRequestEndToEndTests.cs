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
        host = await FinGuardHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["GitHub:WebhookSecret"] = FinGuardHost.WebhookSecret,
            ["GitHub:AppId"] = "123456",
            ["GitHub:PrivateKey"] = FinGuardHost.NewPrivateKeyPem(),
            ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        });
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
    public async Task First_evaluation_reads_5_resources_plus_check_run_lookup_and_write_and_an_unchanged_re_run_gets_only_304s_and_the_update()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"etag-{Guid.NewGuid():N}"[..20], number: 31)
            .WithCommit(verified: true).WithCommit(verified: true).WithTwoIndependentApprovals();
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

        // Second evaluation of the unchanged pull request: "Re-run" on the check.
        var rerun = Encoding.UTF8.GetBytes(RerequestedPayload(scenario).ToJsonString());
        using (await host.Client.SendAsync(FinGuardHost.Delivery("check_run", rerun)))
        {
        }

        var decisions = await WaitForDecisionsAsync(chain, 2);
        await Eventually.GetAsync(() => github.Requests.Skip(first.Count).Any(r => r.Method == "PATCH") ? github.Requests : null, () => "the check run was not updated");
        var second = github.Requests.Skip(first.Count).ToList();
        output.WriteLine("first evaluation:  " + string.Join(", ", first.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}")));
        output.WriteLine("second evaluation: " + string.Join(", ", second.Select(r => $"{r.Method} {r.Path} {r.ResponseStatus}")));

        const string lookup = "/repos/{owner}/{repo}/commits/{ref}/check-runs";
        bool IsLookup(RecordedRequest r) => r.Method == "GET" && r.Route == lookup;
        var firstReads = first.Where(r => r.Method == "GET" && !IsLookup(r)).ToList();
        // Measured: pull, commits (1 page), reviews, repository policy, organisation policy = 5 reads; then the
        // check-run lookup (reconciliation by external_id) and the POST; plus one installation-token request per hour.
        Assert.Equal(5, firstReads.Count);
        Assert.All(firstReads, r => Assert.Equal(200, r.ResponseStatus));
        Assert.Equal(1, first.Count(r => r.Method == "POST" && r.Path.EndsWith("/access_tokens", StringComparison.Ordinal)));
        Assert.Equal(1, first.Count(IsLookup));
        Assert.Equal(1, first.Count(r => r.Method == "POST" && r.Path == $"/repos/{scenario.FullName}/check-runs"));
        Assert.Equal(8, first.Count);

        // The re-run: the same 5 reads, each a 304, and the PATCH of the run FinGuard remembers — no lookup.
        var secondReads = second.Where(r => r.Method == "GET" && !IsLookup(r)).ToList();
        Assert.Equal(firstReads.Select(r => r.PathAndQuery), secondReads.Select(r => r.PathAndQuery));
        Assert.All(secondReads, r => Assert.Equal(304, r.ResponseStatus));
        Assert.All(secondReads, r => Assert.NotNull(r.Header("If-None-Match")));
        Assert.Equal(0, second.Count(IsLookup));
        Assert.Equal(1, second.Count(r => r.Method == "PATCH"));
        Assert.Equal(6, second.Count);

        // The evidence of the re-run holds the same bytes the first decision read.
        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var records = new List<EvidenceRecord>();
        foreach (var entry in decisions)
        {
            records.Add(EvidenceSerializer.FromBytes((await store.ReadAsync(entry.BlobName, CancellationToken.None))!));
        }

        Assert.Equal(["pull", "commits", "reviews", "policy.repository", "policy.organization"], records[1].Facts.Select(f => f.Name));
        Assert.Equal(records[0].Facts.Select(f => f.Sha256), records[1].Facts.Select(f => f.Sha256));
        Assert.Equal(records[0].Result.Conclusion, records[1].Result.Conclusion);
        github.AssertAllRequestsExistInOpenApi();
    }
}
