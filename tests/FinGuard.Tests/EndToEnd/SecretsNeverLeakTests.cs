using System.Text;
using Microsoft.Extensions.Logging;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>The webhook secret, the App private key and installation tokens never reach logs or evidence, even when GitHub fails.</summary>
public sealed class SecretsNeverLeakTests : IAsyncLifetime, IDisposable
{
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private readonly string privateKey = FinGuardHost.NewPrivateKeyPem();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Storage:LocalPath"] = folder,
                ["GitHub:WebhookSecret"] = FinGuardHost.WebhookSecret,
                ["GitHub:AppId"] = "123456",
                ["GitHub:PrivateKey"] = privateKey,
                ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
                ["Logging:LogLevel:Default"] = "Trace",
            },
            builder => builder.Logging.AddProvider(logs));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    [Fact]
    public async Task Nothing_secret_is_logged_or_stored_across_a_good_decision_a_forged_delivery_and_a_github_failure()
    {
        var good = new PullRequestScenario(owner: "octo-org", repo: "ledger", number: 1).WithCommit(verified: true).WithTwoIndependentApprovals();
        good.ServeOn(github);
        var body = Encoding.UTF8.GetBytes(good.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body)))
        {
        }

        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, secret: "forged-secret")))
        {
        }

        // GitHub refuses the commits read: the worker logs the failure.
        var failing = new PullRequestScenario(owner: "octo-org", repo: "vault", number: 2).WithCommit(verified: true);
        github.Respond("GET", failing.ComparePath, _ => FakeResponse.Error(403, "Resource not accessible by integration"));
        using (await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", Encoding.UTF8.GetBytes(failing.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString()))))
        {
        }

        await Eventually.GetAsync(() => github.CheckRuns.Count > 0 ? github.CheckRuns : null, () => "the good delivery was not processed");
        await Eventually.GetAsync(() => logs.Lines.Any(l => l.Contains("Processing failed", StringComparison.Ordinal)) ? logs.Lines : null, () => "the failing delivery was not attempted");

        var tokens = github.Requests.Select(r => r.Header("Authorization")).OfType<string>().Where(h => h.StartsWith("Bearer ghs_", StringComparison.Ordinal))
            .Select(h => h["Bearer ".Length..]).Distinct().ToList();
        var jwts = github.Requests.Where(r => r.Path.EndsWith("/access_tokens", StringComparison.Ordinal)).Select(r => r.Header("Authorization")!["Bearer ".Length..]).Distinct().ToList();
        Assert.NotEmpty(tokens);
        Assert.NotEmpty(jwts);
        var keyBody = privateKey.Split('\n')[1];
        var secrets = new List<string> { FinGuardHost.WebhookSecret, keyBody, "forged-secret" };
        secrets.AddRange(tokens);
        secrets.AddRange(jwts);

        var evidence = string.Join('\n', Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => f.Contains("evidence", StringComparison.Ordinal) || f.Contains("index", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        Assert.NotEmpty(evidence);
        var logText = string.Join('\n', logs.Lines);
        Assert.Contains("403", logText, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logText, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, evidence, StringComparison.Ordinal);
        }
    }
}
