using System.Security.Cryptography;
using System.Text;
using FinGuard.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace FinGuard.Tests.Infrastructure;

/// <summary>
/// The real <c>finguard serve</c> application on Kestrel at 127.0.0.1 with an ephemeral port, configured the way
/// an operator would (configuration keys, not service replacement).
/// </summary>
public sealed class FinGuardHost : IAsyncDisposable
{
    public const string WebhookSecret = "test-webhook-secret-0f3c";

    private readonly WebApplication app;

    private FinGuardHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>
    /// The evidence records of <paramref name="chain"/> (<c>owner/repo</c>), oldest first, once there are at least
    /// <paramref name="atLeast"/>; each checked as read: its bytes hash to what the index says and are canonical.
    /// </summary>
    public async Task<List<Core.Evidence.EvidenceRecord>> EvidenceRecordsAsync(string chain, int atLeast)
    {
        var store = Services.GetRequiredService<Core.Evidence.IEvidenceStore>();
        chain = chain.ToLowerInvariant();
        var index = await Eventually.GetAsync(
            () => store.ListAsync(chain, CancellationToken.None).ToListAsync().AsTask().Result is { } rows && rows.Count >= atLeast ? rows : null,
            () => $"expected {atLeast} evidence records for {chain}");
        var records = new List<Core.Evidence.EvidenceRecord>();
        foreach (var entry in index)
        {
            var bytes = (await store.ReadAsync(entry.BlobName, CancellationToken.None))!;
            Assert.Equal(entry.Sha256, Core.Evidence.CanonicalJson.Sha256Hex(bytes));
            Assert.Equal(bytes, Core.Evidence.EvidenceSerializer.ToCanonicalBytes(Core.Evidence.EvidenceSerializer.FromBytes(bytes)));
            records.Add(Core.Evidence.EvidenceSerializer.FromBytes(bytes));
        }

        return records;
    }

    /// <summary>
    /// A pull request FinGuard has passed: one verified commit and two independent approvals, served on
    /// <paramref name="github"/> and decided from a <c>pull_request</c> delivery, so its decision is in the evidence index.
    /// </summary>
    public async Task<Testing.Scenarios.PullRequestScenario> ApprovedPullRequestAsync(Testing.FakeGitHub.FakeGitHubServer github, string owner, string repo, int number = 42)
    {
        ArgumentNullException.ThrowIfNull(github);
        var pr = new Testing.Scenarios.PullRequestScenario(owner, repo, number).WithCommit(verified: true, message: "Add settlement report").WithTwoIndependentApprovals();
        pr.ServeOn(github);
        var body = Encoding.UTF8.GetBytes(pr.WebhookPayload(Testing.Scenarios.WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
        using (var ack = await Client.SendAsync(Delivery("pull_request", body)))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, ack.StatusCode);
        }

        var run = await Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == pr.HeadSha && (string?)r["status"] == "completed"),
            () => "the pull request was not decided");
        Assert.Equal("success", (string?)run["conclusion"]);
        return pr;
    }

    /// <summary>
    /// Records that the pull request's author pushed its current head, as FinGuard does when the <c>opened</c> delivery
    /// arrives (<see cref="global::FinGuard.Processing.HeadPushRecorder"/>), for tests whose first delivery is something else and that
    /// are not about who pushed.
    /// </summary>
    public Task RecordAuthorPushAsync(Testing.Scenarios.PullRequestScenario pr)
    {
        ArgumentNullException.ThrowIfNull(pr);
        var payload = pr.WebhookPayload(Testing.Scenarios.WebhookExamples.First("pull_request", "opened"), "opened");
        payload["sender"]!["login"] = pr.AuthorLogin;
        payload["sender"]!["id"] = 5001;
        var delivery = new Core.Deliveries.InboundDelivery(
            Guid.NewGuid().ToString(), "pull_request", "opened", pr.InstallationId, pr.FullName, TimeProvider.System.GetUtcNow(), Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return global::FinGuard.Processing.HeadPushRecorder.RecordAsync(Services.GetRequiredService<Storage.Pushes.IHeadPushes>(), delivery, CancellationToken.None);
    }

    /// <summary>A fresh RSA key in PEM, as GitHub issues App private keys.</summary>
    public static string NewPrivateKeyPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    }

    public static async Task<FinGuardHost> StartAsync(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Tests fire timers themselves (through the Functions endpoints or the jobs); a scheduler firing on the real
        // clock in the middle of a test would add decisions it does not expect. A test may still turn it on.
        var args = new List<string> { "--urls", "http://127.0.0.1:0", $"--{(global::FinGuard.Functions.LocalTimerScheduler.EnabledKey)}=false" };
        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                args.Add($"--{key}={value}");
            }
        }

        var app = FinGuardApp.Build([.. args], configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FinGuardHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>
    /// Settings for a host with App credentials (a fresh key) that talks to <paramref name="github"/>, storing in the
    /// local folder <paramref name="localPath"/>; add or override keys on the returned dictionary.
    /// </summary>
    public static Dictionary<string, string?> GitHubSettings(Testing.FakeGitHub.FakeGitHubServer github, string localPath) =>
        WithApp(LocalSettings(localPath), github);

    /// <summary>
    /// Settings for a host with App credentials (a fresh key) that talks to <paramref name="github"/>, storing in the
    /// Azure Storage account (Azurite) at <paramref name="connectionString"/>; add or override keys on the returned
    /// dictionary.
    /// </summary>
    public static Dictionary<string, string?> AzuriteGitHubSettings(Testing.FakeGitHub.FakeGitHubServer github, string connectionString) =>
        WithApp(StorageSettings("Storage:ConnectionString", connectionString, WebhookSecret), github);

    /// <summary>Settings for a host using the local folder backend and a webhook secret.</summary>
    public static Dictionary<string, string?> LocalSettings(string localPath, string? secret = WebhookSecret) =>
        StorageSettings("Storage:LocalPath", localPath, secret);

    private static Dictionary<string, string?> StorageSettings(string storageKey, string storageValue, string? secret) => new()
    {
        [storageKey] = storageValue,
        ["GitHub:WebhookSecret"] = secret,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Adds App credentials (a fresh key) and <paramref name="github"/>'s API address to <paramref name="settings"/>.</summary>
    private static Dictionary<string, string?> WithApp(Dictionary<string, string?> settings, Testing.FakeGitHub.FakeGitHubServer github)
    {
        ArgumentNullException.ThrowIfNull(github);
        settings["GitHub:AppId"] = "123456";
        settings["GitHub:PrivateKey"] = NewPrivateKeyPem();
        settings["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString();
        return settings;
    }

    public static HttpRequestMessage Delivery(string eventName, byte[] body, string? secret = WebhookSecret, string? deliveryId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/github/webhooks") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", deliveryId ?? Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "GitHub-Hookshot/test");
        if (secret is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
