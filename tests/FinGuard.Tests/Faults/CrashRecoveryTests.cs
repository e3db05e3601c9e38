using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Testing;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Evidence;
using FinGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FinGuard.Tests.Faults;

/// <summary>
/// The FinGuard process is killed with SIGKILL in the middle of a burst of deliveries and started again on the same
/// store; GitHub then redelivers what it has (every delivery, acknowledged or not, as a redelivery would). Afterwards
/// every delivery is processed exactly once, every decision has exactly one evidence record, the chain verifies, and
/// every published check run names evidence that exists and agrees with it. Run on both backends: the local folder and
/// Azure Storage (Azurite: blobs, tables and the table inbox).
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class CrashRecoveryTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const int PullRequests = 24;

    private readonly string folder = TempDirectory.Create();
    private readonly string privateKey = FinGuardHost.NewPrivateKeyPem();
    private readonly string container = $"ev-{Guid.NewGuid():N}"[..20];
    private readonly string tablePrefix = $"t{Guid.NewGuid():N}"[..12];
    private bool onAzure;
    private FakeGitHubServer github = null!;

    public async Task InitializeAsync() => github = await FakeGitHubServer.StartAsync();

    public async Task DisposeAsync()
    {
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Storage:LocalPath"] = onAzure ? null : folder,
        ["Storage:ConnectionString"] = onAzure ? azurite.ConnectionString : null,
        ["Storage:EvidenceContainer"] = onAzure ? container : null,
        ["Storage:TablePrefix"] = onAzure ? tablePrefix : null,
        ["GitHub:WebhookSecret"] = FinGuardHost.WebhookSecret,
        ["GitHub:AppId"] = "123456",
        ["GitHub:PrivateKey"] = privateKey,
        ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>The real <c>finguard serve</c> as a child process (so it can be SIGKILLed).</summary>
    private Process StartProcess(int port)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "finguard.dll"));
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add("--Scheduler:Enabled=false");
        foreach (var (key, value) in Settings().Where(s => s.Value is not null))
        {
            // The private key goes through the environment, as an operator would pass a secret.
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start finguard");
        process.OutputDataReceived += (_, e) => { };
        process.ErrorDataReceived += (_, e) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_process_killed_mid_burst_loses_nothing_and_decides_each_delivery_exactly_once(bool azureStorage)
    {
        onAzure = azureStorage;
        var scenarios = Enumerable.Range(1, PullRequests)
            .Select(n => new PullRequestScenario("octo-org", "ledger", 100 + n).WithCommit(verified: n % 3 != 0, reason: n % 3 != 0 ? "valid" : "unsigned").WithTwoIndependentApprovals())
            .ToList();
        var deliveries = FaultChecks.SynchronizeDeliveries(scenarios, github);

        // 1. The burst, and SIGKILL once a third of it is acknowledged.
        var port = LoopbackPorts.Free();
        var first = StartProcess(port);
        var acknowledged = new ConcurrentBag<string>();
        using (var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) })
        {
            await Eventually.GetAsync(
                () => { try { return client.GetAsync(new Uri("healthz", UriKind.Relative)).Result.IsSuccessStatusCode ? "up" : null; } catch (AggregateException) { return null; } },
                () => "finguard did not start",
                TimeSpan.FromSeconds(60));

            async Task SendAsync((string Id, PullRequestScenario Scenario, byte[] Body) d)
            {
                try
                {
                    using var response = await client.SendAsync(FinGuardHost.Delivery("pull_request", d.Body, deliveryId: d.Id));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        acknowledged.Add(d.Id);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // The process died under it: GitHub records a failed attempt.
                }
            }

            // A third arrives and the worker starts publishing; the rest arrives as a burst, during which the process is
            // SIGKILLed (no shutdown, no flush): some deliveries decided and published, some decided and maybe not
            // published, some stored only, some in flight, some never sent.
            foreach (var d in deliveries.Take(PullRequests / 3))
            {
                await SendAsync(d);
            }

            var clock = Stopwatch.StartNew();
            while (github.CheckRuns.Count(r => (string?)r["status"] == "completed") < 2 && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(5);
            }

            using var lanes = new SemaphoreSlim(3);
            var sends = deliveries.Skip(PullRequests / 3).Select(async d =>
            {
                await lanes.WaitAsync();
                try
                {
                    await SendAsync(d);
                }
                finally
                {
                    lanes.Release();
                }
            }).ToList();
            clock.Restart();
            while (acknowledged.Count < PullRequests / 2 && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(1);
            }

            first.Kill(entireProcessTree: true);
            await Task.WhenAll(sends);
            await first.WaitForExitAsync();
        }

        var decidedBeforeRestart = github.CheckRuns.Count(r => (string?)r["status"] == "completed");
        output.WriteLine($"acknowledged before the kill: {acknowledged.Count} of {PullRequests}; check runs completed before the restart: {decidedBeforeRestart}");
        Assert.True(acknowledged.Count >= PullRequests / 3, $"only {acknowledged.Count} acknowledged before the kill");

        // 2. Restart on the same store; GitHub redelivers every delivery (the unacknowledged ones, and duplicates of the others).
        await using var host = await FinGuardHost.StartAsync(Settings());
        foreach (var d in deliveries)
        {
            using var response = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", d.Body, deliveryId: d.Id));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        foreach (var d in deliveries)
        {
            var stored = await Eventually.GetAsync(
                () => inbox.GetAsync(d.Id, CancellationToken.None).Result is { State: not DeliveryState.Pending } s ? s : null,
                () => $"delivery {d.Id} was not processed after the restart");
            Assert.Equal(DeliveryState.Completed, stored.State);
        }

        // 3. Exactly one decision record per delivery, and each pull request's check agrees with its record.
        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var entries = await store.ListAsync("octo-org/ledger", CancellationToken.None).ToListAsync();
        Assert.Equal(PullRequests, entries.Count);
        Assert.Equal(deliveries.Select(d => d.Id).Order(StringComparer.Ordinal), entries.Select(e => e.DeliveryId).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, PullRequests).Select(i => (long)i), entries.Select(e => e.Sequence));

        foreach (var d in deliveries)
        {
            var entry = entries.Single(e => e.DeliveryId == d.Id);
            var run = await Eventually.GetAsync(
                () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == d.Scenario.HeadSha && (string?)r["status"] == "completed"),
                () => $"no completed check run for PR #{d.Scenario.Number}");
            var expected = d.Scenario.Commits[0].Verified ? "success" : "failure";
            Assert.Equal(expected, (string?)run["conclusion"]);
            Assert.Equal(expected == "success" ? "pass" : "fail", entry.Verdict);
            Assert.Equal(entry.BlobName, FaultChecks.EvidenceBlobOf(run));
        }

        // No check run anywhere (before or after the kill) names evidence that does not exist, or contradicts it.
        await FaultChecks.AssertEveryCheckRunHasItsEvidenceAsync(github, store);

        // 4. The chain verifies.
        await host.DisposeAsync();
        var verify = onAzure
            ? await EvidenceCli.RunAsync("verify", "--live", "--repo", "octo-org/ledger", $"--Storage:ConnectionString={azurite.ConnectionString}", $"--Storage:EvidenceContainer={container}", $"--Storage:TablePrefix={tablePrefix}")
            : await EvidenceCli.RunAsync("verify", "--live", "--repo", "octo-org/ledger", $"--Storage:LocalPath={folder}");
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);
    }
}
