using System.Net;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Evidence;
using FinGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FinGuard.Tests.Faults;

/// <summary>
/// Azure Storage (Azurite) goes away while FinGuard is processing deliveries and comes back. Deliveries that arrive
/// during the outage are refused with a 5xx (GitHub records them as failed and they are redelivered), deliveries
/// already stored are retried, and afterwards every delivery is processed exactly once, with one evidence record per
/// decision, a chain that verifies, and no check run without its evidence.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class StorageOutageTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;
    private readonly string prefix = $"t{Guid.NewGuid():N}"[..12];
    private readonly string container = $"ev-{Guid.NewGuid():N}"[..20];

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString);
        settings["Storage:EvidenceContainer"] = container;
        settings["Storage:TablePrefix"] = prefix;
        settings["Logging:LogLevel:Default"] = "None";
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        if (!azurite.IsRunning)
        {
            await azurite.StartAsync();
        }

        await host.DisposeAsync();
        await github.DisposeAsync();
    }

    [Fact]
    public async Task Storage_stopped_mid_run_and_restarted_loses_nothing_and_decides_each_delivery_once()
    {
        var repo = $"outage-{Guid.NewGuid():N}"[..19];
        var scenarios = Enumerable.Range(1, 12)
            .Select(n => new PullRequestScenario("octo-org", repo, n).WithCommit(verified: n % 4 != 0, reason: n % 4 != 0 ? "valid" : "unsigned").WithTwoIndependentApprovals())
            .ToList();
        var deliveries = FaultChecks.SynchronizeDeliveries(scenarios, github);

        async Task<HttpStatusCode> SendAsync((string Id, PullRequestScenario Scenario, byte[] Body) d)
        {
            using var response = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", d.Body, deliveryId: d.Id));
            return response.StatusCode;
        }

        // The first half arrives and is stored; storage stops before the worker can have finished them.
        foreach (var d in deliveries.Take(6))
        {
            Assert.Equal(HttpStatusCode.Accepted, await SendAsync(d));
        }

        await azurite.StopAsync();
        var refused = new List<(string Id, PullRequestScenario Scenario, byte[] Body)>();
        foreach (var d in deliveries.Skip(6))
        {
            var status = await SendAsync(d);
            output.WriteLine($"during the outage: {status}");
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"a delivery FinGuard could not store was answered {(int)status}, not 503");
            refused.Add(d);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        await azurite.StartAsync();

        // GitHub redelivers what failed.
        foreach (var d in refused)
        {
            Assert.Equal(HttpStatusCode.Accepted, await SendAsync(d));
        }

        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        foreach (var d in deliveries)
        {
            var stored = await Eventually.GetAsync(
                () => inbox.GetAsync(d.Id, CancellationToken.None).Result is { State: DeliveryState.Completed } s ? s : null,
                () => $"delivery {d.Id} (PR #{d.Scenario.Number}) was not completed after storage came back: {inbox.GetAsync(d.Id, CancellationToken.None).Result}",
                TimeSpan.FromSeconds(60));
            Assert.Equal(DeliveryState.Completed, stored.State);
        }

        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var chain = $"octo-org/{repo}";
        var entries = await store.ListAsync(chain, CancellationToken.None).ToListAsync();
        Assert.Equal(deliveries.Select(d => d.Id).Order(StringComparer.Ordinal), entries.Select(e => e.DeliveryId).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, deliveries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));

        foreach (var d in deliveries)
        {
            var run = await Eventually.GetAsync(
                () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == d.Scenario.HeadSha && (string?)r["status"] == "completed"),
                () => $"no completed check run for PR #{d.Scenario.Number}");
            Assert.Equal(d.Scenario.Commits[0].Verified ? "success" : "failure", (string?)run["conclusion"]);
        }

        await FaultChecks.AssertEveryCheckRunHasItsEvidenceAsync(github, store);

        var verify = await EvidenceCli.RunAsync(
            "verify", "--live", "--repo", chain,
            $"--Storage:ConnectionString={azurite.ConnectionString}", $"--Storage:EvidenceContainer={container}", $"--Storage:TablePrefix={prefix}");
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);
    }
}
