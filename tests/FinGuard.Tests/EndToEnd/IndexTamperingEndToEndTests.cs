using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.Deployments;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Evidence;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// An attacker with write access to the storage edits one index row — the row FinGuard finds a pull request's
/// decision by — and nothing else: its verdict (a failed pull request made to look passed), its head SHA (a passed
/// pull request made to vouch for a commit nobody proposed) or its delivery id. The real server, on the local folder
/// and on Azurite's tables, with the loopback fake GitHub: the deployment is never approved on the strength of the
/// edited row, GitHub is told why and how to investigate, an alert is logged, and <c>finguard evidence verify --live</c>
/// names the row.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class IndexTamperingEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly ScenarioUser Erin = new("approver-erin", 9_301);
    private static readonly ScenarioUser Frank = new("approver-frank", 9_302);

    private readonly string localRoot = TempDirectory.Create();
    private FakeGitHubServer github = null!;

    public async Task InitializeAsync() => github = await FakeGitHubServer.StartAsync();

    public async Task DisposeAsync()
    {
        await github.DisposeAsync();
        TempDirectory.Delete(localRoot);
    }

    public static TheoryData<string, string> Cases() => new()
    {
        { "local", "verdict" },
        { "local", "headSha" },
        { "local", "deliveryId" },
        { "azurite", "verdict" },
        { "azurite", "headSha" },
        { "azurite", "deliveryId" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_edited_index_row_never_gets_a_deployment_approved_and_verify_live_names_it(string backend, string field)
    {
        var repo = $"tamper-{Guid.NewGuid():N}"[..20];
        var settings = backend == "local"
            ? FinGuardHost.GitHubSettings(github, localRoot)
            : FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString);

        // 1. FinGuard decides the pull request (failed for the verdict attack, passed for the others).
        var pr = new PullRequestScenario("octo-org", repo, 42).WithCommit(verified: true, message: "Change the payment limits");
        if (field != "verdict")
        {
            pr.WithTwoIndependentApprovals();
        }

        pr.ServeOn(github);
        var logs = new CapturingLoggerProvider();
        var host = await FinGuardHost.StartAsync(settings, builder => builder.Logging.AddProvider(logs));
        await DecideAsync(host, pr, passed: field != "verdict");
        var chain = pr.FullName.ToLowerInvariant();
        var row = Assert.Single(await host.Services.GetRequiredService<IEvidenceStore>().ListAsync(chain, CancellationToken.None).ToListAsync());
        Assert.Equal(field != "verdict", row.Verdict == "pass");

        // 2. The deployment: the pull request's merge commit, or (head SHA attack) a commit no pull request vouches for.
        var deployment = new DeploymentScenario(pr.Owner, pr.Repo).WithApproval(Erin).WithApproval(Frank);
        if (field != "headSha")
        {
            deployment.Pulls.Add(new ScenarioPull(pr.Number, pr.HeadSha, deployment.Sha, Merged: true));
        }

        // 3. The edit: the row only, never the record.
        var edited = field switch
        {
            "verdict" => row with { Verdict = "pass" },
            "headSha" => row with { HeadSha = deployment.Sha },
            _ => row with { DeliveryId = Guid.NewGuid().ToString() },
        };
        if (backend == "local")
        {
            // The local index keeps rows it has read in memory: the attacker edits the file while FinGuard is stopped.
            await host.DisposeAsync();
            var path = Path.Combine(localRoot, "index", "octo-org", repo, "000000000001.json");
            var node = JsonNode.Parse(await File.ReadAllBytesAsync(path))!.AsObject();
            node[field] = field switch { "verdict" => edited.Verdict, "headSha" => edited.HeadSha, _ => edited.DeliveryId };
            await File.WriteAllTextAsync(path, node.ToJsonString());
            host = await FinGuardHost.StartAsync(settings, builder => builder.Logging.AddProvider(logs));
        }
        else
        {
            await EditAzureRowsAsync(row, edited);
        }

        try
        {
            deployment.ServeOn(github);
            var callbacks = new ConcurrentQueue<JsonObject>();
            github.Respond("POST", $"/repos/{deployment.FullName}/actions/runs/{deployment.RunId}/deployment_protection_rule", request =>
            {
                callbacks.Enqueue(JsonNode.Parse(request.Body)!.AsObject());
                return FakeResponse.NoContent();
            });
            var body = Encoding.UTF8.GetBytes(deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress)).ToJsonString());
            using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("deployment_protection_rule", body)))
            {
                Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
            }

            var answer = await Eventually.GetAsync(
                () => callbacks.FirstOrDefault(c => c["state"] is not null),
                () => $"GitHub received no decision. Logs:\n{string.Join("\n", logs.Lines.TakeLast(20))}");

            // Not approved, and GitHub (the people on the run page) is told why and what to do.
            Assert.Equal("rejected", (string?)answer["state"]);
            var comment = (string)answer["comment"]!;
            Assert.Contains("does not verify", comment, StringComparison.Ordinal);
            Assert.Contains($"finguard evidence verify --live --repo {pr.FullName}", comment, StringComparison.Ordinal);
            Assert.Contains("contact FinGuard's operators", comment, StringComparison.Ordinal);
            Assert.Contains(logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains("ALERT evidence corruption", StringComparison.Ordinal)
                && l.Contains($"{field}: the index says", StringComparison.Ordinal));

            // The deployment's own record keeps the damage it met (its custody fact), and replays to the same rejection.
            var records = await host.EvidenceRecordsAsync(chain, 2);
            var decision = Assert.Single(records, r => r.Subject.Type == "deployment");
            Assert.Equal("rejected", decision.Deployment!.State);
            Assert.Contains("does not verify", decision.Result.Controls.Single(c => c.Id == "chain-of-custody").Summary, StringComparison.Ordinal);
            Assert.True(FinGuard.Evidence.EvidenceReplayComparison.Compare(decision).DecisionMatches);
            github.AssertAllRequestsExistInOpenApi();
        }
        finally
        {
            await host.DisposeAsync();
            logs.Dispose();
        }

        // The auditor's check of the live store names the row and the field.
        string[] storage = backend == "local" ? [$"--Storage:LocalPath={localRoot}"] : [$"--Storage:ConnectionString={azurite.ConnectionString}"];
        var (exit, stdout, stderr) = await EvidenceCli.RunAsync(["verify", "--live", "--repo", pr.FullName, .. storage]);
        Assert.True(exit == 1, stdout + stderr);
        Assert.Contains($"BROKEN {chain}/000000000001.json: its ", stdout, StringComparison.Ordinal);
        Assert.Contains($"{field}: the index says", stdout, StringComparison.Ordinal);
    }

    private async Task DecideAsync(FinGuardHost host, PullRequestScenario pr, bool passed)
    {
        var body = Encoding.UTF8.GetBytes(pr.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        var run = await Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == pr.HeadSha && (string?)r["status"] == "completed"),
            () => "the pull request was not decided");
        Assert.Equal(passed, (string?)run["conclusion"] == "success");
    }

    /// <summary>Both tables: the one verify lists, and the one FinGuard looks decisions up in by head SHA (a new row when the SHA changes).</summary>
    private async Task EditAzureRowsAsync(EvidenceIndexEntry row, EvidenceIndexEntry edited)
    {
        var tables = new TableServiceClient(azurite.ConnectionString);
        var partition = row.Chain.Replace('/', '~');
        var sequence = row.Sequence.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
        var index = tables.GetTableClient("EvidenceIndex");
        var entity = (await index.GetEntityAsync<TableEntity>(partition, sequence)).Value;
        Apply(entity, edited);
        await index.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace);

        var bySha = tables.GetTableClient("EvidenceBySha");
        var lookup = (await bySha.GetEntityAsync<TableEntity>(partition, $"{row.HeadSha.ToLowerInvariant()}_{sequence}")).Value;
        Apply(lookup, edited);
        if (edited.HeadSha != row.HeadSha)
        {
            lookup.RowKey = $"{edited.HeadSha.ToLowerInvariant()}_{sequence}";
            await bySha.UpsertEntityAsync(lookup, TableUpdateMode.Replace);
        }
        else
        {
            await bySha.UpdateEntityAsync(lookup, lookup.ETag, TableUpdateMode.Replace);
        }
    }

    private static void Apply(TableEntity entity, EvidenceIndexEntry edited)
    {
        entity["Verdict"] = edited.Verdict;
        entity["HeadSha"] = edited.HeadSha;
        entity["DeliveryId"] = edited.DeliveryId;
    }
}
